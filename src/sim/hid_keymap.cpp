// US-layout HID usage <-> ASCII tables (see hid_keymap.hpp).
#include "sim/hid_keymap.hpp"

#include <string_view>

namespace ilo::sim {
namespace {

// Usages 0x1E..0x38 in order, unshifted and shifted (0x28-0x2B handled separately).
constexpr std::string_view kRowPlain = "1234567890\n\x1b\b\t -=[]\\#;'`,./";
constexpr std::string_view kRowShift = "!@#$%^&*()\n\x1b\b\t _+{}|~:\"~<>?";
// Keypad usages 0x54..0x63 with Num Lock on.
constexpr std::uint8_t kKeypadFirst = 0x54;
constexpr std::string_view kKeypad = "/*-+\n1234567890.";

}  // namespace

std::optional<char> hid_to_ascii(std::uint8_t usage, bool shift) noexcept {
  if (usage >= 0x04 && usage <= 0x1D) {
    const char c = static_cast<char>('a' + (usage - 0x04));
    return shift ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (usage >= 0x1E && usage <= 0x38) {
    if (usage == kHidEscape) return std::nullopt;
    if (usage == 0x32) return std::nullopt;  // non-US '#': not on a US keyboard
    const auto i = static_cast<std::size_t>(usage - 0x1E);
    return (shift ? kRowShift : kRowPlain)[i];
  }
  if (usage >= kKeypadFirst && std::size_t{usage} < kKeypadFirst + kKeypad.size())
    return kKeypad[static_cast<std::size_t>(usage - kKeypadFirst)];
  return std::nullopt;
}

std::optional<KeyStroke> ascii_to_hid(char c) noexcept {
  if (c >= 'a' && c <= 'z') return KeyStroke{static_cast<std::uint8_t>(0x04 + (c - 'a')), false};
  if (c >= 'A' && c <= 'Z') return KeyStroke{static_cast<std::uint8_t>(0x04 + (c - 'A')), true};
  for (std::uint8_t u = 0x1E; u <= 0x38; ++u) {
    if (u == kHidEscape || u == 0x32) continue;
    const auto i = static_cast<std::size_t>(u - 0x1E);
    if (kRowPlain[i] == c) return KeyStroke{u, false};
    if (kRowShift[i] == c) return KeyStroke{u, true};
  }
  return std::nullopt;
}

}  // namespace ilo::sim
