// PSF1/PSF2 reading through the bounds-checked ByteReader, the CP437 table and the built-in
// font. The PSF formats are described in kbd's doc/font-formats (PSF1: 4-byte header, 256 or 512
// glyphs, u16 Unicode table; PSF2: 32-byte header, UTF-8 Unicode table).
#include "text/bitmap_font.hpp"

#include <algorithm>
#include <array>

#include "bytes/byte_reader.hpp"
#include "text/font_error.hpp"

namespace ilo::text {
namespace {

constexpr std::array<std::uint16_t, 256> kCp437 = {
#include "text/cp437.inc"
};

constexpr std::uint8_t kSimFont[][16] = {
#include "sim/font_8x16.inc"
};

// A glyph never stands for a control character (C0, DEL, C1), a surrogate or a value beyond
// Unicode: a font saying so (fonts= takes any file) would put escape sequences into screen.txt
// or invalid UTF-8 into the JSON of `events`.
bool is_text_code_point(char32_t cp) noexcept {
  return cp >= 0x20 && !(cp >= 0x7F && cp <= 0x9F) && !(cp >= 0xD800 && cp <= 0xDFFF) &&
         cp <= 0x10FFFF;
}

void add_code_point(BitmapFont& f, std::size_t glyph, char32_t cp) {
  if (glyph >= f.code_points.size() || !is_text_code_point(cp)) return;
  char32_t& slot = f.code_points[glyph];
  if (slot == 0 || cp < slot) slot = cp;
}

// PSF1: u16le code points, 0xFFFE starts a sequence (ignored to the glyph's end), 0xFFFF ends
// a glyph's entry.
std::error_code read_psf1_table(ByteReader& r, BitmapFont& f) {
  std::size_t glyph = 0;
  bool in_sequence = false;
  while (glyph < f.glyph_count()) {
    if (!r.has(2)) return FontError::truncated;
    const std::uint16_t v = r.u16le();
    if (v == 0xFFFF) {
      ++glyph;
      in_sequence = false;
    } else if (v == 0xFFFE) {
      in_sequence = true;
    } else if (!in_sequence) {
      add_code_point(f, glyph, v);
    }
  }
  return {};
}

// Decodes one UTF-8 character; false if malformed or cut short.
bool read_utf8(ByteReader& r, std::uint8_t lead, char32_t& out) {
  int extra = 0;
  if (lead < 0x80) { out = lead; return true; }
  if ((lead & 0xE0) == 0xC0) { out = lead & 0x1Fu; extra = 1; }
  else if ((lead & 0xF0) == 0xE0) { out = lead & 0x0Fu; extra = 2; }
  else if ((lead & 0xF8) == 0xF0) { out = lead & 0x07u; extra = 3; }
  else return false;
  for (int i = 0; i < extra; ++i) {
    if (!r.has(1)) return false;
    const std::uint8_t c = r.u8();
    if ((c & 0xC0) != 0x80) return false;
    out = (out << 6) | (c & 0x3Fu);
  }
  return out <= 0x10FFFF;
}

// PSF2: UTF-8 characters, 0xFE starts a sequence, 0xFF ends a glyph's entry.
std::error_code read_psf2_table(ByteReader& r, BitmapFont& f) {
  std::size_t glyph = 0;
  bool in_sequence = false;
  while (glyph < f.glyph_count()) {
    if (!r.has(1)) return FontError::truncated;
    const std::uint8_t b = r.u8();
    if (b == 0xFF) {
      ++glyph;
      in_sequence = false;
    } else if (b == 0xFE) {
      in_sequence = true;
    } else {
      char32_t cp = 0;
      if (!read_utf8(r, b, cp)) return FontError::bad_unicode_table;
      if (!in_sequence) add_code_point(f, glyph, cp);
    }
  }
  return {};
}

bool size_ok(std::uint32_t w, std::uint32_t h) {
  return w >= 1 && h >= 1 && w <= kMaxGlyphWidth && h <= kMaxGlyphHeight &&
         w * h <= kMaxGlyphPixels;
}

}  // namespace

char32_t cp437_to_unicode(std::uint8_t i) noexcept { return kCp437[i]; }

std::error_code parse_psf(std::span<const std::uint8_t> data, BitmapFont& out) {
  ByteReader r(data);
  BitmapFont f;
  if (data.size() >= 4 && data[0] == 0x36 && data[1] == 0x04) {
    r.skip(2);
    const std::uint8_t mode = r.u8();
    const std::uint8_t height = r.u8();
    if (!size_ok(8, height)) return FontError::bad_size;
    f.width = 8;
    f.height = height;
    const std::size_t count = (mode & 0x01) != 0 ? 512 : 256;
    if (!r.has(count * f.bytes_per_glyph())) return FontError::truncated;
    const auto glyphs = r.bytes(count * f.bytes_per_glyph());
    f.bitmaps.assign(glyphs.begin(), glyphs.end());
    f.code_points.assign(count, 0);
    if ((mode & 0x02) != 0 || (mode & 0x04) != 0) {
      if (auto ec = read_psf1_table(r, f)) return ec;
    } else {
      for (std::size_t g = 0; g < 256; ++g) f.code_points[g] = kCp437[g];
    }
  } else if (data.size() >= 32 && data[0] == 0x72 && data[1] == 0xB5 && data[2] == 0x4A &&
             data[3] == 0x86) {
    r.skip(4);
    r.u32le();  // version
    const std::uint32_t header_size = r.u32le();
    const std::uint32_t flags = r.u32le();
    const std::uint32_t count = r.u32le();
    const std::uint32_t glyph_bytes = r.u32le();
    const std::uint32_t height = r.u32le();
    const std::uint32_t width = r.u32le();
    if (!size_ok(width, height)) return FontError::bad_size;
    f.width = static_cast<int>(width);
    f.height = static_cast<int>(height);
    if (glyph_bytes != f.bytes_per_glyph() || count == 0 || count > 65536)
      return FontError::bad_size;
    if (header_size < 32 || header_size > data.size()) return FontError::truncated;
    r.skip(header_size - 32);
    if (!r.has(std::size_t{count} * glyph_bytes)) return FontError::truncated;
    const auto glyphs = r.bytes(std::size_t{count} * glyph_bytes);
    f.bitmaps.assign(glyphs.begin(), glyphs.end());
    f.code_points.assign(count, 0);
    if ((flags & 0x01) != 0) {
      if (auto ec = read_psf2_table(r, f)) return ec;
    }
  } else {
    return FontError::bad_magic;
  }
  out = std::move(f);
  return {};
}

BitmapFont builtin_sim_font() {
  BitmapFont f;
  f.name = "ilo-sim 8x16";
  f.width = 8;
  f.height = 16;
  for (std::size_t i = 0; i < std::size(kSimFont); ++i) {
    f.bitmaps.insert(f.bitmaps.end(), std::begin(kSimFont[i]), std::end(kSimFont[i]));
    // The table holds ASCII 0x20-0x7E, then Latin-1 0xA0-0xFF (see the .inc's header).
    constexpr std::size_t kAscii = 0x7F - 0x20;
    f.code_points.push_back(static_cast<char32_t>(i < kAscii ? 0x20 + i : 0xA0 + (i - kAscii)));
  }
  return f;
}

}  // namespace ilo::text
