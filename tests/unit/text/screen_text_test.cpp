// The screen text recogniser on frames rendered here: fonts drawn at grid offsets, in any
// colours, in 8- and 9-pixel cells (9th column blank or, for line drawing, a copy of the 8th),
// with an underline cursor, unknown glyphs as '?', and screens without text as empty.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "text/bitmap_font.hpp"
#include "text/screen_text.hpp"

namespace ilo::text {
namespace {

struct Rgb {
  std::uint8_t r, g, b;
};

struct Frame {
  int width, height;
  std::vector<std::uint8_t> pixels;
  Frame(int w, int h, Rgb fill) : width(w), height(h), pixels(std::size_t(w) * h * 3) {
    for (std::size_t i = 0; i < pixels.size(); i += 3) {
      pixels[i] = fill.r;
      pixels[i + 1] = fill.g;
      pixels[i + 2] = fill.b;
    }
  }
  void put(int x, int y, Rgb c) {
    const std::size_t i = (std::size_t(y) * std::size_t(width) + std::size_t(x)) * 3;
    pixels[i] = c.r;
    pixels[i + 1] = c.g;
    pixels[i + 2] = c.b;
  }
  [[nodiscard]] image::RgbImageView view() const {
    return {pixels, width, height, std::size_t(width) * 3};
  }
};

// Draws glyph g of font f with its top-left at (x, y); cell_width 9 adds the VGA 9th column.
void draw(Frame& fr, const BitmapFont& f, std::size_t g, int x, int y, int cell_width, Rgb fg,
          Rgb bg, bool copy_ninth = false) {
  for (int yy = 0; yy < f.height; ++yy)
    for (int xx = 0; xx < cell_width; ++xx) {
      bool on = false;
      if (xx < f.width) on = f.pixel(g, xx, yy);
      else if (copy_ninth) on = f.pixel(g, f.width - 1, yy);
      fr.put(x + xx, y + yy, on ? fg : bg);
    }
}

std::size_t glyph_of(const BitmapFont& f, char32_t cp) {
  for (std::size_t g = 0; g < f.glyph_count(); ++g)
    if (f.code_points[g] == cp) return g;
  ADD_FAILURE() << "no glyph for " << std::uint32_t(cp);
  return 0;
}

void draw_text(Frame& fr, const BitmapFont& f, const std::u32string& text, int x, int y,
               int cell_width, Rgb fg, Rgb bg) {
  for (char32_t c : text) {
    if (c != U' ') draw(fr, f, glyph_of(f, c), x, y, cell_width, fg, bg);
    x += cell_width;
  }
}

constexpr Rgb kBlack{0, 0, 0}, kGrey{0xA8, 0xA8, 0xA8}, kBlue{0x18, 0x38, 0x98},
    kYellow{0xE8, 0xD0, 0x40}, kWhite{0xFF, 0xFF, 0xFF};

ScreenText sim_reader() {
  ScreenText r;
  r.add_font(builtin_sim_font());
  return r;
}

TEST(ScreenText, ReadsTextAtAnOffsetInAnyColours) {
  const BitmapFont f = builtin_sim_font();
  Frame fr(640, 200, kBlack);
  // Grid at (5, 3): rows 0 and 2 have text, row 1 is blank, row 3 is on a blue background.
  draw_text(fr, f, U"root@archiso ~ # ping -c 3 example.org", 5, 3, 8, kGrey, kBlack);
  draw_text(fr, f, U"3 packets transmitted, 3 received", 5 + 8 * 4, 3 + 32, 8, kYellow,
            kBlack);
  for (int y = 3 + 48; y < 3 + 64; ++y)
    for (int x = 0; x < 640; ++x) fr.put(x, y, kBlue);
  draw_text(fr, f, U"Status: OK {}[]|~", 5, 3 + 48, 8, kWhite, kBlue);
  ScreenText r = sim_reader();
  const auto out = r.recognise(fr.view());
  EXPECT_EQ(out.x0, 5);
  EXPECT_EQ(out.y0, 3);
  EXPECT_EQ(out.cell_width, 8);
  EXPECT_EQ(out.rows, (200 - 3) / 16);
  EXPECT_EQ(out.columns, (640 - 5) / 8);
  EXPECT_EQ(out.unknown_cells, 0);
  const std::string expected =
      "root@archiso ~ # ping -c 3 example.org\n"
      "\n"
      "    3 packets transmitted, 3 received\n"
      "Status: OK {}[]|~\n" +
      std::string(std::size_t(out.rows) - 4, '\n');
  EXPECT_EQ(out.text, expected);
  // The second read reuses the grid and gives the same text.
  EXPECT_EQ(r.recognise(fr.view()).text, expected);
}

TEST(ScreenText, ReverseVideoReadsTheSame) {
  const BitmapFont f = builtin_sim_font();
  Frame fr(160, 32, kGrey);
  draw_text(fr, f, U"Hello, world", 0, 0, 8, kBlack, kGrey);
  ScreenText r = sim_reader();
  EXPECT_EQ(r.recognise(fr.view()).text, "Hello, world\n\n");
}

// A font with the sim's ASCII and a line-drawing glyph (U+2500, full middle row) and an
// upper-left corner (U+250C) whose rightmost column is lit, as CP437 0xC4 and 0xDA, and
// U+2261, lit to its 8th column too but not a line-drawing character.
BitmapFont font_with_lines() {
  BitmapFont f = builtin_sim_font();
  std::vector<std::uint8_t> horizontal(16, 0), corner(16, 0);
  horizontal[8] = 0xFF;
  corner[8] = 0x1F;
  for (int y = 9; y < 16; ++y) corner[std::size_t(y)] = 0x10;
  f.bitmaps.insert(f.bitmaps.end(), horizontal.begin(), horizontal.end());
  f.code_points.push_back(U'\u2500');
  f.bitmaps.insert(f.bitmaps.end(), corner.begin(), corner.end());
  f.code_points.push_back(U'\u250C');
  std::vector<std::uint8_t> identical(16, 0);  // not line drawing, but lit to the 8th column
  identical[4] = identical[8] = identical[12] = 0xFF;
  f.bitmaps.insert(f.bitmaps.end(), identical.begin(), identical.end());
  f.code_points.push_back(U'\u2261');
  return f;
}

TEST(ScreenText, NinePixelCellsWithLineDrawing) {
  const BitmapFont f = font_with_lines();
  Frame fr(9 * 20 + 4, 16 * 3 + 7, kBlue);
  const int x0 = 4, y0 = 7;
  // Row 0: a box top "┌──── Setup" with the 9th column copied for the line glyphs.
  int x = x0;
  draw(fr, f, glyph_of(f, U'\u250C'), x, y0, 9, kWhite, kBlue, true);
  for (int i = 0; i < 4; ++i) draw(fr, f, glyph_of(f, U'\u2500'), x += 9, y0, 9, kWhite, kBlue,
                                   true);
  x += 9;
  for (char32_t c : std::u32string(U" Setup")) {
    if (c != U' ') draw(fr, f, glyph_of(f, c), x, y0, 9, kWhite, kBlue);
    x += 9;
  }
  draw_text(fr, f, U"F10=Save", x0, y0 + 32, 9, kYellow, kBlue);
  ScreenText r;
  r.add_font(f);
  const auto out = r.recognise(fr.view());
  EXPECT_EQ(out.cell_width, 9);
  EXPECT_EQ(out.x0, x0);
  EXPECT_EQ(out.y0, y0);
  EXPECT_EQ(out.unknown_cells, 0);
  EXPECT_EQ(out.text, "\u250C\u2500\u2500\u2500\u2500 Setup\n\nF10=Save\n");
}

TEST(ScreenText, NinthColumnCopiedOnALetterIsUnknown) {
  const BitmapFont f = font_with_lines();
  Frame fr(9 * 10, 16, kBlack);
  draw_text(fr, f, U"abcdef", 0, 0, 9, kGrey, kBlack);
  // U+2261 has its 8th column lit; a copy into the 9th is only allowed for line drawing.
  draw(fr, f, glyph_of(f, U'\u2261'), 9 * 6, 0, 9, kGrey, kBlack, true);
  draw(fr, f, glyph_of(f, U'\u2261'), 9 * 7, 0, 9, kGrey, kBlack, false);
  ScreenText r;
  r.add_font(f);
  const auto out = r.recognise(fr.view());
  EXPECT_EQ(out.text, "abcdef?\u2261\n");
  EXPECT_EQ(out.unknown_cells, 1);
}

TEST(ScreenText, UnknownGlyphsAreQuestionMarksAndCounted) {
  const BitmapFont f = builtin_sim_font();
  Frame fr(200, 16, kBlack);
  draw_text(fr, f, U"ab  cd", 0, 0, 8, kGrey, kBlack);
  // A checker pattern in cell 2 and a third colour in cell 3.
  for (int y = 0; y < 16; ++y)
    for (int x = 16; x < 24; ++x) fr.put(x, y, ((x + y) % 2 != 0) ? kGrey : kBlack);
  fr.put(26, 5, kGrey);
  fr.put(27, 5, kYellow);
  ScreenText r = sim_reader();
  const auto out = r.recognise(fr.view());
  EXPECT_EQ(out.text, "ab??cd\n");
  EXPECT_EQ(out.unknown_cells, 2);
}

TEST(ScreenText, UnderlineCursorIsNotText) {
  const BitmapFont f = builtin_sim_font();
  Frame fr(120, 16, kBlack);
  draw_text(fr, f, U"ls -l", 0, 0, 8, kGrey, kBlack);
  // The sim's cursor: the bottom 3 rows lit, after the text and over a letter.
  for (int y = 13; y < 16; ++y)
    for (int x = 0; x < 8; ++x) {
      fr.put(5 * 8 + 8 + x, y, kGrey);
      fr.put(8 + x, y, kGrey);
    }
  ScreenText r = sim_reader();
  const auto out = r.recognise(fr.view());
  EXPECT_EQ(out.text, "ls -l\n");
  EXPECT_EQ(out.unknown_cells, 0);
}

TEST(ScreenText, ScreensWithoutTextAreEmpty) {
  ScreenText r = sim_reader();
  Frame black(320, 240, kBlack);
  EXPECT_EQ(r.recognise(black.view()).text, "");
  Frame gradient(320, 240, kBlack);
  for (int y = 0; y < 240; ++y)
    for (int x = 0; x < 320; ++x)
      gradient.put(x, y, Rgb{std::uint8_t(x), std::uint8_t(y), std::uint8_t(x ^ y)});
  const auto out = r.recognise(gradient.view());
  EXPECT_EQ(out.text, "");
  EXPECT_EQ(out.rows, 0);
  Frame none(0, 0, kBlack);
  EXPECT_EQ(r.recognise(none.view()).text, "");
  ScreenText no_fonts;
  EXPECT_EQ(no_fonts.recognise(gradient.view()).text, "");
}

// A watcher fed every frame of a graphics screen (Search::backoff) searches for a grid again
// only after 1, 2, 4 ... 16 frames of the same size; a reader of screen.txt (Search::always)
// always searches, and a new size always does.
TEST(ScreenText, BackoffSkipsSearchesOnGraphicsScreensOnly) {
  using Search = ScreenText::Search;
  const BitmapFont f = builtin_sim_font();
  Frame graphics(320, 64, kBlack);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 320; ++x)
      graphics.put(x, y, Rgb{std::uint8_t(x), std::uint8_t(y * 3), std::uint8_t(x ^ y)});
  Frame text(320, 64, kBlack);
  draw_text(text, f, U"login:", 0, 0, 8, kGrey, kBlack);
  const std::string login = "login:\n\n\n\n";

