// The client's US-layout text table (rc/text_keys.hpp): every printable ASCII character maps to
// a distinct (modifier, usage) stroke, reports come in press/release pairs, and text with a
// character that has no key is refused whole.
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "rc/text_keys.hpp"

namespace ilo::rc {
namespace {

TEST(TextKeys, LettersDigitsAndControls) {
  EXPECT_EQ(key_for_char('a'), (KeyStroke{0, 0x04}));
  EXPECT_EQ(key_for_char('z'), (KeyStroke{0, 0x1D}));
  EXPECT_EQ(key_for_char('A'), (KeyStroke{kModifierLeftShift, 0x04}));
  EXPECT_EQ(key_for_char('Z'), (KeyStroke{kModifierLeftShift, 0x1D}));
  EXPECT_EQ(key_for_char('1'), (KeyStroke{0, 0x1E}));
  EXPECT_EQ(key_for_char('9'), (KeyStroke{0, 0x26}));
  EXPECT_EQ(key_for_char('0'), (KeyStroke{0, 0x27}));
  EXPECT_EQ(key_for_char('\n'), (KeyStroke{0, 0x28}));
  EXPECT_EQ(key_for_char('\r'), (KeyStroke{0, 0x28}));
  EXPECT_EQ(key_for_char('\x1b'), (KeyStroke{0, 0x29}));
  EXPECT_EQ(key_for_char('\b'), (KeyStroke{0, 0x2A}));
  EXPECT_EQ(key_for_char('\t'), (KeyStroke{0, 0x2B}));
  EXPECT_EQ(key_for_char(' '), (KeyStroke{0, 0x2C}));
}

TEST(TextKeys, PunctuationOfAUsKeyboard) {
  const std::pair<char, KeyStroke> cases[] = {
      {'!', {2, 0x1E}}, {'@', {2, 0x1F}}, {'#', {2, 0x20}}, {'$', {2, 0x21}},
      {'%', {2, 0x22}}, {'^', {2, 0x23}}, {'&', {2, 0x24}}, {'*', {2, 0x25}},
      {'(', {2, 0x26}}, {')', {2, 0x27}}, {'-', {0, 0x2D}}, {'_', {2, 0x2D}},
      {'=', {0, 0x2E}}, {'+', {2, 0x2E}}, {'[', {0, 0x2F}}, {'{', {2, 0x2F}},
      {']', {0, 0x30}}, {'}', {2, 0x30}}, {'\\', {0, 0x31}}, {'|', {2, 0x31}},
      {';', {0, 0x33}}, {':', {2, 0x33}}, {'\'', {0, 0x34}}, {'"', {2, 0x34}},
      {'`', {0, 0x35}}, {'~', {2, 0x35}}, {',', {0, 0x36}}, {'<', {2, 0x36}},
      {'.', {0, 0x37}}, {'>', {2, 0x37}}, {'/', {0, 0x38}}, {'?', {2, 0x38}},
  };
  for (const auto& [c, stroke] : cases) EXPECT_EQ(key_for_char(c), stroke) << c;
}

TEST(TextKeys, EveryPrintableCharacterHasADistinctStroke) {
  std::set<std::pair<int, int>> seen;
  for (int c = 0x20; c < 0x7F; ++c) {
    const auto stroke = key_for_char(static_cast<char>(c));
    ASSERT_TRUE(stroke) << c;
    EXPECT_NE(stroke->usage, 0);
    EXPECT_TRUE(stroke->modifiers == 0 || stroke->modifiers == kModifierLeftShift);
    EXPECT_TRUE(seen.insert({stroke->modifiers, stroke->usage}).second) << c;
  }
}

TEST(TextKeys, NoStrokeOutsideTheTable) {
  for (int c : {0x00, 0x01, 0x07, 0x0B, 0x0C, 0x7F, 0x80, 0xC3, 0xFF}) {
    EXPECT_FALSE(key_for_char(static_cast<char>(c))) << c;
  }
}

TEST(TextKeys, TextBecomesPressReleasePairs) {
  std::error_code ec;
  const auto reports = reports_for_text("hI\r\n", ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(reports.size(), 6u);  // "\r\n" is one Enter
  KeyboardReport h, i, enter;
  h.keys[0] = 0x0B;
  i.modifiers = kModifierLeftShift;
  i.keys[0] = 0x0C;
  enter.keys[0] = 0x28;
  EXPECT_EQ(reports[0], h);
  EXPECT_EQ(reports[2], i);
  EXPECT_EQ(reports[4], enter);
  for (std::size_t k = 1; k < reports.size(); k += 2) EXPECT_EQ(reports[k], KeyboardReport{});
  // Doubled letters are released in between.
  EXPECT_EQ(reports_for_text("ll", ec).size(), 4u);
  EXPECT_TRUE(reports_for_text("", ec).empty());
  EXPECT_FALSE(ec);
}

TEST(TextKeys, UnmappableTextIsRefusedWhole) {
  std::error_code ec;
  std::size_t bad = 99;
  EXPECT_TRUE(reports_for_text("h\xC3\xA9llo", ec, &bad).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(bad, 1u);
  EXPECT_TRUE(reports_for_text(std::string("a\0b", 3), ec, &bad).empty());
  EXPECT_EQ(bad, 1u);
}

}  // namespace
}  // namespace ilo::rc
