// The decoder's pixel sink (docs/rc-video.md#painting, #emitting-blocks): the current 16x16 (or
// 16x8) block, filled run by run as packed RGB888, and the last block, copied into the Framebuffer
// clipped to its size. It knows nothing of bit codes, the colour cache or where blocks go.
//
// The notes' single block buffer is kept as two: runs are painted into a work buffer with
// whole 16-pixel stores that may write past the painted count, and a completed block becomes
// the "last" buffer that block repeats draw. A block abandoned half-painted (resync, MODE)
// copies its painted prefix over the last buffer, so repeats see exactly what the Java
// client's single buffer would hold. A block painted as one run of one colour (most of a
// text console) is stored as its first row only. Since the last clear of the screen it
// remembers which block cells are black, so that black drawn over black is skipped.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "rc/framebuffer.hpp"

namespace ilo::rc {

static_assert(std::endian::native == std::endian::little,
              "RGB888 values are stored with 8-byte little-endian writes");

class BlockWriter {
 public:
  static constexpr int kWidth = 16;
  static constexpr int kMaxPixels = 256;
  static constexpr std::size_t kRowBytes = kWidth * 3;

  // One colour as a row of 16 RGB888 pixels: the unit runs are painted with.
  struct Pattern {
    alignas(16) std::uint8_t bytes[kRowBytes];
  };
  // rgb: red in the low byte.
  static Pattern pattern_of(std::uint32_t rgb) noexcept {
    const std::uint64_t c = rgb & 0xFFFFFFu;
    const std::uint64_t w[3] = {
        c | c << 24 | c << 48,                 // R G B R G B R G
        c >> 16 | c << 8 | c << 32 | c << 56,  // B R G B R G B R
        c >> 8 | c << 16 | c << 40,            // G B R G B R G B
    };
    Pattern p;
    std::memcpy(p.bytes, w, 24);
    std::memcpy(p.bytes + 24, w, 24);
    return p;
  }

  // The painting position of the current block, copied into a local by the decoder's run
  // loop (stores into the pixels would otherwise force the writer's members to be reloaded
  // after every run). Runs painted through a cursor take effect with commit().
  struct Cursor {
    std::uint8_t* start;  // the work buffer
    std::uint8_t* at;     // where the next pixel goes
    std::uint8_t* end;    // start + 3 * capacity
    bool same;            // painted as one run of the whole block: only row 0 is stored

    [[nodiscard]] std::size_t room_bytes() const noexcept { return std::size_t(end - at); }
    [[nodiscard]] bool full() const noexcept { return at == end; }
    // Paints three runs of at most 16 pixels each, of patterns a, b and a again, with one
    // store each: the second starts at byte offset second, the third at third and they end at
    // total (<= room_bytes()). A run that is not there starts at the end and paints nothing.
    void paint_runs(const std::uint8_t* a, const std::uint8_t* b, std::size_t second,
                    std::size_t third, std::size_t total) noexcept {
      std::memcpy(at, a, kRowBytes);
      std::memcpy(at + second, b, kRowBytes);
      std::memcpy(at + third, a, kRowBytes);
      at += total;
    }
    // Paints n pixels of the 16-pixel pattern p, 1 <= n <= room_bytes() / 3.
    void paint(const std::uint8_t* p, unsigned n) noexcept {
      const std::size_t bytes = 3 * std::size_t(n);
      if (at == start && at + bytes == end) {  // one colour for the whole block: store one row
        std::memcpy(at, p, kRowBytes);
        same = true;
      } else {
        for (std::size_t i = 0; i < bytes; i += kRowBytes) std::memcpy(at + i, p, kRowBytes);
      }
      at += bytes;
    }
  };

  BlockWriter() = default;
  BlockWriter(const BlockWriter&) = delete;  // work_ and last_ point into this object
  BlockWriter& operator=(const BlockWriter&) = delete;

  // The block holds 16 x rows pixels (rows 16 or 8); changing it does not touch the pixels.
  void set_rows(int rows) noexcept {
    if (unsigned(kWidth * rows) != capacity_) black_known_ = false;  // another cell grid
    capacity_ = unsigned(kWidth * rows);
  }
  [[nodiscard]] unsigned capacity() const noexcept { return capacity_; }
  [[nodiscard]] unsigned count() const noexcept { return count_; }
  [[nodiscard]] bool full() const noexcept { return count_ == capacity_; }

  [[nodiscard]] Cursor cursor() noexcept {
    return {work_, work_ + 3 * std::size_t(count_), work_ + 3 * std::size_t(capacity_), work_same_};
  }
  void commit(const Cursor& c) noexcept {
    count_ = unsigned(c.at - c.start) / 3;
    work_same_ = c.same;
  }

  // Paints up to n pixels of rgb (RGB888, red in the low byte) after those already painted.
  // Returns false if the block could not take all n: the pixels that fitted are painted, the
  // rest is dropped (the decoder's fatal error).
  bool paint(std::uint32_t rgb, unsigned n) noexcept {
    const unsigned room = capacity_ - count_;
    const bool fits = n <= room;
    if (!fits) n = room;
    if (n != 0) {
      Cursor c = cursor();
      c.paint(pattern_of(rgb).bytes, n);
      commit(c);
    }
    return fits;
  }

  // The painted block is complete (count() == capacity()): it becomes the last block, which
  // draw() and block repeats use.
  void complete() noexcept {
    if (capacity_ == kMaxPixels) {
      std::swap(work_, last_);
      std::swap(work_same_, last_same_);
    } else {
      merge();  // a 16x8 block replaces only the first 8 rows of the single buffer
    }
    count_ = 0;
    work_same_ = false;
  }
  // Painting stops before the block is complete (pixel count reset): the painted pixels
  // replace the start of the last block, as they would in the Java client's single buffer.
  void abandon() noexcept {
    if (count_ != 0) merge();
    count_ = 0;
    work_same_ = false;
  }

