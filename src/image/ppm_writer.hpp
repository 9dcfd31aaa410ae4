// Binary PPM (P6, maxval 255) encoding of an RGB888 image into memory. The caller writes the
// bytes wherever it likes: no file I/O here. The matching reader is ppm_reader.hpp.
#pragma once

#include <cstdint>
#include <system_error>
#include <vector>

#include "image/rgb_image.hpp"

namespace ilo::image {

// "P6\n<width> <height>\n255\n" followed by the rows, 3 bytes per pixel, without padding.
// On error (check_view()) returns an empty vector and sets ec.
std::vector<std::uint8_t> encode_ppm(const RgbImageView& image, std::error_code& ec);

}  // namespace ilo::image
