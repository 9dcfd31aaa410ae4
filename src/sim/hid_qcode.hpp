// USB HID keyboard usages (HID Usage Tables, page 0x07) to QEMU's QKeyCode names, for the real
// machine's input-send-event. Keys, not characters: the layout is the guest's business. It
// knows nothing of QMP or of key state.
#pragma once

#include <cstdint>
#include <string_view>

namespace ilo::sim {

// The QKeyCode name of a usage (modifiers are usages 0xE0..0xE7), or empty if QEMU has none.
std::string_view hid_to_qcode(std::uint8_t usage) noexcept;

}  // namespace ilo::sim