  ScreenText r = sim_reader();
  // Count, for n failed searches in a row, how many backoff calls answer without a search.
  for (const int skips : {1, 2, 4, 8, 16, 16}) {
    EXPECT_EQ(r.recognise(graphics.view(), Search::backoff).text, "");  // searched, none
    for (int i = 0; i < skips; ++i)
      EXPECT_EQ(r.recognise(text.view(), Search::backoff).text, "") << skips << " " << i;
  }
  EXPECT_EQ(r.recognise(text.view(), Search::backoff).text, login);  // searched, found
  // Found again: no backoff is left over.
  EXPECT_EQ(r.recognise(graphics.view(), Search::backoff).text, "");
  EXPECT_EQ(r.recognise(text.view(), Search::always).text, login);  // always searches
  EXPECT_EQ(r.recognise(graphics.view(), Search::backoff).text, "");
  Frame other_size(328, 64, kBlack);
  draw_text(other_size, f, U"login:", 0, 0, 8, kGrey, kBlack);
  EXPECT_EQ(r.recognise(other_size.view(), Search::backoff).text, login);  // a new size
}

TEST(ScreenText, GridFollowsTheScreenWhenTextMoves) {
  const BitmapFont f = builtin_sim_font();
  ScreenText r = sim_reader();
  Frame a(200, 64, kBlack);
  draw_text(a, f, U"first screen", 0, 0, 8, kGrey, kBlack);
  EXPECT_EQ(r.recognise(a.view()).text, "first screen\n\n\n\n");
  Frame b(200, 64, kBlack);
  draw_text(b, f, U"second, shifted", 3, 6, 8, kGrey, kBlack);
  const auto out = r.recognise(b.view());
  EXPECT_EQ(out.x0, 3);
  EXPECT_EQ(out.y0, 6);
  EXPECT_EQ(out.text, "second, shifted\n\n\n");
}

TEST(ScreenText, WideFontsAndUtf8) {
  // A 12x4 font of two glyphs: 'é' and the CJK-free 'Ж' (UTF-8 of 2 bytes each).
  BitmapFont f;
  f.width = 12;
  f.height = 4;
  f.bitmaps = {0xF0, 0x10, 0x80, 0x00, 0x80, 0x00, 0xF0, 0x10,
               0x90, 0x90, 0x60, 0x60, 0x60, 0x60, 0x90, 0x90};
  f.code_points = {U'\u00E9', U'\u0416'};
  ScreenText r;
  r.add_font(f);
  Frame fr(12 * 7, 4 * 2, kBlack);
  for (int cell : {0, 1, 3, 4, 5}) draw(fr, f, std::size_t(cell % 2 == 1), 12 * cell, 4, 12,
                                         kWhite, kBlack);
  const auto out = r.recognise(fr.view());
  EXPECT_EQ(out.cell_width, 12);
  EXPECT_EQ(out.text, "\n\u00E9\u0416 \u0416\u00E9\u0416\n");
}

}  // namespace
}  // namespace ilo::text
