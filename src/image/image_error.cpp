// The error category of the image writers (see image_error.hpp).
#include "image/image_error.hpp"

#include <string>

namespace ilo::image {
namespace {

class ImageCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ilo.image"; }
  std::string message(int c) const override {
    switch (static_cast<ImageError>(c)) {
      case ImageError::bad_dimensions: return "image dimensions or stride invalid";
      case ImageError::buffer_too_small: return "pixel buffer smaller than the image";
      case ImageError::png_unavailable: return "PNG support not built (libspng not found)";
      case ImageError::png_failed: return "PNG encoding failed";
      case ImageError::bad_header: return "not a binary PPM (P6, maxval 255) header";
      case ImageError::too_large: return "PPM image larger than allowed";
      case ImageError::truncated: return "PPM data truncated";
    }
    return "unknown image error";
  }
};

}  // namespace

const std::error_category& image_category() noexcept {
  static const ImageCategory c;
  return c;
}

}  // namespace ilo::image
