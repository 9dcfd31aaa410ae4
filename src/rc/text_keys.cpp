// US-layout text to HID keyboard reports (see text_keys.hpp). Usages are the USB HID
// "Keyboard/Keypad" page values (docs/rc-input.md#keyboard).
#include "rc/text_keys.hpp"

namespace ilo::rc {
namespace {

// HID usages of the keys used below.
constexpr std::uint8_t kUsageA = 0x04;
constexpr std::uint8_t kUsage1 = 0x1E;  // 1..9 = 0x1E..0x26
constexpr std::uint8_t kUsage0 = 0x27;
constexpr std::uint8_t kUsageEnter = 0x28;
constexpr std::uint8_t kUsageEscape = 0x29;
constexpr std::uint8_t kUsageBackspace = 0x2A;
constexpr std::uint8_t kUsageTab = 0x2B;
constexpr std::uint8_t kUsageSpace = 0x2C;

constexpr KeyStroke plain(std::uint8_t usage) noexcept { return {0, usage}; }
constexpr KeyStroke shifted(std::uint8_t usage) noexcept { return {kModifierLeftShift, usage}; }

// The punctuation keys of a US keyboard: unshifted character, shifted character, usage.
struct PunctuationKey {
  char plain;
  char shifted;
  std::uint8_t usage;
};
constexpr PunctuationKey kPunctuation[] = {
    {'-', '_', 0x2D}, {'=', '+', 0x2E}, {'[', '{', 0x2F}, {']', '}', 0x30},
    {'\\', '|', 0x31}, {';', ':', 0x33}, {'\'', '"', 0x34}, {'`', '~', 0x35},
    {',', '<', 0x36}, {'.', '>', 0x37}, {'/', '?', 0x38},
};
// Shift + digit row, in the order of the digits 1..9, 0.
constexpr char kShiftedDigits[] = {'!', '@', '#', '$', '%', '^', '&', '*', '(', ')'};

}  // namespace

std::optional<KeyStroke> key_for_char(char c) noexcept {
  if (c >= 'a' && c <= 'z') return plain(static_cast<std::uint8_t>(kUsageA + (c - 'a')));
  if (c >= 'A' && c <= 'Z') return shifted(static_cast<std::uint8_t>(kUsageA + (c - 'A')));
  if (c == '0') return plain(kUsage0);
  if (c >= '1' && c <= '9') return plain(static_cast<std::uint8_t>(kUsage1 + (c - '1')));
  switch (c) {
    case ' ': return plain(kUsageSpace);
    case '\n':
    case '\r': return plain(kUsageEnter);
    case '\t': return plain(kUsageTab);
    case '\b': return plain(kUsageBackspace);
    case '\x1b': return plain(kUsageEscape);
    default: break;
  }
  for (std::size_t i = 0; i < std::size(kShiftedDigits); ++i) {
    if (c == kShiftedDigits[i]) return shifted(static_cast<std::uint8_t>(kUsage1 + i));
  }
  for (const auto& key : kPunctuation) {
    if (c == key.plain) return plain(key.usage);
    if (c == key.shifted) return shifted(key.usage);
  }
  return std::nullopt;
}

std::vector<KeyboardReport> reports_for_text(std::string_view text, std::error_code& ec,
                                             std::size_t* bad_offset) {
  ec.clear();
  std::vector<KeyboardReport> out;
  out.reserve(2 * text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && i > 0 && text[i - 1] == '\r') continue;  // "\r\n" is one Enter
    const auto stroke = key_for_char(text[i]);
    if (!stroke) {
      ec = std::make_error_code(std::errc::invalid_argument);
      if (bad_offset != nullptr) *bad_offset = i;
      out.clear();
      return out;
    }
    KeyboardReport press;
    press.modifiers = stroke->modifiers;
    press.keys[0] = stroke->usage;
    out.push_back(press);
    out.push_back(KeyboardReport{});  // release everything
  }
  return out;
}

}  // namespace ilo::rc
