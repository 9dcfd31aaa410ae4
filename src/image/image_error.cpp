// The error category of the image writers (see image_error.hpp): messages and conditions.
#include "image/image_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::image {
namespace {

ErrorInfo describe(ImageError e) noexcept {
  switch (e) {
    case ImageError::bad_dimensions: return {"image dimensions or stride invalid", EINVAL};
    case ImageError::buffer_too_small: return {"pixel buffer smaller than the image", EINVAL};
    case ImageError::png_unavailable:
      return {"PNG support not built (libspng not found)", ENOTSUP};
    case ImageError::png_failed: return {"PNG encoding failed", 0};
    case ImageError::bad_header: return {"not a binary PPM (P6, maxval 255) header", EINVAL};
    case ImageError::too_large: return {"PPM image larger than allowed", EFBIG};
    case ImageError::truncated: return {"PPM data truncated", 0};
  }
  return {};
}

}  // namespace

const std::error_category& image_category() noexcept {
  return enum_category<ImageError, describe>("ilo.image", "unknown image error");
}

}  // namespace ilo::image
