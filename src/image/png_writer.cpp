// PNG encoder over libspng (see png_writer.hpp). Rows are fed one at a time (progressive
// encoding) so a stride wider than the row needs no repacking; libspng builds the file in its
// own buffer, which is copied out and freed.
#include "image/png_writer.hpp"

#include "image/config.hpp"
#include "image/image_error.hpp"

#if ILOFS_HAVE_SPNG
#include <cstdlib>
#include <memory>

#include <spng.h>
#endif

namespace ilo::image {

#if ILOFS_HAVE_SPNG

namespace {

struct CtxFree {
  void operator()(spng_ctx* ctx) const noexcept { spng_ctx_free(ctx); }
};
struct BufferFree {
  void operator()(void* p) const noexcept { std::free(p); }
};

}  // namespace

bool png_supported() noexcept { return true; }

std::vector<std::uint8_t> encode_png(const RgbImageView& image, std::error_code& ec) {
  ec = check_view(image);
  if (ec) return {};
  ec = ImageError::png_failed;  // until the end is reached

  const std::unique_ptr<spng_ctx, CtxFree> ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  if (!ctx) return {};
  if (spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1) != 0) return {};

  spng_ihdr ihdr{};
  ihdr.width = static_cast<std::uint32_t>(image.width);
  ihdr.height = static_cast<std::uint32_t>(image.height);
  ihdr.bit_depth = 8;
  ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR;
  ihdr.compression_method = 0;
  ihdr.filter_method = 0;
  ihdr.interlace_method = 0;
  if (spng_set_ihdr(ctx.get(), &ihdr) != 0) return {};

  if (spng_encode_image(ctx.get(), nullptr, 0, SPNG_FMT_PNG,
                        SPNG_ENCODE_PROGRESSIVE | SPNG_ENCODE_FINALIZE) != 0)
    return {};
  const std::size_t row_bytes = static_cast<std::size_t>(image.width) * 3;
  int rc = 0;
  for (int y = 0; y < image.height; ++y) {
    const auto row = image.pixels.subspan(static_cast<std::size_t>(y) * image.stride, row_bytes);
    rc = spng_encode_row(ctx.get(), row.data(), row.size());
    if (rc != 0 && rc != SPNG_EOI) return {};
  }
  if (rc != SPNG_EOI) return {};  // libspng did not see the last row

  std::size_t length = 0;
  int error = 0;
  const std::unique_ptr<void, BufferFree> buffer(spng_get_png_buffer(ctx.get(), &length, &error));
  if (!buffer || error != 0) return {};
  const auto* bytes = static_cast<const std::uint8_t*>(buffer.get());
  std::vector<std::uint8_t> out(bytes, bytes + length);
  ec.clear();
  return out;
}

#else  // !ILOFS_HAVE_SPNG

bool png_supported() noexcept { return false; }

std::vector<std::uint8_t> encode_png(const RgbImageView& image, std::error_code& ec) {
  ec = check_view(image);
  if (!ec) ec = ImageError::png_unavailable;
  return {};
}

#endif

}  // namespace ilo::image
