// The `keyboard` and `mouse` file syntax (see key_script.hpp): a whole write parsed into reports
// or refused with one message naming the offset or line. Plain text goes through the client's
// US-layout table (text_keys.hpp); only the bracketed names and the mouse lines are parsed here.
#include "rc/key_script.hpp"

#include <array>
#include <cctype>
#include <climits>
#include <cstdio>
#include <optional>
#include <utility>

#include "rc/text_keys.hpp"

namespace ilo::rc {
namespace {

// Modifier bits of the report's first byte (docs/rc-input.md#keyboard): left-hand keys only.
constexpr std::uint8_t kModCtrl = 0x01;
constexpr std::uint8_t kModShift = 0x02;
constexpr std::uint8_t kModAlt = 0x04;
constexpr std::uint8_t kModSuper = 0x08;

// A name longer than this is no key; the error message quotes at most this much of it.
constexpr std::size_t kMaxNameShown = 40;

struct NamedKey {
  std::string_view name;  // lower case
  std::uint8_t usage;     // USB HID Keyboard/Keypad page
};
constexpr NamedKey kNamedKeys[] = {
    {"enter", 0x28},    {"esc", 0x29},      {"escape", 0x29},   {"backspace", 0x2A},
    {"tab", 0x2B},      {"space", 0x2C},    {"f1", 0x3A},       {"f2", 0x3B},
    {"f3", 0x3C},       {"f4", 0x3D},       {"f5", 0x3E},       {"f6", 0x3F},
    {"f7", 0x40},       {"f8", 0x41},       {"f9", 0x42},       {"f10", 0x43},
    {"f11", 0x44},      {"f12", 0x45},      {"insert", 0x49},   {"home", 0x4A},
    {"pageup", 0x4B},   {"delete", 0x4C},   {"end", 0x4D},      {"pagedown", 0x4E},
    {"right", 0x4F},    {"left", 0x50},     {"down", 0x51},     {"up", 0x52},
};

struct Modifier {
  std::string_view prefix;  // lower case, with its '-'
  std::uint8_t bit;
};
constexpr Modifier kModifiers[] = {
    {"ctrl-", kModCtrl}, {"alt-", kModAlt}, {"shift-", kModShift}, {"super-", kModSuper}};

char lower(char c) noexcept {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != b[i]) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// The stroke a bracketed name stands for: modifier prefixes in any order (each at most once),
// then a named key, or a single printable character when at least one modifier came first
// (its own Shift, e.g. for 'C' or '!', is added as a US keyboard would).
std::optional<KeyStroke> stroke_for_name(std::string_view name) {
  std::uint8_t modifiers = 0;
  bool matched = true;
  while (matched) {
    matched = false;
    for (const auto& m : kModifiers) {
      // "Ctrl--" is Ctrl with the '-' key: a prefix must leave a key behind it.
      if (name.size() > m.prefix.size() && istarts_with(name, m.prefix)) {
        if ((modifiers & m.bit) != 0) return std::nullopt;  // "Ctrl-Ctrl-c"
        modifiers |= m.bit;
        name.remove_prefix(m.prefix.size());
        matched = true;
        break;
      }
    }
  }
  for (const auto& k : kNamedKeys)
    if (iequals(name, k.name)) return KeyStroke{modifiers, k.usage};
  if (modifiers != 0 && name.size() == 1 && name[0] > ' ' && name[0] < 0x7F) {
    if (const auto s = key_for_char(name[0]))
      return KeyStroke{static_cast<std::uint8_t>(modifiers | s->modifiers), s->usage};
  }
  return std::nullopt;
}

// Decodes the UTF-8 sequence starting at text[i] (a byte >= 0x80): the code point and its
// length, or nothing for an invalid, overlong, truncated or surrogate sequence.
std::optional<std::pair<char32_t, std::size_t>> decode_utf8(std::string_view text, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  char32_t cp = 0, min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;  // continuation byte, C0/C1 overlong lead, or F5..FF
  }
  if (text.size() - i < length) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return std::pair{cp, length};
}

std::string code_point_name(char32_t cp) {
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "U+%04X", static_cast<unsigned>(cp));
  return buffer.data();
}

void press_and_release(std::vector<KeyboardReport>& out, KeyStroke stroke) {
  KeyboardReport press;
  press.modifiers = stroke.modifiers;
  press.keys[0] = stroke.usage;
  out.push_back(press);
  out.push_back(KeyboardReport{});  // release everything
}

// Sets the error outputs and returns the empty result (nothing is produced on any error).
template <typename T>
std::vector<T> refuse(std::error_code& ec, std::string* detail, std::string message) {
  ec = std::make_error_code(std::errc::invalid_argument);
  if (detail != nullptr) *detail = std::move(message);
  return {};
}

// ---- mouse ----

std::optional<std::uint8_t> button_named(std::string_view word) {
  if (iequals(word, "left")) return kButtonLeft;
  if (iequals(word, "right")) return kButtonRight;
  if (iequals(word, "middle")) return kButtonMiddle;
  return std::nullopt;
}

// A non-negative decimal integer that fits an int: digits only, no sign, no spaces.
std::optional<int> coordinate(std::string_view word) {
  if (word.empty()) return std::nullopt;
  long long value = 0;
  for (char c : word) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > INT_MAX) return std::nullopt;
  }
  return static_cast<int>(value);
}

