// A bitmap console font as the recogniser uses it: glyph bitmaps (one bit per pixel, rows of
// ceil(width / 8) bytes, most significant bit leftmost) and the code point each glyph shows.
// Readers for PSF1/PSF2 bytes and the built-in fonts live here; no file or gzip I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace ilo::text {

// Glyphs above this many pixels (e.g. 16x32 = 512) are not recognised.
inline constexpr int kMaxGlyphPixels = 512;
inline constexpr int kMaxGlyphWidth = 32;
inline constexpr int kMaxGlyphHeight = 64;

struct BitmapFont {
  std::string name;
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> bitmaps;  // glyph g at g * bytes_per_glyph()
  std::vector<char32_t> code_points;  // per glyph; 0: the glyph shows no known character

  [[nodiscard]] int bytes_per_row() const noexcept { return (width + 7) / 8; }
  [[nodiscard]] std::size_t bytes_per_glyph() const noexcept {
    return std::size_t(bytes_per_row()) * std::size_t(height);
  }
  [[nodiscard]] std::size_t glyph_count() const noexcept { return code_points.size(); }
  [[nodiscard]] bool pixel(std::size_t glyph, int x, int y) const noexcept {
    const std::uint8_t row = bitmaps[glyph * bytes_per_glyph() +
                                     std::size_t(y * bytes_per_row() + x / 8)];
    return (row & (0x80 >> (x % 8))) != 0;
  }
};

// The Unicode character CP437 (the VGA ROM's code page) draws at index i.
char32_t cp437_to_unicode(std::uint8_t i) noexcept;

// Reads a PSF1 or PSF2 font (uncompressed bytes). Glyph g shows the lowest code point the
// font's Unicode table gives it (PSF1 without a table: CP437 order; PSF2 without: 0).
std::error_code parse_psf(std::span<const std::uint8_t> data, BitmapFont& out);

// ilo-sim's own 8x16 font (src/sim/font_8x16.inc: Terminus, printable ASCII and Latin-1).
BitmapFont builtin_sim_font();

}  // namespace ilo::text
