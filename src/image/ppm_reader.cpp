// P6 decoder (see ppm_reader.hpp). The header is scanned with ByteReader; a copy of the reader
// serves as a one-byte look-ahead. Pixel bytes are checked to be present before the output is
// allocated, so the allocation is bounded by the input size.
#include "image/ppm_reader.hpp"

#include <algorithm>
#include <optional>

#include "bytes/byte_reader.hpp"
#include "image/image_error.hpp"

namespace ilo::image {
namespace {

bool is_space(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }

// The next byte without consuming it, or nullopt at the end.
std::optional<std::uint8_t> peek(const ByteReader& r) {
  if (r.remaining() == 0) return std::nullopt;
  ByteReader look = r;
  return look.u8();
}

// Skips whitespace and '#' comments (to the end of the line). Requires at least one of them.
std::error_code skip_separator(ByteReader& r) {
  bool skipped = false;
  while (const auto c = peek(r)) {
    if (is_space(*c)) {
      r.skip(1);
    } else if (*c == '#') {
      while (const auto d = peek(r)) {
        r.skip(1);
        if (*d == '\n' || *d == '\r') break;
      }
    } else {
      break;
    }
    skipped = true;
  }
  if (r.remaining() == 0) return ImageError::truncated;
  return skipped ? std::error_code{} : std::error_code{ImageError::bad_header};
}

// A decimal number of at most 5 digits (so the value cannot overflow before the limit check).
std::error_code read_number(ByteReader& r, int& out) {
  int value = 0;
  int digits = 0;
  while (const auto c = peek(r)) {
    if (!is_digit(*c)) break;
    if (++digits > 5) return ImageError::bad_header;
    value = value * 10 + (*c - '0');
    r.skip(1);
  }
  if (digits == 0) return r.remaining() == 0 ? ImageError::truncated : ImageError::bad_header;
  out = value;
  return {};
}

}  // namespace

RgbImage decode_ppm(std::span<const std::uint8_t> data, std::error_code& ec, PpmLimits limits) {
  ByteReader r(data);
  int width = 0, height = 0, maxval = 0;
  ec = [&]() -> std::error_code {
    // Magic "P6".
    for (const std::uint8_t magic : {std::uint8_t{'P'}, std::uint8_t{'6'}}) {
      const auto c = peek(r);
      if (!c) return ImageError::truncated;
      if (*c != magic) return ImageError::bad_header;
      r.skip(1);
    }
    if (auto e = skip_separator(r)) return e;
    if (auto e = read_number(r, width)) return e;
    if (auto e = skip_separator(r)) return e;
    if (auto e = read_number(r, height)) return e;
    if (auto e = skip_separator(r)) return e;
    if (auto e = read_number(r, maxval)) return e;
    // Exactly one whitespace byte separates maxval from the pixels.
    const auto c = peek(r);
    if (!c) return ImageError::truncated;
    if (!is_space(*c)) return ImageError::bad_header;
    r.skip(1);
    if (maxval != 255 || width < 1 || height < 1) return ImageError::bad_header;
    if (width > limits.max_width || height > limits.max_height) return ImageError::too_large;
    return {};
  }();
  if (ec) return {};

  const std::size_t size = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
  if (!r.has(size)) {
    ec = ImageError::truncated;
    return {};
  }
  const auto pixels = r.bytes(size);
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.assign(pixels.begin(), pixels.end());
  return image;
}

}  // namespace ilo::image
