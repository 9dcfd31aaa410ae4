// Translation between USB HID keyboard usages (rc-input.md §3) and ASCII, both ways: the
// simulator turns typed reports into characters, and clients turn text into key strokes.
// Only the US layout's printable ASCII, Enter, Backspace, Tab and Escape are covered.
#pragma once

#include <cstdint>
#include <optional>

namespace ilo::sim {

inline constexpr std::uint8_t kHidEnter = 0x28;
inline constexpr std::uint8_t kHidEscape = 0x29;
inline constexpr std::uint8_t kHidBackspace = 0x2A;
inline constexpr std::uint8_t kHidTab = 0x2B;
inline constexpr std::uint8_t kModLeftShift = 0x02;
inline constexpr std::uint8_t kModRightShift = 0x20;

// The character a key produces (Enter -> '\n', Backspace -> '\b', Tab -> '\t'), or nullopt.
std::optional<char> hid_to_ascii(std::uint8_t usage, bool shift) noexcept;

struct KeyStroke {
  std::uint8_t usage = 0;
  bool shift = false;
};
// The key (and whether Shift is needed) that types c, or nullopt.
std::optional<KeyStroke> ascii_to_hid(char c) noexcept;

}  // namespace ilo::sim
