// The set of keys a client holds, turned into HID keyboard reports (docs/rc-input.md#keyboard):
// modifiers (usages 0xE0-0xE7) go into the modifier byte, other keys into six slots, and a
// seventh held key overwrites slot 6 as HP's Java client does. It does not map platform key
// codes to HID usages and does not send anything.
#pragma once

#include <cstdint>

#include "rc/input_messages.hpp"

namespace ilo::rc {

class KeyboardState {
 public:
  static constexpr bool is_modifier(std::uint8_t usage) noexcept {
    return usage >= 0xE0 && usage <= 0xE7;
  }

  // Each returns true if the report changed (then send report()). Usage 0 is ignored.
  // press: a new key takes the first free slot, or slot 6 when all are taken (the key there
  // is forgotten, as in Java). release: clears the key's slot; the other keys stay where they
  // are (slots are not compacted; HID gives slot order no meaning).
  bool press(std::uint8_t usage) noexcept;
  bool release(std::uint8_t usage) noexcept;
  bool release_all() noexcept;

  [[nodiscard]] const KeyboardReport& report() const noexcept { return report_; }

 private:
  KeyboardReport report_;
};

}  // namespace ilo::rc
