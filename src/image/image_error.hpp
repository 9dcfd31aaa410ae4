// Errors of the image writers and the PPM reader: one std::error_code category. Messages
// describe the kind of failure; they never contain pixel data.
#pragma once

#include <system_error>

namespace ilo::image {

enum class ImageError {
  bad_dimensions = 1,  // width or height outside 1..kMaxDimension, or stride < width * 3
  buffer_too_small,    // the pixel buffer is shorter than stride * (height - 1) + width * 3
  png_unavailable,     // built without libspng
  png_failed,          // libspng reported an error
  bad_header,          // PPM: not a P6 header, malformed number, maxval other than 255
  too_large,           // PPM: dimensions above the caller's limits
  truncated,           // PPM: header or pixel data cut short
};
const std::error_category& image_category() noexcept;
inline std::error_code make_error_code(ImageError e) noexcept {
  return {static_cast<int>(e), image_category()};
}

}  // namespace ilo::image

template <>
struct std::is_error_code_enum<ilo::image::ImageError> : std::true_type {};
