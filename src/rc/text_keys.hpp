// The client's own US-layout table from printable ASCII (and a few control characters) to USB
// HID keyboard usages with the Shift modifier, and text turned into press/release report
// pairs (docs/rc-input.md#keyboard). It sends nothing and knows no platform key codes; the
// simulator's reverse table is its own (src/sim/hid_keymap), so one mistake cannot hide on both
// sides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "rc/input_messages.hpp"

namespace ilo::rc {

inline constexpr std::uint8_t kModifierLeftShift = 0x02;

// One key press: the modifier byte held with it and the non-modifier usage.
struct KeyStroke {
  std::uint8_t modifiers = 0;
  std::uint8_t usage = 0;
  friend bool operator==(const KeyStroke&, const KeyStroke&) = default;
};

// The stroke for one character: ' '..'~' on a US keyboard, '\n' and '\r' (Enter), '\t' (Tab),
// '\b' (Backspace) and ESC (0x1B). Nothing for any other byte.
std::optional<KeyStroke> key_for_char(char c) noexcept;

// Two reports per character, press (modifiers + key) then release (all zero); "\r\n" counts as
// one Enter. If any character has no stroke, nothing is produced, `ec` is
// std::errc::invalid_argument and `bad_offset` (if given) is its offset: typing half of a
// command into a server console is worse than typing none of it.
std::vector<KeyboardReport> reports_for_text(std::string_view text, std::error_code& ec,
                                             std::size_t* bad_offset = nullptr);

}  // namespace ilo::rc
