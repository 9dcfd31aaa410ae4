// The fixed correspondence between Linux input key codes (XKB's evdev keycodes minus 8) and USB
// HID Keyboard/Keypad usages (docs/rc-input.md#keyboard), as the Linux kernel's HID input
// driver maps them. Positions only: which character a position types is the layout's business.
#pragma once

#include <cstdint>
#include <optional>

namespace ilo::rc {

// XKB's evdev keycodes are the Linux key codes plus this offset.
inline constexpr std::uint32_t kEvdevKeycodeOffset = 8;

// The HID usage of a Linux key code, or nothing for a key a USB keyboard report cannot carry
// here (media keys, unknown codes).
std::optional<std::uint8_t> usage_for_linux_key(std::uint32_t code) noexcept;

// The Linux key code of a HID usage (usage 0x32, the ISO '#' key, shares 0x31's code), or nothing.
std::optional<std::uint32_t> linux_key_for_usage(std::uint8_t usage) noexcept;

}  // namespace ilo::rc
