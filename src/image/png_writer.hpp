// PNG encoding (8-bit truecolour, no interlace) of an RGB888 image into memory through
// libspng. No file I/O here, and no PNG code of our own: without libspng at build time the
// function reports ImageError::png_unavailable.
#pragma once

#include <cstdint>
#include <system_error>
#include <vector>

#include "image/rgb_image.hpp"

namespace ilo::image {

// True if this build can encode PNG (libspng was found by Meson).
bool png_supported() noexcept;

// On error returns an empty vector and sets ec: check_view() errors, png_unavailable, or
// png_failed if libspng refuses.
std::vector<std::uint8_t> encode_png(const RgbImageView& image, std::error_code& ec);

}  // namespace ilo::image
