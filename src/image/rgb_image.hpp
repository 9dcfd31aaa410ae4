// The picture the writers encode: a borrowed RGB888 view (rows `stride` bytes apart, as in
// rc::Framebuffer) and an owned, tightly packed copy (what the PPM reader returns).
// Validation of a view is here; no encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace ilo::image {

// Large enough for any iLO screen (at most 2032 x 2047), small enough that w * h * 3 never
// overflows.
inline constexpr int kMaxDimension = 16384;

struct RgbImageView {
  std::span<const std::uint8_t> pixels;  // R, G, B bytes; row y starts at y * stride
  int width = 0;
  int height = 0;
  std::size_t stride = 0;  // bytes from one row to the next, at least width * 3
};

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * 3 bytes per row, no padding
  [[nodiscard]] RgbImageView view() const noexcept {
    return {pixels, width, height, static_cast<std::size_t>(width) * 3};
  }
};

// ImageError::bad_dimensions or buffer_too_small, or an empty code if the view can be read.
std::error_code check_view(const RgbImageView& image) noexcept;

}  // namespace ilo::image