  // The whole framebuffer has just been cleared to black (and nothing else written since).
  // From here on draw() remembers which cells of the block grid are black and skips drawing
  // a black block over one (after a MODE the server repaints the whole screen, and most of a
  // text console is black), until the framebuffer's generation shows someone else's write.
  void screen_cleared(const Framebuffer& fb) noexcept {
    black_.fill(~std::uint64_t{0});
    black_known_ = true;
    black_generation_ = fb.generation();
  }

  // Draws the last block's 16 x rows pixels at column bx, row by of the block grid (top-left
  // pixel (16 bx, rows by)), clipped to the framebuffer and to clip_height rows (the screen
  // height). Returns the area drawn (empty if none) for the caller's dirty tracking; a black
  // block skipped over black counts as drawn.
  Rect draw(Framebuffer& fb, int bx, int by, int clip_height) noexcept {
    const int block_rows = int(capacity_ / kWidth);
    const int x = kWidth * bx;
    const int y = block_rows * by;
    const int rows = std::min(block_rows, std::min(fb.height(), clip_height) - y);
    const int cols = std::min(kWidth, fb.width() - x);
    if (rows <= 0 || cols <= 0 || x < 0 || y < 0) return {};
    const Rect area{x, y, cols, rows};
    if (black_known_ && fb.generation() != black_generation_) black_known_ = false;
    if (black_known_) {
      // The block is inside the framebuffer, so its cell is in range.
      const std::size_t cell = std::size_t(bx) + kCellColumns * std::size_t(by);
      const std::uint64_t bit = std::uint64_t{1} << (cell & 63);
      std::uint64_t& word = black_[cell >> 6];
      if (last_same_ && (last_[0] | last_[1] | last_[2]) == 0) {  // black
        if (word & bit) return area;
        word |= bit;
      } else {
        word &= ~bit;
      }
    }
    const std::size_t stride = fb.stride();
    std::uint8_t* dst = fb.row(y) + std::size_t(x) * 3;
    if (cols == kWidth && last_same_) {
      Pattern row;  // held in registers across the stores
      std::memcpy(row.bytes, last_, kRowBytes);
      for (int r = 0; r < rows; ++r, dst += stride) std::memcpy(dst, row.bytes, kRowBytes);
    } else if (cols == kWidth && rows == kMaxPixels / kWidth) {  // the common case, unrolled
      const std::uint8_t* src = last_;
      for (int r = 0; r < kMaxPixels / kWidth; r += 4, dst += 4 * stride, src += 4 * kRowBytes) {
        std::memcpy(dst, src, kRowBytes);
        std::memcpy(dst + stride, src + kRowBytes, kRowBytes);
        std::memcpy(dst + 2 * stride, src + 2 * kRowBytes, kRowBytes);
        std::memcpy(dst + 3 * stride, src + 3 * kRowBytes, kRowBytes);
      }
    } else {
      const std::uint8_t* src = last_;
      const std::size_t step = last_same_ ? 0 : kRowBytes;
      const std::size_t n = std::size_t(cols) * 3;
      for (int r = 0; r < rows; ++r, dst += stride, src += step) std::memcpy(dst, src, n);
    }
    if (black_known_) black_generation_ = fb.generation();  // our own write
    return area;
  }

  // Pixel i of the last block as RGB888 (red in the low byte); for tests.
  [[nodiscard]] std::uint32_t pixel(int i) const noexcept {
    const std::uint8_t* p = last_ + 3 * (last_same_ ? i % kWidth : i);
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
  }

 private:
  static constexpr std::size_t kOverrunBytes = kRowBytes;  // a run's last 16-pixel store
  static constexpr std::size_t kBufferBytes = kMaxPixels * 3 + kOverrunBytes;

  // Copies the painted pixels over the start of the last block.
  void merge() noexcept {
    if (work_same_) expand(work_);
    if (last_same_) expand(last_);
    last_same_ = false;
    std::memcpy(last_, work_, 3 * std::size_t(count_));
  }
  // A buffer stored as one row becomes 16 real rows.
  static void expand(std::uint8_t* buf) noexcept {
    for (int r = 1; r < kMaxPixels / kWidth; ++r) std::memcpy(buf + r * kRowBytes, buf, kRowBytes);
  }

  // One bit per cell of the block grid: 127 columns of 16 pixels, up to 256 rows of 8.
  static constexpr std::size_t kCellColumns = 128;
  static constexpr std::size_t kCellRows = 256;
  static_assert(Framebuffer::kMaxWidth / kWidth <= int(kCellColumns) &&
                (Framebuffer::kMaxHeight - 1) / 8 < int(kCellRows));

  alignas(64) std::uint8_t a_[kBufferBytes] = {};
  alignas(64) std::uint8_t b_[kBufferBytes] = {};
  std::uint8_t* work_ = a_;
  std::uint8_t* last_ = b_;
  bool work_same_ = false;  // all rows of the buffer equal its first row (only that is stored)
  bool last_same_ = false;
  unsigned count_ = 0;
  unsigned capacity_ = kMaxPixels;
  std::array<std::uint64_t, kCellColumns * kCellRows / 64> black_{};  // cell known black
  bool black_known_ = false;  // black_ is valid
  std::uint64_t black_generation_ = 0;  // the framebuffer's generation after our last write
};

}  // namespace ilo::rc
