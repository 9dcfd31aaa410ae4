// X11 keysyms, as RFB (VNC) key events carry them, turned into the console's HID keyboard
// reports. Printable keysyms go through the same character table as the `keyboard` file (the
// mount's KeyLayout, or the US table); non-printing ones (F1-F12, arrows, editing keys, Return,
// Shift/Control/Alt/Meta/Super, AltGr = ISO_Level3_Shift) map to their HID usages. It keeps the
// held keys between events; no I/O, nothing of RFB's framing.
#pragma once

#include <cstdint>
#include <vector>

#include "rc/input_messages.hpp"
#include "rc/key_layout.hpp"
#include "rc/keyboard_state.hpp"

namespace ilo::rc {

class KeysymKeyboard {
 public:
  // `layout` (may be null: US) must outlive this object.
  explicit KeysymKeyboard(const KeyLayout* layout = nullptr) : layout_(layout) {}

  // The reports one key event produces, in order (none for an unknown keysym, a repeat of a
  // held key, or the release of a key that is not held). A printable key is pressed with the
  // Shift/AltGr its character needs, whatever Shift/AltGr the viewer holds (a viewer sends
  // Shift then the upper-case keysym: Shift is not pressed twice, and a viewer whose own
  // layout needs Shift for a character the server types without gets it without); Ctrl, Alt
  // and Super held by the viewer are kept. A dead-key character sends the dead key first.
  // Caps Lock and Num Lock are not forwarded: keysyms already carry the case and the digit.
  std::vector<KeyboardReport> key(bool down, std::uint32_t keysym);

  // Releases everything (a viewer went away); one report if anything was held.
  std::vector<KeyboardReport> release_all();

  [[nodiscard]] const KeyboardReport& report() const noexcept { return last_; }

 private:
  struct Held {
    std::uint32_t keysym = 0;
    std::uint8_t usage = 0;
    bool printable = false;
    std::uint8_t modifiers = 0;  // printable: the Shift/AltGr bits its character needs
  };
  void emit(std::vector<KeyboardReport>& out);
  [[nodiscard]] KeyboardReport current() const;

  const KeyLayout* layout_;
  KeyboardState keys_;             // non-modifier keys
  std::uint8_t viewer_modifiers_ = 0;  // modifier keys the viewer holds
  bool level3_held_ = false;           // ISO_Level3_Shift / Mode_switch held
  std::vector<Held> held_;         // in press order
  KeyboardReport last_;
};

}  // namespace ilo::rc
