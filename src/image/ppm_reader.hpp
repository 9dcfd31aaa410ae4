// Binary PPM (P6) decoding for tests and tools: bounds-checks the header (magic, decimal
// numbers, comments, maxval exactly 255, dimension limits) before allocating, and never reads
// past the input. Not a general netpbm reader: no P3, no 16-bit, no other maxval.
#pragma once

#include <cstdint>
#include <span>
#include <system_error>

#include "image/rgb_image.hpp"

namespace ilo::image {

struct PpmLimits {
  int max_width = kMaxDimension;
  int max_height = kMaxDimension;
};

// Reads the first image of `data`; bytes after its pixel data are ignored (netpbm allows a
// sequence of images). On error returns an empty image and sets ec (ImageError::bad_header,
// too_large or truncated).
RgbImage decode_ppm(std::span<const std::uint8_t> data, std::error_code& ec,
                    PpmLimits limits = {});

}  // namespace ilo::image
