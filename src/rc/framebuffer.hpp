// The RGB888 picture the video decoder paints into, in memory the caller owns or provides (so
// it can live in shared memory for the companion process). Tracks one dirty rectangle since
// the caller last took it. It knows nothing of the bitstream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ilo::rc {

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
  [[nodiscard]] bool empty() const noexcept { return width <= 0 || height <= 0; }
};

class Framebuffer {
 public:
  // The largest screen a MODE command can describe: 127 columns of 16 pixels, 127 rows of 16
  // pixels plus 15 extra rows (docs/rc-video.md#screen-mode).
  static constexpr int kMaxWidth = 127 * 16;
  static constexpr int kMaxHeight = 127 * 16 + 15;
  static constexpr std::size_t kMaxBytes = std::size_t{kMaxWidth} * kMaxHeight * 3;

  Framebuffer() = default;                                       // owns its pixels
  explicit Framebuffer(std::span<std::uint8_t> storage) noexcept;  // external pixels

  // Sets the size and clears to black. Returns false (size unchanged) if the size is not
  // within 0..kMax or does not fit external storage. 0x0 is valid: "no video".
  bool resize(int width, int height);
  void clear() noexcept;  // black, whole screen dirty

  [[nodiscard]] int width() const noexcept { return width_; }
  [[nodiscard]] int height() const noexcept { return height_; }
  [[nodiscard]] std::size_t stride() const noexcept { return std::size_t(width_) * 3; }
  [[nodiscard]] std::span<std::uint8_t> pixels() noexcept {
    ++generation_;
    return pixels_.first(size_bytes());
  }
  [[nodiscard]] std::span<const std::uint8_t> pixels() const noexcept {
    return pixels_.first(size_bytes());
  }
  [[nodiscard]] std::uint8_t* row(int y) noexcept {
    ++generation_;
    return pixels_.data() + std::size_t(y) * stride();
  }
  [[nodiscard]] std::size_t size_bytes() const noexcept { return std::size_t(height_) * stride(); }

  // Changes whenever the pixels may have changed: resize(), clear() and every hand-out of
  // writable pixels (the non-const pixels() and row()). A painter that remembers what it
  // wrote (the video decoder skips black blocks over black) compares it to notice others'
  // writes. Writes through storage or pointers obtained earlier are not seen.
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

  // Dirty tracking: painters call mark(); consumers take_dirty() (returns and resets).
  void mark(const Rect& r) noexcept;
  Rect take_dirty() noexcept;
  [[nodiscard]] const Rect& dirty() const noexcept { return dirty_; }

 private:
  // clear() when only the first n bytes of the screen can be other than black.
  void clear_first(std::size_t n) noexcept;

  std::vector<std::uint8_t> owned_;
  std::span<std::uint8_t> pixels_;
  bool external_ = false;
  int width_ = 0, height_ = 0;
  Rect dirty_;
  std::uint64_t generation_ = 0;
};

}  // namespace ilo::rc