// The line split at spaces and tabs.
std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::vector<KeyboardReport> parse_key_script(std::string_view text, std::error_code& ec,
                                             std::string* detail, const KeyLayout* layout) {
  // A text character through the layout: false when it has no keys there.
  const auto type_in_layout = [&](std::vector<KeyboardReport>& out, char32_t cp) {
    const auto* strokes = layout->find(cp);
    if (strokes == nullptr) return false;
    for (const auto& stroke : *strokes) press_and_release(out, stroke);
    return true;
  };
  const auto no_key = [&](char32_t cp, std::size_t at) {
    return refuse<KeyboardReport>(ec, detail,
                                  "no key for " + code_point_name(cp) + " at offset " +
                                      std::to_string(at) +
                                      (layout != nullptr ? " in layout " + layout->name() : ""));
  };
  ec.clear();
  std::vector<KeyboardReport> out;
  out.reserve(2 * text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      press_and_release(out, {0, 0x28});  // "\r\n" is one Enter
      i += 2;
      continue;
    }
    if (c == '<') {
      if (i + 1 < text.size() && text[i + 1] == '<') {
        if (layout != nullptr) {
          if (!type_in_layout(out, U'<')) return no_key(U'<', i);
        } else {
          press_and_release(out, *key_for_char('<'));
        }
        i += 2;
        continue;
      }
      // The name runs to the next '>' on the same line.
      const std::size_t end = text.find_first_of(">\n", i + 1);
      if (end == std::string_view::npos || text[end] != '>')
        return refuse<KeyboardReport>(ec, detail, "unclosed '<' at offset " + std::to_string(i));
      const std::string_view name = text.substr(i + 1, end - i - 1);
      const auto stroke = stroke_for_name(name);
      if (!stroke) {
        // Quoted safely: printable ASCII as it is, any other byte as '?'.
        std::string shown(name.substr(0, kMaxNameShown));
        for (char& ch : shown)
          if (ch < ' ' || ch > '~') ch = '?';
        if (name.size() > kMaxNameShown) shown += "...";
        return refuse<KeyboardReport>(
            ec, detail, "unknown key name <" + shown + "> at offset " + std::to_string(i));
      }
      press_and_release(out, *stroke);
      i = end + 1;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      const auto decoded = decode_utf8(text, i);
      if (!decoded)
        return refuse<KeyboardReport>(ec, detail, "invalid UTF-8 at offset " + std::to_string(i));
      // A US keyboard types nothing outside ASCII.
      if (layout == nullptr || !type_in_layout(out, decoded->first))
        return no_key(decoded->first, i);
      i += decoded->second;
      continue;
    }
    if (layout != nullptr && c >= ' ' && c != 0x7F) {
      if (!type_in_layout(out, static_cast<unsigned char>(c)))
        return no_key(static_cast<unsigned char>(c), i);
      ++i;
      continue;
    }
    const auto stroke = key_for_char(c);
    if (!stroke) return no_key(static_cast<unsigned char>(c), i);
    press_and_release(out, *stroke);
    ++i;
  }
  return out;
}

std::vector<PointerAction> parse_pointer_script(std::string_view text, std::uint8_t& held,
                                                std::error_code& ec, std::string* detail) {
  ec.clear();
  std::vector<PointerAction> out;
  std::uint8_t buttons = held;  // committed to `held` only when the whole text is good
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto words = words_of(line);
    if (words.empty()) continue;
    const auto bad = [&](const std::string& why) {
      return refuse<PointerAction>(ec, detail, "line " + std::to_string(line_number) + ": " + why);
    };
    const std::string_view verb = words[0];
    if (iequals(verb, "move") || iequals(verb, "click")) {
      const bool click = iequals(verb, "click");
      if (words.size() < 3 || words.size() > (click ? 4u : 3u))
        return bad(click ? "expected \"click X Y [left|right|middle]\"" : "expected \"move X Y\"");
      const auto x = coordinate(words[1]);
      const auto y = coordinate(words[2]);
      if (!x || !y) return bad("X and Y must be non-negative decimal integers");
      std::uint8_t button = kButtonLeft;
      if (words.size() == 4) {
        const auto b = button_named(words[3]);
        if (!b) return bad("unknown button (left, right or middle)");
        button = *b;
      }
      out.push_back({*x, *y, buttons});
      if (click) {
        out.push_back({*x, *y, static_cast<std::uint8_t>(buttons | button)});
        buttons = static_cast<std::uint8_t>(buttons & ~button);  // released, even if held before
        out.push_back({*x, *y, buttons});
      }
    } else if (iequals(verb, "down") || iequals(verb, "up")) {
      if (words.size() != 2) return bad("expected \"" + std::string(verb) + " BUTTON\"");
      const auto b = button_named(words[1]);
      if (!b) return bad("unknown button (left, right or middle)");
      buttons = iequals(verb, "down") ? static_cast<std::uint8_t>(buttons | *b)
                                      : static_cast<std::uint8_t>(buttons & ~*b);
      out.push_back({-1, -1, buttons});
    } else {
      return bad("unknown command (move, click, down or up)");
    }
  }
  held = buttons;
  return out;
}

}  // namespace ilo::rc
