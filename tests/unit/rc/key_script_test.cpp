// The `keyboard` and `mouse` file syntax (rc/key_script.hpp): every named key's HID usage (typed
// here from the USB HID usage table, not from the implementation), chords, the literal '<',
// errors at their exact offsets or lines, UTF-8 handling, and whole-or-nothing on every error.
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "rc/key_script.hpp"
#include "rc/text_keys.hpp"

namespace ilo::rc {
namespace {

KeyboardReport press(std::uint8_t modifiers, std::uint8_t usage) {
  KeyboardReport r;
  r.modifiers = modifiers;
  r.keys[0] = usage;
  return r;
}

// The reports of one key stroke after another, each followed by its all-zero release.
std::vector<KeyboardReport> strokes(std::initializer_list<std::pair<std::uint8_t, std::uint8_t>> keys) {
  std::vector<KeyboardReport> out;
  for (const auto& [modifiers, usage] : keys) {
    out.push_back(press(modifiers, usage));
    out.push_back(KeyboardReport{});
  }
  return out;
}

std::vector<KeyboardReport> parse(std::string_view text) {
  std::error_code ec;
  std::string detail;
  auto out = parse_key_script(text, ec, &detail);
  EXPECT_FALSE(ec) << detail;
  return out;
}

// The error message of a refused text (and checks that nothing was produced).
std::string refusal(std::string_view text) {
  std::error_code ec;
  std::string detail;
  const auto out = parse_key_script(text, ec, &detail);
  EXPECT_EQ(ec, std::errc::invalid_argument) << text;
  EXPECT_TRUE(out.empty()) << text;
  return detail;
}

// Texts and the message each is refused with.
using Refusals = std::initializer_list<std::pair<std::string, std::string>>;

// Each text is refused with its message, and nothing is produced.
void expect_refusals(Refusals cases) {
  for (const auto& [text, message] : cases) EXPECT_EQ(refusal(text), message) << text;
}

// USB HID Usage Tables, Keyboard/Keypad page (0x07).
const std::pair<std::string_view, std::uint8_t> kUsageTable[] = {
    {"Enter", 0x28},    {"Esc", 0x29},     {"Escape", 0x29},   {"Backspace", 0x2A},
    {"Tab", 0x2B},      {"Space", 0x2C},   {"F1", 0x3A},       {"F2", 0x3B},
    {"F3", 0x3C},       {"F4", 0x3D},      {"F5", 0x3E},       {"F6", 0x3F},
    {"F7", 0x40},       {"F8", 0x41},      {"F9", 0x42},       {"F10", 0x43},
    {"F11", 0x44},      {"F12", 0x45},     {"Insert", 0x49},   {"Home", 0x4A},
    {"PageUp", 0x4B},   {"Delete", 0x4C},  {"End", 0x4D},      {"PageDown", 0x4E},
    {"Right", 0x4F},    {"Left", 0x50},    {"Down", 0x51},     {"Up", 0x52},
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- keyboard: named keys and chords -----------------------------------------------------

TEST(KeyScript, EveryNamedKeyInEveryCase) {
  for (const auto& [name, usage] : kUsageTable) {
    for (const std::string& spelled : {std::string(name), upper(name), lower(name)}) {
      EXPECT_EQ(parse("<" + spelled + ">"), strokes({{0, usage}})) << spelled;
    }
  }
}

TEST(KeyScript, EveryNamedKeyWithEveryModifier) {
  const std::pair<std::string_view, std::uint8_t> modifiers[] = {
      {"Ctrl", 0x01}, {"Shift", 0x02}, {"Alt", 0x04}, {"Super", 0x08}};
  for (const auto& [name, usage] : kUsageTable) {
    for (const auto& [modifier, bit] : modifiers) {
      const std::string text = "<" + std::string(modifier) + "-" + std::string(name) + ">";
      EXPECT_EQ(parse(text), strokes({{bit, usage}})) << text;
    }
  }
}

TEST(KeyScript, Chords) {
  EXPECT_EQ(parse("<Ctrl-Alt-Delete>"), strokes({{0x05, 0x4C}}));
  EXPECT_EQ(parse("<Alt-Ctrl-Delete>"), strokes({{0x05, 0x4C}}));  // any order
  EXPECT_EQ(parse("<cTRL-aLT-dElEtE>"), strokes({{0x05, 0x4C}}));
  EXPECT_EQ(parse("<Alt-F2>"), strokes({{0x04, 0x3B}}));
  EXPECT_EQ(parse("<Shift-Tab>"), strokes({{0x02, 0x2B}}));
  EXPECT_EQ(parse("<Super-x>"), strokes({{0x08, 0x1B}}));
  EXPECT_EQ(parse("<Ctrl-Alt-Shift-Super-F12>"), strokes({{0x0F, 0x45}}));
  EXPECT_EQ(parse("<Super-Shift-Alt-Ctrl-F12>"), strokes({{0x0F, 0x45}}));
}

TEST(KeyScript, ChordWithACharacterTakesItsShiftFromTheUsLayout) {
  EXPECT_EQ(parse("<Ctrl-c>"), strokes({{0x01, 0x06}}));
  EXPECT_EQ(parse("<Ctrl-C>"), strokes({{0x03, 0x06}}));        // 'C' is Shift + c
  EXPECT_EQ(parse("<Shift-c>"), strokes({{0x02, 0x06}}));
  EXPECT_EQ(parse("<Shift-C>"), strokes({{0x02, 0x06}}));
  EXPECT_EQ(parse("<Ctrl-!>"), strokes({{0x03, 0x1E}}));        // '!' is Shift + 1
  EXPECT_EQ(parse("<Ctrl-->"), strokes({{0x01, 0x2D}}));        // the '-' key
  EXPECT_EQ(parse("<Alt-<>"), strokes({{0x06, 0x36}}));         // '<' is Shift + ','
  EXPECT_EQ(parse("<Ctrl-Alt-1>"), strokes({{0x05, 0x1E}}));
  // Every printable character (but '>', which ends the name) as a chord with Ctrl.
  for (char c = 0x21; c < 0x7F; ++c) {
    if (c == '>') continue;
    const auto stroke = key_for_char(c);
    ASSERT_TRUE(stroke);
    const std::string text = std::string("<Ctrl-") + c + ">";
    EXPECT_EQ(parse(text), strokes({{static_cast<std::uint8_t>(0x01 | stroke->modifiers),
                                     stroke->usage}}))
        << text;
  }
}

TEST(KeyScript, NamesMixWithText) {
  EXPECT_EQ(parse("ls<Enter>"), strokes({{0, 0x0F}, {0, 0x16}, {0, 0x28}}));
  EXPECT_EQ(parse("<Up><Up>x"), strokes({{0, 0x52}, {0, 0x52}, {0, 0x1B}}));
  EXPECT_EQ(parse(""), strokes({}));
}

// ---- keyboard: text, newlines, literal '<' -------------------------------------------------

TEST(KeyScript, PrintableTextIsTheUsLayoutTable) {
  for (char c = 0x20; c < 0x7F; ++c) {
    if (c == '<') continue;
    const auto stroke = key_for_char(c);
    ASSERT_TRUE(stroke);
    EXPECT_EQ(parse(std::string(1, c)), strokes({{stroke->modifiers, stroke->usage}})) << c;
  }
  EXPECT_EQ(parse("aA"), strokes({{0, 0x04}, {0x02, 0x04}}));
  EXPECT_EQ(parse("\t\b\x1b"), strokes({{0, 0x2B}, {0, 0x2A}, {0, 0x29}}));
}

TEST(KeyScript, NewlinesAreEnter) {
  const auto enter = strokes({{0, 0x28}});
  EXPECT_EQ(parse("\n"), enter);
  EXPECT_EQ(parse("\r\n"), enter);  // one Enter
  EXPECT_EQ(parse("\r"), enter);
  EXPECT_EQ(parse("\n\r"), strokes({{0, 0x28}, {0, 0x28}}));
  EXPECT_EQ(parse("a\r\n\r\nb"), strokes({{0, 0x04}, {0, 0x28}, {0, 0x28}, {0, 0x05}}));
}

TEST(KeyScript, DoubledLessThanIsALiteralLessThan) {
  const std::pair<std::uint8_t, std::uint8_t> lt{0x02, 0x36};
  EXPECT_EQ(parse("<<"), strokes({lt}));
  EXPECT_EQ(parse("a<<b"), strokes({{0, 0x04}, lt, {0, 0x05}}));
  EXPECT_EQ(parse("<<<Enter>"), strokes({lt, {0, 0x28}}));
  EXPECT_EQ(parse("<<<<"), strokes({lt, lt}));
  EXPECT_EQ(parse("<<Enter>"), strokes({lt, {0x02, 0x08}, {0, 0x11}, {0, 0x17}, {0, 0x08},
                                        {0, 0x15}, {0x02, 0x37}}));  // "<Enter>" typed
  EXPECT_EQ(refusal("<<<"), "unclosed '<' at offset 2");
}

// ---- keyboard: errors ----------------------------------------------------------------------

TEST(KeyScript, UnknownNamesAtTheirOffset) {
  const std::string long_name(100, 'x');
  expect_refusals({
      {"ab<Foo>c", "unknown key name <Foo> at offset 2"},
      {"<>", "unknown key name <> at offset 0"},
      {"<a>", "unknown key name <a> at offset 0"},  // a character needs a modifier
      {"x <y> z", "unknown key name <y> at offset 2"},
      {"<Ctrl>", "unknown key name <Ctrl> at offset 0"},
      {"<Ctrl->", "unknown key name <Ctrl-> at offset 0"},
      {"<Ctrl-Alt>", "unknown key name <Ctrl-Alt> at offset 0"},
      {"<Ctrl-Ctrl-c>", "unknown key name <Ctrl-Ctrl-c> at offset 0"},
      {"<Ctrl-cc>", "unknown key name <Ctrl-cc> at offset 0"},
      {"<Ctrl- >", "unknown key name <Ctrl- > at offset 0"},
      {"<Hyper-x>", "unknown key name <Hyper-x> at offset 0"},
      {"<F13>", "unknown key name <F13> at offset 0"},
      {"<F0>", "unknown key name <F0> at offset 0"},
      {"<Enter >", "unknown key name <Enter > at offset 0"},
      // Bytes outside printable ASCII are quoted as '?'.
      {"<Enter><Ctrl-\xC3\xA9>", "unknown key name <Ctrl-?" "?> at offset 7"},
      {"<Enter\r>", "unknown key name <Enter?> at offset 0"},
      {std::string("<a\0b\x1b>", 6), "unknown key name <a?b?> at offset 0"},
      // Long names are shortened in the message.
      {"<" + long_name + ">", "unknown key name <" + std::string(40, 'x') + "...> at offset 0"},
  });
}

TEST(KeyScript, UnclosedNameAtItsOffset) {
  expect_refusals({
      {"<", "unclosed '<' at offset 0"},
      {"x<Enter", "unclosed '<' at offset 1"},
      {"a < b", "unclosed '<' at offset 2"},
      {"ab<Ent\ner>", "unclosed '<' at offset 2"},  // a name does not span lines
  });
}

TEST(KeyScript, NonAsciiIsRefusedWithItsCodePoint) {
  expect_refusals({
      {"h\xC3\xA9llo", "no key for U+00E9 at offset 1"},
      {"ab\xE2\x82\xAC", "no key for U+20AC at offset 2"},
      {"\xF0\x9F\x98\x80", "no key for U+1F600 at offset 0"},
      {"\xC2\x80", "no key for U+0080 at offset 0"},
      {"\xF4\x8F\xBF\xBF", "no key for U+10FFFF at offset 0"},
      {"\xEF\xBB\xBFx", "no key for U+FEFF at offset 0"},  // a BOM too
  });
}

TEST(KeyScript, ControlCharactersWithoutAKeyAreRefused) {
  expect_refusals({
      {std::string("a\0b", 3), "no key for U+0000 at offset 1"},
      {"\x01", "no key for U+0001 at offset 0"},
      {"ok\x07", "no key for U+0007 at offset 2"},
      {"\x7F", "no key for U+007F at offset 0"},
  });
}

TEST(KeyScript, InvalidUtf8IsRefusedAtItsOffset) {
  const std::pair<std::string_view, std::size_t> cases[] = {
      {"a\x80", 1},                  // lone continuation byte
      {"ab\xC3", 2},                 // truncated at the end
      {"\xC3(", 0},                  // bad continuation
      {"\xC0\xAF", 0},               // overlong '/'
      {"\xC1\xBF", 0},               // overlong
      {"\xE0\x80\x80", 0},           // overlong
      {"\xF0\x8F\xBF\xBF", 0},       // overlong
      {"\xED\xA0\x80", 0},           // surrogate U+D800
      {"\xED\xBF\xBF", 0},           // surrogate U+DFFF
      {"\xF4\x90\x80\x80", 0},       // beyond U+10FFFF
      {"\xF5\x80\x80\x80", 0},
      {"\xFF", 0},
      {"x\xE2\x82", 1},              // truncated three-byte sequence
      {"x\xE2\x82y", 1},
  };
  for (const auto& [text, offset] : cases) {
    EXPECT_EQ(refusal(text), "invalid UTF-8 at offset " + std::to_string(offset)) << offset;
  }
}

TEST(KeyScript, NothingIsProducedOnAnyError) {
  std::error_code ec;
  std::string detail = "untouched";
  // A long valid prefix, then one bad name at the end.
  const std::string text = std::string(1000, 'a') + "<Ctrl-Alt-Delete><Nope>";
  EXPECT_TRUE(parse_key_script(text, ec, &detail).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(detail, "unknown key name <Nope> at offset 1017");
  // Without a detail string, and ec cleared by the next success.
  EXPECT_TRUE(parse_key_script("\xC3\xA9", ec).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
  detail = "untouched";
  EXPECT_EQ(parse_key_script("a", ec, &detail).size(), 2u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(detail, "untouched");
}

TEST(KeyScript, EveryReleaseIsAllZero) {
  const auto reports = parse("Hello, World!<Ctrl-Alt-Delete><Shift-Tab>\r\n<<");
  ASSERT_EQ(reports.size() % 2, 0u);
  for (std::size_t i = 0; i < reports.size(); i += 2) {
    EXPECT_NE(reports[i].keys[0], 0);
    EXPECT_EQ(reports[i].reserved, 0);
    for (std::size_t k = 1; k < 6; ++k) EXPECT_EQ(reports[i].keys[k], 0);
    EXPECT_EQ(reports[i + 1], KeyboardReport{});
  }
}

// ---- mouse ---------------------------------------------------------------------------------

bool operator_eq(const PointerAction& a, const PointerAction& b) {
  return a.x == b.x && a.y == b.y && a.buttons == b.buttons;
}

std::string show(const std::vector<PointerAction>& actions) {
  std::string s;
  for (const auto& a : actions)
    s += "(" + std::to_string(a.x) + "," + std::to_string(a.y) + "," + std::to_string(a.buttons) + ")";
  return s;
}

void expect_actions(std::string_view text, std::uint8_t held_before,
                    const std::vector<PointerAction>& expected, std::uint8_t held_after) {
  std::uint8_t held = held_before;
  std::error_code ec;
  std::string detail;
  const auto got = parse_pointer_script(text, held, ec, &detail);
  EXPECT_FALSE(ec) << text << ": " << detail;
  bool same = got.size() == expected.size();
  for (std::size_t i = 0; same && i < got.size(); ++i) same = operator_eq(got[i], expected[i]);
  EXPECT_TRUE(same) << text << ": got " << show(got) << ", want " << show(expected);
  EXPECT_EQ(held, held_after) << text;
}

std::string pointer_refusal(std::string_view text, std::uint8_t held_before = 0) {
  std::uint8_t held = held_before;
  std::error_code ec;
  std::string detail;
  const auto got = parse_pointer_script(text, held, ec, &detail);
  EXPECT_EQ(ec, std::errc::invalid_argument) << text;
  EXPECT_TRUE(got.empty()) << text;
  EXPECT_EQ(held, held_before) << text;  // nothing changed
  return detail;
}

// Each text is refused with its message; nothing is produced and no button changes.
void expect_pointer_refusals(Refusals cases) {
  for (const auto& [text, message] : cases) EXPECT_EQ(pointer_refusal(text), message) << text;
}

TEST(PointerScript, MoveCarriesTheHeldButtons) {
  expect_actions("move 10 20", 0, {{10, 20, 0}}, 0);
  expect_actions("move 10 20\n", kButtonLeft, {{10, 20, kButtonLeft}}, kButtonLeft);
  expect_actions("move 0 0\nmove 1023 767\n", 0, {{0, 0, 0}, {1023, 767, 0}}, 0);
  expect_actions("move 2147483647 007", 0, {{2147483647, 7, 0}}, 0);
}

TEST(PointerScript, ClickIsMovePressRelease) {
  expect_actions("click 5 6", 0, {{5, 6, 0}, {5, 6, kButtonLeft}, {5, 6, 0}}, 0);
  expect_actions("click 5 6 left", 0, {{5, 6, 0}, {5, 6, kButtonLeft}, {5, 6, 0}}, 0);
  expect_actions("click 5 6 right", 0, {{5, 6, 0}, {5, 6, kButtonRight}, {5, 6, 0}}, 0);
  expect_actions("click 5 6 middle", 0, {{5, 6, 0}, {5, 6, kButtonMiddle}, {5, 6, 0}}, 0);
  expect_actions("CLICK 5 6 Right", 0, {{5, 6, 0}, {5, 6, kButtonRight}, {5, 6, 0}}, 0);
  // Other held buttons stay held through the click.
  expect_actions("click 1 2 right", kButtonLeft,
                 {{1, 2, kButtonLeft}, {1, 2, kButtonLeft | kButtonRight}, {1, 2, kButtonLeft}},
                 kButtonLeft);
  // A click of a held button ends with it released.
  expect_actions("click 1 2", kButtonLeft, {{1, 2, 1}, {1, 2, 1}, {1, 2, 0}}, 0);
}

TEST(PointerScript, DownAndUpKeepThePosition) {
  expect_actions("down left", 0, {{-1, -1, kButtonLeft}}, kButtonLeft);
  expect_actions("up left", kButtonLeft, {{-1, -1, 0}}, 0);
  expect_actions("down right\ndown middle\nUp RIGHT", 0,
                 {{-1, -1, 2}, {-1, -1, 6}, {-1, -1, 4}}, kButtonMiddle);
  // A drag.
  expect_actions("move 1 1\ndown left\nmove 50 60\nup left\n", 0,
                 {{1, 1, 0}, {-1, -1, 1}, {50, 60, 1}, {-1, -1, 0}}, 0);
  // Idempotent.
  expect_actions("down left\ndown left\nup right", 0, {{-1, -1, 1}, {-1, -1, 1}, {-1, -1, 1}}, 1);
}

TEST(PointerScript, HeldButtonsCarryAcrossWrites) {
  std::uint8_t held = 0;
  std::error_code ec;
  parse_pointer_script("down left\n", held, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(held, kButtonLeft);
  const auto moved = parse_pointer_script("move 3 4\n", held, ec);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].buttons, kButtonLeft);
  parse_pointer_script("up left\n", held, ec);
  EXPECT_EQ(held, 0);
}

TEST(PointerScript, BlankLinesSpacesTabsAndCrLf) {
  expect_actions("", 0, {}, 0);
  expect_actions("\n\n   \n\t\n", 0, {}, 0);
  expect_actions("  move\t 1   2 \r\n\r\nclick 3 4\r\n", 0,
                 {{1, 2, 0}, {3, 4, 0}, {3, 4, 1}, {3, 4, 0}}, 0);
}

TEST(PointerScript, ErrorsNameTheLine) {
  const std::string move = "expected \"move X Y\"";
  const std::string click = "expected \"click X Y [left|right|middle]\"";
  const std::string number = "X and Y must be non-negative decimal integers";
  const std::string button = "unknown button (left, right or middle)";
  const std::string command = "unknown command (move, click, down or up)";
  expect_pointer_refusals({
      {"move 1", "line 1: " + move},
      {"move 1 2 3", "line 1: " + move},
      {"\n\nmove -1 2", "line 3: " + number},
      {"move +1 2", "line 1: " + number},
      {"move 1.5 2", "line 1: " + number},
      {"move 0x10 2", "line 1: " + number},
      {"move 1 2147483648", "line 1: " + number},
      {"move 1 99999999999999999999999", "line 1: " + number},
      {"click 1", "line 1: " + click},
      {"click 1 2 left now", "line 1: " + click},
      {"click 1 2 side", "line 1: " + button},
      {"down", "line 1: expected \"down BUTTON\""},
      {"up left right", "line 1: expected \"up BUTTON\""},
      {"down wheel", "line 1: " + button},
      {"move 1 2\r\njump 1 2", "line 2: " + command},
      {"move 1 2 # comment", "line 1: " + move},
      {"move\xC2\xA0" "1 2", "line 1: " + command},
  });
}

TEST(PointerScript, NothingIsProducedOrHeldOnAnyError) {
  // Valid lines first, then a bad one: no actions, held buttons unchanged.
  EXPECT_EQ(pointer_refusal("down left\nmove 1 2\nclick 3 4 right\nbogus\n"),
            "line 4: unknown command (move, click, down or up)");
  EXPECT_EQ(pointer_refusal("up left\nmove 1\n", kButtonLeft), "line 2: expected \"move X Y\"");
  // Without a detail string.
  std::uint8_t held = kButtonRight;
  std::error_code ec;
  EXPECT_TRUE(parse_pointer_script("up right\nmove", held, ec).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(held, kButtonRight);
}

}  // namespace
}  // namespace ilo::rc
