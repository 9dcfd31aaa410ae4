// PPM writer and reader: exact header and bytes for a small strided image, view validation,
// round trip, comments, and the reader's refusal of every truncation, oversized dimensions and
// malformed headers (plus a sweep of every byte value at every header position).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "image/image_error.hpp"
#include "image/ppm_reader.hpp"
#include "image/ppm_writer.hpp"

namespace ilo::image {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// 2 x 2 pixels in rows of 8 bytes (2 bytes of padding, 0xEE, that must not be written).
const Bytes kStrided = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xEE, 0xEE,  // row 0
    0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C,              // row 1 (the last row needs no padding)
};

TEST(Ppm, ExactHeaderAndBytes) {
  std::error_code ec;
  const Bytes out = encode_ppm({kStrided, 2, 2, 8}, ec);
  ASSERT_FALSE(ec) << ec.message();
  Bytes want = bytes_of("P6\n2 2\n255\n");
  for (std::uint8_t b = 1; b <= 12; ++b) want.push_back(b);
  EXPECT_EQ(out, want);
}

TEST(Ppm, WideImageHeader) {
  std::error_code ec;
  const Bytes pixels(1360 * 3 * 2, 0x7F);
  const Bytes out = encode_ppm({pixels, 1360, 2, 1360 * 3}, ec);
  ASSERT_FALSE(ec);
  const std::string header = "P6\n1360 2\n255\n";
  ASSERT_EQ(out.size(), header.size() + pixels.size());
  EXPECT_EQ(std::string(out.begin(), out.begin() + static_cast<long>(header.size())), header);
}

TEST(Ppm, RejectsBadViews) {
  std::error_code ec;
  EXPECT_TRUE(encode_ppm({kStrided, 0, 2, 8}, ec).empty());
  EXPECT_EQ(ec, ImageError::bad_dimensions);
  encode_ppm({kStrided, 2, -1, 8}, ec);
  EXPECT_EQ(ec, ImageError::bad_dimensions);
  encode_ppm({kStrided, 2, 2, 5}, ec);  // stride < width * 3
  EXPECT_EQ(ec, ImageError::bad_dimensions);
  encode_ppm({kStrided, kMaxDimension + 1, 1, 3 * (kMaxDimension + 1)}, ec);
  EXPECT_EQ(ec, ImageError::bad_dimensions);
  encode_ppm({std::span(kStrided).first(13), 2, 2, 8}, ec);  // one byte short
  EXPECT_EQ(ec, ImageError::buffer_too_small);
  encode_ppm({kStrided, 2, 3, 8}, ec);
  EXPECT_EQ(ec, ImageError::buffer_too_small);
  encode_ppm({kStrided, 2, 2, SIZE_MAX / 2}, ec);  // huge stride must not overflow
  EXPECT_EQ(ec, ImageError::buffer_too_small);
  encode_ppm({{}, 1, 1, 3}, ec);
  EXPECT_EQ(ec, ImageError::buffer_too_small);
}

TEST(Ppm, RoundTrip) {
  std::error_code ec;
  const Bytes out = encode_ppm({kStrided, 2, 2, 8}, ec);
  ASSERT_FALSE(ec);
  const RgbImage img = decode_ppm(out, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(img.width, 2);
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.pixels, (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  // Re-encoding the packed copy gives the same file.
  EXPECT_EQ(encode_ppm(img.view(), ec), out);
}

TEST(Ppm, ReaderAcceptsCommentsOtherWhitespaceAndTrailingData) {
  Bytes file = bytes_of("P6 # made by hand\n#another\r2\t\n 1 #x\n255\r");
  for (int b : {9, 8, 7, 6, 5, 4}) file.push_back(static_cast<std::uint8_t>(b));
  file.push_back(0xAA);  // the start of a next image: ignored
  std::error_code ec;
  const RgbImage img = decode_ppm(file, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(img.width, 2);
  EXPECT_EQ(img.height, 1);
  EXPECT_EQ(img.pixels, (Bytes{9, 8, 7, 6, 5, 4}));
}

TEST(Ppm, EveryTruncationIsRefused) {
  std::error_code ec;
  const Bytes file = encode_ppm({kStrided, 2, 2, 8}, ec);
  ASSERT_FALSE(ec);
  for (std::size_t n = 0; n < file.size(); ++n) {
    const RgbImage img = decode_ppm(std::span(file).first(n), ec);
    EXPECT_EQ(ec, ImageError::truncated) << "prefix " << n;
    EXPECT_TRUE(img.pixels.empty());
  }
  // Also inside a comment that never ends.
  decode_ppm(bytes_of("P6\n# no end"), ec);
  EXPECT_EQ(ec, ImageError::truncated);
}

TEST(Ppm, OversizedIsRefusedBeforeAllocating) {
  std::error_code ec;
  decode_ppm(bytes_of("P6\n16385 1\n255\n"), ec);
  EXPECT_EQ(ec, ImageError::too_large);
  decode_ppm(bytes_of("P6\n1 16385\n255\n"), ec);
  EXPECT_EQ(ec, ImageError::too_large);
  decode_ppm(bytes_of("P6\n5 1\n255\n"), ec, PpmLimits{4, 4});
  EXPECT_EQ(ec, ImageError::too_large);
  decode_ppm(bytes_of("P6\n1 5\n255\n"), ec, PpmLimits{4, 4});
  EXPECT_EQ(ec, ImageError::too_large);
  decode_ppm(bytes_of("P6\n999999 1\n255\n"), ec);  // more digits than any allowed size
  EXPECT_EQ(ec, ImageError::bad_header);
  // Within the limits but the pixels are not there: nothing is allocated for them.
  decode_ppm(bytes_of("P6\n16384 16384\n255\n\x01\x02\x03"), ec);
  EXPECT_EQ(ec, ImageError::truncated);
}

TEST(Ppm, GarbageHeadersAreRefused) {
  for (const char* bad : {"P5\n1 1\n255\n...", "P3\n1 1\n255\n...", "p6\n1 1\n255\n...",
                          "P61 1\n255\n...", "P6\n-1 1\n255\n...", "P6\n1 1\n65535\n......",
                          "P6\n1 1\n256\n...", "P6\n1 1\n254\n...", "P6\n1 1\n255x...",
                          "P6\n1 1\n255#c\n...", "P6\n0 1\n255\n...", "P6\n1 0\n255\n...",
                          "P6\nx 1\n255\n...", "P6\n1x1\n255\n...", "\xff\xd8\xff\xe0....."}) {
    std::error_code ec;
    const RgbImage img = decode_ppm(bytes_of(bad), ec);
    EXPECT_EQ(ec, ImageError::bad_header) << bad;
    EXPECT_TRUE(img.pixels.empty());
  }
}

TEST(Ppm, EveryByteAtEveryHeaderPositionIsHandled) {
  std::error_code ec;
  const Bytes good = encode_ppm({kStrided, 2, 2, 8}, ec);
  const std::size_t header = 11;  // "P6\n2 2\n255\n"
  for (std::size_t pos = 0; pos < header; ++pos) {
    for (int v = 0; v < 256; ++v) {
      Bytes file = good;
      file[pos] = static_cast<std::uint8_t>(v);
      const RgbImage img = decode_ppm(file, ec);
      if (!ec) {
        // Only harmless changes decode: other whitespace, or another small size that fits.
        EXPECT_EQ(img.pixels.size(), static_cast<std::size_t>(img.width) * img.height * 3);
        EXPECT_LE(img.pixels.size(), file.size() - header);
      }
    }
  }
}

}  // namespace
}  // namespace ilo::image
