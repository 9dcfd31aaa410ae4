// Translation between USB HID keyboard usages (docs/rc-input.md#keyboard) and ASCII, both ways: the
// simulator turns typed reports into characters, and clients turn text into key strokes.
// Only the US layout's printable ASCII, Enter, Backspace, Tab and Escape are covered, and (one
// way, usage to character) the keypad with Num Lock on. No modifier logic beyond Shift.
#pragma once

#include <cstdint>
#include <optional>

namespace ilo::sim {

inline constexpr std::uint8_t kHidEnter = 0x28;
inline constexpr std::uint8_t kHidEscape = 0x29;
inline constexpr std::uint8_t kHidBackspace = 0x2A;
inline constexpr std::uint8_t kHidTab = 0x2B;
inline constexpr std::uint8_t kHidA = 0x04;
inline constexpr std::uint8_t kHidZ = 0x1D;
inline constexpr std::uint8_t kHidDelete = 0x4C;
inline constexpr std::uint8_t kHidKeypadPeriod = 0x63;  // keypad '.' (Delete without Num Lock)
// Modifier bits of the report's first byte (bit n = usage 0xE0 + n).
inline constexpr std::uint8_t kModLeftCtrl = 0x01;
inline constexpr std::uint8_t kModLeftShift = 0x02;
inline constexpr std::uint8_t kModLeftAlt = 0x04;
inline constexpr std::uint8_t kModRightCtrl = 0x10;
inline constexpr std::uint8_t kModRightShift = 0x20;
inline constexpr std::uint8_t kModRightAlt = 0x40;

// The character a key produces (Enter and keypad Enter -> '\n', Backspace -> '\b', Tab ->
// '\t'; keypad keys as with Num Lock on, whatever Shift), or nullopt.
std::optional<char> hid_to_ascii(std::uint8_t usage, bool shift) noexcept;

struct KeyStroke {
  std::uint8_t usage = 0;
  bool shift = false;
};
// The key (and whether Shift is needed) that types c, or nullopt.
std::optional<KeyStroke> ascii_to_hid(char c) noexcept;

}  // namespace ilo::sim
