// The decoder's pixel sink (rc-video.md §4.2, §7): the current 16x16 (or 16x8) block, filled
// run by run as packed RGB888, and the last block, copied into the Framebuffer clipped to its
// size. It knows nothing of bit codes, the colour cache or where blocks go.
//
// The spec's single block buffer is kept as two: runs are painted into a work buffer with
// whole 8-pixel stores that may write past the painted count, and a completed block becomes
// the "last" buffer that block repeats draw. A block abandoned half-painted (resync, MODE)
// copies its painted prefix over the last buffer, so repeats see exactly what the Java
// client's single buffer would hold. A block painted as one run of one colour (most of a
// text console) is stored as its first row only.
#pragma once

#include <algorithm>
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

  BlockWriter() = default;
  BlockWriter(const BlockWriter&) = delete;  // work_ and last_ point into this object
  BlockWriter& operator=(const BlockWriter&) = delete;

  // The block holds 16 x rows pixels (rows 16 or 8); changing it does not touch the pixels.
  void set_rows(int rows) noexcept { capacity_ = unsigned(kWidth * rows); }
  [[nodiscard]] unsigned capacity() const noexcept { return capacity_; }
  [[nodiscard]] unsigned count() const noexcept { return count_; }
  [[nodiscard]] bool full() const noexcept { return count_ == capacity_; }

  // Paints up to n pixels of rgb (RGB888, red in the low byte) after those already painted.
  // Returns false if the block could not take all n: the pixels that fitted are painted, the
  // rest is dropped (the decoder's fatal error).
  bool paint(std::uint32_t rgb, unsigned n) noexcept {
    const unsigned room = capacity_ - count_;
    const bool fits = n <= room;
    if (!fits) n = room;
    if (count_ == 0 && n == capacity_) {  // one colour for the whole block: store one row
      fill(work_, rgb, kWidth);
      work_same_ = true;
    } else {
      fill(work_ + 3 * count_, rgb, n);
    }
    count_ += n;
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

  // Draws the last block's 16 x rows pixels with its top-left corner at (x, y), clipped to the
  // framebuffer and to clip_height rows (the screen height). Returns the area drawn (empty
  // if none) for the caller's dirty tracking.
  Rect draw(Framebuffer& fb, int x, int y, int clip_height) const noexcept {
    const int rows = std::min(int(capacity_ / kWidth), std::min(fb.height(), clip_height) - y);
    const int cols = std::min(kWidth, fb.width() - x);
    if (rows <= 0 || cols <= 0 || x < 0 || y < 0) return {};
    const std::size_t stride = fb.stride();
    std::uint8_t* dst = fb.row(y) + std::size_t(x) * 3;
    const std::uint8_t* src = last_;
    const std::size_t step = last_same_ ? 0 : kRowBytes;
    if (cols == kWidth) {
      for (int r = 0; r < rows; ++r, dst += stride, src += step) std::memcpy(dst, src, kRowBytes);
    } else {
      const std::size_t n = std::size_t(cols) * 3;
      for (int r = 0; r < rows; ++r, dst += stride, src += step) std::memcpy(dst, src, n);
    }
    return {x, y, cols, rows};
  }

  // Pixel i of the last block as RGB888 (red in the low byte); for tests.
  [[nodiscard]] std::uint32_t pixel(int i) const noexcept {
    const std::uint8_t* p = last_ + 3 * (last_same_ ? i % kWidth : i);
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
  }

 private:
  static constexpr std::size_t kPatternBytes = 24;  // 8 pixels
  static constexpr std::size_t kBufferBytes = kMaxPixels * 3 + kPatternBytes;

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

  // Writes at least n pixels at d as 24-byte patterns (up to 8 pixels past the run).
  static void fill(std::uint8_t* d, std::uint32_t rgb, unsigned n) noexcept {
    const std::uint64_t c = rgb;
    const std::uint64_t w0 = c | c << 24 | c << 48;               // R G B R G B R G
    const std::uint64_t w1 = c >> 16 | c << 8 | c << 32 | c << 56;  // B R G B R G B R
    const std::uint64_t w2 = c >> 8 | c << 16 | c << 40;           // G B R G B R G B
    unsigned i = 0;
    do {  // n = 0 writes one pattern too, harmlessly past the count
      std::memcpy(d, &w0, 8);
      std::memcpy(d + 8, &w1, 8);
      std::memcpy(d + 16, &w2, 8);
      d += kPatternBytes;
      i += 8;
    } while (i < n);
  }

  alignas(64) std::uint8_t a_[kBufferBytes] = {};
  alignas(64) std::uint8_t b_[kBufferBytes] = {};
  std::uint8_t* work_ = a_;
  std::uint8_t* last_ = b_;
  bool work_same_ = false;  // all rows of the buffer equal its first row (only that is stored)
  bool last_same_ = false;
  unsigned count_ = 0;
  unsigned capacity_ = kMaxPixels;
};

}  // namespace ilo::rc
