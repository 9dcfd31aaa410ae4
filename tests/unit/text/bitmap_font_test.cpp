// PSF1 and PSF2 reading: glyphs, Unicode tables (lowest code point wins, sequences ignored),
// CP437 order without a table, and every truncation refused with an error, never a crash.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "text/bitmap_font.hpp"
#include "text/font_error.hpp"

namespace ilo::text {
namespace {

void u32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

// A PSF2 font of 2 glyphs 10x3 (2 bytes per row): glyph 0 'A' (also U+0391), glyph 1 U+00E9
// and the sequence A + combining acute.
std::vector<std::uint8_t> psf2() {
  std::vector<std::uint8_t> v{0x72, 0xB5, 0x4A, 0x86};
  u32(v, 0);   // version
  u32(v, 32);  // header size
  u32(v, 1);   // flags: Unicode table
  u32(v, 2);   // glyphs
  u32(v, 6);   // bytes per glyph
  u32(v, 3);   // height
  u32(v, 10);  // width
  v.insert(v.end(), {0xC0, 0x40, 0x00, 0x00, 0xFF, 0xC0});
  v.insert(v.end(), {0x01, 0x02, 0x03, 0x04, 0x05, 0x06});
  v.insert(v.end(), {0xCE, 0x91, 0x41, 0xFF});  // U+0391, 'A'
  v.insert(v.end(), {0xC3, 0xA9, 0xFE, 0x41, 0xCC, 0x81, 0xFF});
  return v;
}

TEST(BitmapFont, ReadsPsf2WithUnicodeTable) {
  BitmapFont f;
  ASSERT_FALSE(parse_psf(psf2(), f));
  EXPECT_EQ(f.width, 10);
  EXPECT_EQ(f.height, 3);
  ASSERT_EQ(f.glyph_count(), 2u);
  EXPECT_EQ(f.code_points[0], U'A');   // lowest of U+0391 and 'A'
  EXPECT_EQ(f.code_points[1], U'\u00E9');  // the sequence A + combining acute is not a char
  EXPECT_TRUE(f.pixel(0, 0, 0));
  EXPECT_TRUE(f.pixel(0, 1, 0));
  EXPECT_FALSE(f.pixel(0, 2, 0));
  EXPECT_TRUE(f.pixel(0, 9, 2));
}

TEST(BitmapFont, EveryTruncationIsAnError) {
  const auto full = psf2();
  for (std::size_t n = 0; n < full.size(); ++n) {
    BitmapFont f;
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + std::ptrdiff_t(n));
    EXPECT_TRUE(parse_psf(cut, f)) << n;
  }
}

TEST(BitmapFont, BadUtf8InTableIsRefused) {
  auto v = psf2();
  v[32 + 12] = 0xC3;  // a lead byte followed by 'A'
  v[32 + 13] = 0x41;
  BitmapFont f;
  EXPECT_EQ(parse_psf(v, f), FontError::bad_unicode_table);
}

TEST(BitmapFont, ControlsAndSurrogatesInTheTableAreNotText) {
  // Glyph 0 says ESC, a C1 control and 'A': it reads 'A'. Glyph 1 says only U+D800 (a
  // surrogate, encoded as CESU bytes) and U+0007: it reads as no character at all.
  auto v = psf2();
  v.resize(32 + 12);
  v.insert(v.end(), {0x1B, 0xC2, 0x85, 0x41, 0xFF});
  v.insert(v.end(), {0xED, 0xA0, 0x80, 0x07, 0xFF});
  BitmapFont f;
  ASSERT_FALSE(parse_psf(v, f));
  EXPECT_EQ(f.code_points[0], U'A');
  EXPECT_EQ(f.code_points[1], 0u);
  // PSF1's 16-bit table likewise.
  std::vector<std::uint8_t> p{0x36, 0x04, 0x02, 4};
  p.resize(4 + 256 * 4, 0);
  for (int g = 0; g < 256; ++g) {
    if (g == 2) p.insert(p.end(), {0x1B, 0x00, 0x00, 0xDC, 0x9B, 0x00});  // ESC, U+DC00, CSI
    p.insert(p.end(), {0xFF, 0xFF});
  }
  ASSERT_FALSE(parse_psf(p, f));
  EXPECT_EQ(f.code_points[2], 0u);
}

TEST(BitmapFont, Psf1WithoutTableUsesCp437) {
  std::vector<std::uint8_t> v{0x36, 0x04, 0x00, 8};  // 256 glyphs of 8 rows, no table
  v.resize(4 + 256 * 8, 0x18);
  BitmapFont f;
  ASSERT_FALSE(parse_psf(v, f));
  EXPECT_EQ(f.glyph_count(), 256u);
  EXPECT_EQ(f.code_points[0x41], U'A');
  EXPECT_EQ(f.code_points[0xC4], U'\u2500');
  EXPECT_EQ(f.code_points[0x01], U'\u263A');
  EXPECT_EQ(cp437_to_unicode(0xDB), U'\u2588');
}

TEST(BitmapFont, Psf1WithTable) {
  std::vector<std::uint8_t> v{0x36, 0x04, 0x02, 4};  // 256 glyphs of 4 rows, table
  v.resize(4 + 256 * 4, 0);
  for (int g = 0; g < 256; ++g) {
    if (g == 1) {
      v.insert(v.end(), {0x00, 0x25, 0x41, 0x00});  // U+2500 and 'A'
    }
    v.insert(v.end(), {0xFF, 0xFF});
  }
  BitmapFont f;
  ASSERT_FALSE(parse_psf(v, f));
  EXPECT_EQ(f.code_points[1], U'A');
  EXPECT_EQ(f.code_points[0], 0u);
  v.resize(v.size() - 1);
  EXPECT_EQ(parse_psf(v, f), FontError::truncated);
}

TEST(BitmapFont, RefusesOtherData) {
  BitmapFont f;
  const std::vector<std::uint8_t> junk{1, 2, 3, 4, 5};
  EXPECT_EQ(parse_psf(junk, f), FontError::bad_magic);
  std::vector<std::uint8_t> zero_height{0x36, 0x04, 0x00, 0};
  EXPECT_EQ(parse_psf(zero_height, f), FontError::bad_size);
}

// ilo-sim draws printable ASCII and Latin-1 (the layouts' umlauts and accents): 95 + 96 glyphs.
TEST(BitmapFont, BuiltinSimFontIsPrintableAsciiAndLatin1) {
  const BitmapFont f = builtin_sim_font();
  EXPECT_EQ(f.width, 8);
  EXPECT_EQ(f.height, 16);
  ASSERT_EQ(f.glyph_count(), 191u);
  EXPECT_EQ(f.code_points.front(), U' ');
  EXPECT_EQ(f.code_points[94], U'~');
  EXPECT_EQ(f.code_points[95], U'\u00A0');
  EXPECT_EQ(f.code_points[95 + (0xE4 - 0xA0)], U'\u00E4');  // ä
  EXPECT_EQ(f.code_points.back(), U'\u00FF');
}

}  // namespace
}  // namespace ilo::text
