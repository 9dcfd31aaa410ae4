// libFuzzer target for the console-font reader (src/text/bitmap_font): any bytes give a font or
// a font error, never a crash, a hang or an allocation beyond the input's claims; a font read
// is then loaded into a recogniser and used once on a small frame drawn from the input.
#include <cstdint>
#include <span>
#include <vector>

#include "text/bitmap_font.hpp"
#include "text/screen_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::span<const std::uint8_t> data(bytes, size);
  ilo::text::BitmapFont font;
  if (ilo::text::parse_psf(data, font)) return 0;
  ilo::text::ScreenText reader;
  reader.add_font(font);
  // A 64x64 frame from the input's first bytes (zero-padded).
  std::vector<std::uint8_t> pixels(64 * 64 * 3, 0);
  for (std::size_t i = 0; i < pixels.size() && i < size; ++i) pixels[i] = bytes[i];
  (void)reader.recognise({pixels, 64, 64, 64 * 3});
  return 0;
}
