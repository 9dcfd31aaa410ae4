// libFuzzer target for the console-font reader (src/text/bitmap_font): any bytes give a font or
// a font error, never a crash, a hang or an allocation beyond the input's claims; a font read
// is then loaded into a recogniser and used once on a small frame drawn from the input; what it
// reads is UTF-8 without control characters but the line ends (it goes into screen.txt and the
// JSON of `events`), whatever the font's table says.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

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
  const auto result = reader.recognise({pixels, 64, 64, 64 * 3});
  for (const char c : result.text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') std::abort();
  }
  try {
    (void)nlohmann::json(result.text).dump();  // throws on invalid UTF-8
  } catch (const nlohmann::json::exception&) {
    std::abort();
  }
  return 0;
}
