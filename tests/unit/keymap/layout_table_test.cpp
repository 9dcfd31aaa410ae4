// The layout tables built from Debian's XKB data: German and French positions, AltGr, dead keys,
// the US layout equal to the client's own table, and characters a layout cannot type.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keymap/layout_table.hpp"
#include "rc/key_script.hpp"

namespace ilo::keymap {
namespace {

using rc::KeyStroke;
constexpr std::uint8_t kShift = 0x02;
constexpr std::uint8_t kAltGr = 0x40;

rc::KeyLayout build(const std::string& text) {
  const auto name = parse_layout_name(text);
  EXPECT_TRUE(name) << text;
  std::string error;
  auto layout = build_key_layout(name.value_or(LayoutName{}), error);
  EXPECT_TRUE(layout) << error;
  return layout ? std::move(*layout) : rc::KeyLayout("none");
}

std::vector<KeyStroke> strokes(const rc::KeyLayout& layout, char32_t c) {
  const auto* found = layout.find(c);
  return found ? *found : std::vector<KeyStroke>{};
}

TEST(LayoutName, Syntax) {
  EXPECT_EQ(parse_layout_name("de")->text(), "de");
  EXPECT_EQ(parse_layout_name("de:nodeadkeys")->variant, "nodeadkeys");
  EXPECT_FALSE(parse_layout_name(""));
  EXPECT_FALSE(parse_layout_name("de:"));
  EXPECT_FALSE(parse_layout_name("De"));
  EXPECT_FALSE(parse_layout_name("de(nodeadkeys)"));
  EXPECT_FALSE(parse_layout_name("../de"));
}

TEST(LayoutTable, UnknownLayoutIsAnError) {
  std::string error;
  EXPECT_FALSE(build_key_layout({"zz", ""}, error));
  EXPECT_NE(error.find("zz"), std::string::npos);
  EXPECT_FALSE(build_key_layout({"de", "nosuchvariant"}, error));
}

TEST(LayoutTable, UsMatchesTheClientsOwnTable) {
  const auto us = build("us");
  for (char c = ' '; c <= '~'; ++c) {
    const auto own = rc::key_for_char(c);
    ASSERT_TRUE(own) << c;
    EXPECT_EQ(strokes(us, static_cast<unsigned char>(c)), std::vector<KeyStroke>{*own}) << c;
  }
  EXPECT_EQ(us.find(U'é'), nullptr);
}

TEST(LayoutTable, German) {
  const auto de = build("de");
  EXPECT_EQ(strokes(de, U'z'), (std::vector<KeyStroke>{{0, 0x1C}}));  // on the US Y key
  EXPECT_EQ(strokes(de, U'y'), (std::vector<KeyStroke>{{0, 0x1D}}));
  EXPECT_EQ(strokes(de, U'Z'), (std::vector<KeyStroke>{{kShift, 0x1C}}));
  EXPECT_EQ(strokes(de, U'@'), (std::vector<KeyStroke>{{kAltGr, 0x14}}));  // AltGr+Q
  EXPECT_EQ(strokes(de, U'ä'), (std::vector<KeyStroke>{{0, 0x34}}));
  EXPECT_EQ(strokes(de, U'Ö'), (std::vector<KeyStroke>{{kShift, 0x33}}));
  EXPECT_EQ(strokes(de, U'ß'), (std::vector<KeyStroke>{{0, 0x2D}}));
  EXPECT_EQ(strokes(de, U'{'), (std::vector<KeyStroke>{{kAltGr, 0x24}}));  // AltGr+7
  EXPECT_EQ(strokes(de, U'\\'), (std::vector<KeyStroke>{{kAltGr, 0x2D}}));
  EXPECT_EQ(strokes(de, U'|'), (std::vector<KeyStroke>{{kAltGr, 0x64}}));  // the ISO key
  EXPECT_EQ(strokes(de, U'€'), (std::vector<KeyStroke>{{kAltGr, 0x08}}));
  // Dead circumflex (the key left of 1) then e; then space for the accent itself.
  EXPECT_EQ(strokes(de, U'ê'), (std::vector<KeyStroke>{{0, 0x35}, {0, 0x08}}));
  EXPECT_EQ(strokes(de, U'^'), (std::vector<KeyStroke>{{0, 0x35}, {0, 0x2C}}));
  EXPECT_EQ(de.find(U'\u4E2D'), nullptr);
}

TEST(LayoutTable, GermanWithoutDeadKeys) {
  const auto de = build("de:nodeadkeys");
  EXPECT_EQ(strokes(de, U'^'), (std::vector<KeyStroke>{{0, 0x35}}));
}

TEST(LayoutTable, French) {
  const auto fr = build("fr");
  EXPECT_EQ(strokes(fr, U'a'), (std::vector<KeyStroke>{{0, 0x14}}));  // on the US Q key
  EXPECT_EQ(strokes(fr, U'q'), (std::vector<KeyStroke>{{0, 0x04}}));
  EXPECT_EQ(strokes(fr, U'm'), (std::vector<KeyStroke>{{0, 0x33}}));
  EXPECT_EQ(strokes(fr, U'é'), (std::vector<KeyStroke>{{0, 0x1F}}));
  EXPECT_EQ(strokes(fr, U'1'), (std::vector<KeyStroke>{{kShift, 0x1E}}));
  EXPECT_EQ(strokes(fr, U'@'), (std::vector<KeyStroke>{{kAltGr, 0x27}}));  // AltGr+0
  EXPECT_EQ(strokes(fr, U'ê'), (std::vector<KeyStroke>{{0, 0x2F}, {0, 0x08}}));
  EXPECT_EQ(strokes(fr, U'ç'), (std::vector<KeyStroke>{{0, 0x26}}));
  EXPECT_EQ(fr.find(U'\u4E2D'), nullptr);
}

TEST(KeyScript, TypesThroughALayout) {
  const auto de = build("de");
  std::error_code ec;
  std::string detail;
  const auto out = rc::parse_key_script("zê\n<Ctrl-c>", ec, &detail, &de);
  ASSERT_FALSE(ec) << detail;
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out[0].keys[0], 0x1C);                          // z
  EXPECT_EQ(out[2].keys[0], 0x35);                          // dead ^
  EXPECT_EQ(out[4].keys[0], 0x08);                          // e
  EXPECT_EQ(out[6].keys[0], 0x28);                          // Enter, by position
  EXPECT_EQ(out[8].keys[0], 0x06);                          // chords stay by position
  EXPECT_EQ(out[8].modifiers, 0x01);
  EXPECT_TRUE(rc::parse_key_script("ok \u4E2D", ec, &detail, &de).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_NE(detail.find("U+4E2D at offset 3 in layout de"), std::string::npos) << detail;
}

}  // namespace
}  // namespace ilo::keymap
