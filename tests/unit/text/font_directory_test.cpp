// Fonts loaded from disk: a missing directory and a bad file are warnings, and with Debian's
// console fonts (console-setup-linux; the test skips without them) the recogniser reads text
// drawn in a VGA font in 9-pixel cells and in a 16x32 Terminus font, all fonts loaded at once.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "fonts/font_directory.hpp"
#include "text/screen_text.hpp"

namespace ilo::text {
namespace {

TEST(FontDirectory, MissingDirAndBadFilesAreWarnings) {
  auto none = fonts::load_font_dir("/nonexistent/fonts");
  EXPECT_TRUE(none.fonts.empty());
  EXPECT_EQ(none.warnings.size(), 1u);

  char tmpl[] = "/tmp/ilofs-fonts-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string bad = dir + "/bad.psf";
  const int fd = ::open(bad.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "not a font", 10), 10);
  ::close(fd);
  auto r = fonts::load_font_dir(dir);
  EXPECT_TRUE(r.fonts.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("bad.psf"), std::string::npos);
  std::filesystem::remove_all(dir);
}

const std::string kDir = fonts::kDefaultFontDir;

bool have(const std::string& name) { return std::filesystem::exists(kDir + "/" + name); }

struct Canvas {
  int width, height;
  std::vector<std::uint8_t> px;
  Canvas(int w, int h) : width(w), height(h), px(std::size_t(w) * std::size_t(h) * 3, 0x10) {}
  void draw(const BitmapFont& f, char32_t cp, int x, int y, int cell_width) {
    std::size_t g = 0;
    while (g < f.glyph_count() && f.code_points[g] != cp) ++g;
    ASSERT_LT(g, f.glyph_count()) << std::uint32_t(cp);
    const bool line = cp >= 0x2500 && cp <= 0x259F;
    for (int yy = 0; yy < f.height; ++yy)
      for (int xx = 0; xx < cell_width; ++xx) {
        const bool on = xx < f.width ? f.pixel(g, xx, yy) : line && f.pixel(g, f.width - 1, yy);
        const std::size_t i = (std::size_t(y + yy) * std::size_t(width) + std::size_t(x + xx)) * 3;
        px[i] = on ? 0xE0 : 0x10;
        px[i + 1] = on ? 0xE0 : 0x10;
        px[i + 2] = on ? 0x20 : 0x80;
      }
  }
  void text(const BitmapFont& f, const std::u32string& s, int x, int y, int cell_width) {
    for (char32_t c : s) {
      if (c != U' ') draw(f, c, x, y, cell_width);
      x += cell_width;
    }
  }
  [[nodiscard]] image::RgbImageView view() const {
    return {px, width, height, std::size_t(width) * 3};
  }
};

ScreenText all_fonts() {
  ScreenText r;
  r.add_font(builtin_sim_font());
  auto loaded = fonts::load_font_dir(kDir);
  for (const auto& f : loaded.fonts) r.add_font(f);
  return r;
}

TEST(FontDirectory, VgaFontInNinePixelCellsAmongAllFonts) {
  if (!have("Lat15-VGA16.psf.gz")) GTEST_SKIP() << "no " << kDir << "/Lat15-VGA16.psf.gz";
  BitmapFont vga;
  ASSERT_FALSE(fonts::load_font_file(kDir + "/Lat15-VGA16.psf.gz", vga));
  EXPECT_EQ(vga.width, 8);
  EXPECT_EQ(vga.height, 16);
  Canvas c(9 * 40 + 2, 16 * 4);
  c.text(vga, U"\u250C\u2500\u2500 Boot Menu \u2500\u2500\u2510", 2, 0, 9);
  c.text(vga, U"\u2502 Café, naïve: 1+1=2 \u2502", 2, 16, 9);
  ScreenText r = all_fonts();
  const auto out = r.recognise(c.view());
  EXPECT_EQ(out.cell_width, 9);
  EXPECT_EQ(out.x0, 2);
  EXPECT_EQ(out.unknown_cells, 0);
  EXPECT_EQ(out.text,
            "\u250C\u2500\u2500 Boot Menu \u2500\u2500\u2510\n"
            "\u2502 Café, naïve: 1+1=2 \u2502\n\n\n");
}

TEST(FontDirectory, LargeTerminusFont) {
  const std::string name = "Uni2-Terminus32x16.psf.gz";
  if (!have(name)) GTEST_SKIP() << "no " << kDir << "/" << name;
  BitmapFont big;
  ASSERT_FALSE(fonts::load_font_file(kDir + "/" + name, big));
  EXPECT_EQ(big.width, 16);
  EXPECT_EQ(big.height, 32);
  Canvas c(16 * 30 + 7, 32 * 3 + 11);
  c.text(big, U"login: root", 7, 11, 16);
  c.text(big, U"Password:", 7, 11 + 64, 16);
  ScreenText r = all_fonts();
  const auto out = r.recognise(c.view());
  EXPECT_EQ(out.cell_width, 16);
  EXPECT_EQ(out.cell_height, 32);
  EXPECT_EQ(out.text, "login: root\n\nPassword:\n");
}

TEST(FontDirectory, SimCursorIsNotAnUnderscoreOfAnotherFont) {
  if (!have("Lat15-Terminus16.psf.gz")) GTEST_SKIP() << "no " << kDir;
  // Some fonts draw '_' as full rows near the bottom: ilo-sim's cursor (rows 13-15 lit) on a
  // blank cell after the prompt must still read as nothing.
  const BitmapFont sim = builtin_sim_font();
  Canvas c(8 * 20, 16);
  c.text(sim, U"root@ilo-sim:~#", 0, 0, 8);
  for (int y = 13; y < 16; ++y)
    for (int x = 16 * 8; x < 17 * 8; ++x) {
      const std::size_t i = (std::size_t(y) * std::size_t(c.width) + std::size_t(x)) * 3;
      c.px[i] = c.px[i + 1] = 0xE0;
      c.px[i + 2] = 0x20;
    }
  ScreenText r = all_fonts();
  const auto out = r.recognise(c.view());
  EXPECT_EQ(out.text, "root@ilo-sim:~#\n");
  EXPECT_EQ(out.unknown_cells, 0);
}

}  // namespace
}  // namespace ilo::text
