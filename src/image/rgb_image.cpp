// Validation of an RGB888 view (see rgb_image.hpp).
#include "image/rgb_image.hpp"

#include "image/image_error.hpp"

namespace ilo::image {

std::error_code check_view(const RgbImageView& image) noexcept {
  if (image.width < 1 || image.width > kMaxDimension || image.height < 1 ||
      image.height > kMaxDimension)
    return ImageError::bad_dimensions;
  const std::size_t row_bytes = static_cast<std::size_t>(image.width) * 3;
  if (image.stride < row_bytes) return ImageError::bad_dimensions;
  // Needed: stride * (height - 1) + row_bytes (the last row need not be padded to a full
  // stride), compared by division so a huge stride cannot overflow.
  if (image.pixels.size() < row_bytes) return ImageError::buffer_too_small;
  const std::size_t rows_before_last = static_cast<std::size_t>(image.height) - 1;
  if (rows_before_last > 0 &&
      image.stride > (image.pixels.size() - row_bytes) / rows_before_last)
    return ImageError::buffer_too_small;
  return {};
}

}  // namespace ilo::image
