// P6 encoder (see ppm_writer.hpp). The output is sized exactly before anything is written, so
// the ByteWriter cannot overflow.
#include "image/ppm_writer.hpp"

#include <string>

#include "bytes/byte_writer.hpp"

namespace ilo::image {

std::vector<std::uint8_t> encode_ppm(const RgbImageView& image, std::error_code& ec) {
  ec = check_view(image);
  if (ec) return {};
  const std::string header =
      "P6\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  const std::size_t row_bytes = static_cast<std::size_t>(image.width) * 3;
  std::vector<std::uint8_t> out(header.size() + row_bytes * static_cast<std::size_t>(image.height));
  ByteWriter w(out);
  w.text(header);  // magic "P6", width, height, maxval 255, each ended by one whitespace
  for (int y = 0; y < image.height; ++y)
    w.bytes(image.pixels.subspan(static_cast<std::size_t>(y) * image.stride, row_bytes));  // R G B...
  return out;
}

}  // namespace ilo::image
