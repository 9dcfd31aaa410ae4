// PNG writer: the output is a PNG that libspng decodes back to exactly the input pixels (small
// strided image, a full 1360x768 screen), with the expected IHDR; bad views are refused.
// Skipped, saying why, when the build has no libspng.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "image/config.hpp"
#include "image/image_error.hpp"
#include "image/png_writer.hpp"

#if ILOFS_HAVE_SPNG
#include <spng.h>
#endif

namespace ilo::image {
namespace {

using Bytes = std::vector<std::uint8_t>;

#if ILOFS_HAVE_SPNG

struct Decoded {
  spng_ihdr ihdr{};
  Bytes rgb;
  int error = -1;
};

Decoded decode(const Bytes& png) {
  Decoded d;
  spng_ctx* ctx = spng_ctx_new(0);
  if (ctx == nullptr) return d;
  d.error = spng_set_png_buffer(ctx, png.data(), png.size());
  if (d.error == 0) d.error = spng_get_ihdr(ctx, &d.ihdr);
  std::size_t size = 0;
  if (d.error == 0) d.error = spng_decoded_image_size(ctx, SPNG_FMT_RGB8, &size);
  if (d.error == 0) {
    d.rgb.resize(size);
    d.error = spng_decode_image(ctx, d.rgb.data(), d.rgb.size(), SPNG_FMT_RGB8, 0);
  }
  spng_ctx_free(ctx);
  return d;
}

// Packs a strided view into rows without padding, for comparison.
Bytes packed(const Bytes& pixels, int width, int height, std::size_t stride) {
  Bytes out;
  for (int y = 0; y < height; ++y) {
    const auto row = pixels.begin() + static_cast<long>(static_cast<std::size_t>(y) * stride);
    out.insert(out.end(), row, row + width * 3);
  }
  return out;
}

TEST(Png, SmallStridedImageDecodesBack) {
  const int w = 5, h = 3;
  const std::size_t stride = 5 * 3 + 4;
  Bytes pixels(stride * h, 0xEE);  // padding stays 0xEE and must not appear in the PNG
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x)
      pixels[static_cast<std::size_t>(y) * stride + static_cast<std::size_t>(x)] =
          static_cast<std::uint8_t>(y * 40 + x * 7);
  std::error_code ec;
  const Bytes png = encode_png({pixels, w, h, stride}, ec);
  ASSERT_FALSE(ec) << ec.message();
  const Bytes signature = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  ASSERT_GE(png.size(), signature.size());
  EXPECT_TRUE(std::equal(signature.begin(), signature.end(), png.begin()));

  const Decoded d = decode(png);
  ASSERT_EQ(d.error, 0) << spng_strerror(d.error);
  EXPECT_EQ(d.ihdr.width, 5u);
  EXPECT_EQ(d.ihdr.height, 3u);
  EXPECT_EQ(d.ihdr.bit_depth, 8);
  EXPECT_EQ(d.ihdr.color_type, SPNG_COLOR_TYPE_TRUECOLOR);
  EXPECT_EQ(d.ihdr.interlace_method, 0);
  EXPECT_EQ(d.rgb, packed(pixels, w, h, stride));
}

TEST(Png, OnePixel) {
  const Bytes pixel = {0x12, 0x34, 0x56};
  std::error_code ec;
  const Bytes png = encode_png({pixel, 1, 1, 3}, ec);
  ASSERT_FALSE(ec);
  const Decoded d = decode(png);
  ASSERT_EQ(d.error, 0);
  EXPECT_EQ(d.rgb, pixel);
}

TEST(Png, FullScreenDecodesBack) {
  const int w = 1360, h = 768;
  const std::size_t stride = static_cast<std::size_t>(w) * 3;
  Bytes pixels(stride * h);
  std::uint32_t seed = 12345;  // a mix of flat areas and noise, like a console screen
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    seed = seed * 1103515245u + 12345u;
    const bool noisy = (i / stride) % 64 < 8;
    pixels[i] = noisy ? static_cast<std::uint8_t>(seed >> 24) : static_cast<std::uint8_t>(i / stride);
  }
  std::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  const Bytes png = encode_png({pixels, w, h, stride}, ec);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_FALSE(ec);
  std::printf("encode_png 1360x768: %lld ms, %zu bytes\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()),
              png.size());
  const Decoded d = decode(png);
  ASSERT_EQ(d.error, 0);
  EXPECT_EQ(d.rgb, pixels);
}

TEST(Png, RejectsBadViews) {
  std::error_code ec;
  const Bytes pixels(12);
  EXPECT_TRUE(encode_png({pixels, 0, 1, 3}, ec).empty());
  EXPECT_EQ(ec, ImageError::bad_dimensions);
  EXPECT_TRUE(encode_png({pixels, 2, 3, 6}, ec).empty());
  EXPECT_EQ(ec, ImageError::buffer_too_small);
}

#endif  // ILOFS_HAVE_SPNG

TEST(Png, SupportMatchesTheBuild) {
  std::error_code ec;
  const Bytes pixel = {1, 2, 3};
  const Bytes png = encode_png({pixel, 1, 1, 3}, ec);
  if (!png_supported()) {
    EXPECT_EQ(ec, ImageError::png_unavailable);
    EXPECT_EQ(ec.message(), "PNG support not built (libspng not found)");
    GTEST_SKIP() << "built without libspng: PNG round trips not run";
  }
  EXPECT_FALSE(ec);
  EXPECT_FALSE(png.empty());
}

}  // namespace
}  // namespace ilo::image
