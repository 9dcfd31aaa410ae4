// Keysym -> HID reports (see keysym_keyboard.hpp). Keysym values are X11's (keysymdef.h), which
// RFB uses unchanged; HID usages are the Keyboard/Keypad page's (docs/rc-input.md#keyboard).
#include "rc/keysym_keyboard.hpp"

#include <algorithm>
#include <optional>

#include "rc/text_keys.hpp"

namespace ilo::rc {
namespace {

constexpr std::uint8_t kShiftBits = 0x02 | 0x20;  // left and right Shift

// Modifier keysyms: the bit of the report's modifier byte they hold.
struct ModifierKey {
  std::uint32_t keysym;
  std::uint8_t bit;
};
constexpr ModifierKey kModifierKeys[] = {
    {0xffe1, 0x02},  // Shift_L
    {0xffe2, 0x20},  // Shift_R
    {0xffe3, 0x01},  // Control_L
    {0xffe4, 0x10},  // Control_R
    {0xffe9, 0x04},  // Alt_L
    {0xffea, 0x40},  // Alt_R (right Alt: what the server's layout makes of it)
    {0xffe7, 0x08},  // Meta_L: the GUI key, as QEMU's VNC server reads it
    {0xffe8, 0x80},  // Meta_R
    {0xffeb, 0x08},  // Super_L
    {0xffec, 0x80},  // Super_R
};
// AltGr as a viewer with a European layout sends it: right Alt for keys that are not
// characters; a character's own AltGr comes from the table.
constexpr std::uint32_t kLevel3Shift = 0xfe03;  // ISO_Level3_Shift
constexpr std::uint32_t kModeSwitch = 0xff7e;   // Mode_switch

// Lock keys: not forwarded (the keysyms already say what the lock state made of a key).
constexpr std::uint32_t kLockKeys[] = {0xffe5 /* Caps_Lock */, 0xffe6 /* Shift_Lock */,
                                       0xff7f /* Num_Lock */};

// Non-printing keysyms and their usages.
struct NamedKeysym {
  std::uint32_t keysym;
  std::uint8_t usage;
};
constexpr NamedKeysym kNamedKeysyms[] = {
    {0xff63, 0x49},  // Insert
    {0xff50, 0x4A},  // Home
    {0xff55, 0x4B},  // Prior (Page Up)
    {0xffff, 0x4C},  // Delete
    {0xff57, 0x4D},  // End
    {0xff56, 0x4E},  // Next (Page Down)
    {0xff53, 0x4F},  // Right
    {0xff51, 0x50},  // Left
    {0xff54, 0x51},  // Down
    {0xff52, 0x52},  // Up
    {0xff61, 0x46},  // Print
    {0xff14, 0x47},  // Scroll_Lock
    {0xff13, 0x48},  // Pause
    {0xff67, 0x65},  // Menu (Application)
    {0xfe20, 0x2B},  // ISO_Left_Tab (Shift+Tab: Shift is held)
    {0xff8d, 0x58},  // KP_Enter
    {0xffaf, 0x54},  // KP_Divide
    {0xffaa, 0x55},  // KP_Multiply
    {0xffad, 0x56},  // KP_Subtract
    {0xffab, 0x57},  // KP_Add
    {0xffae, 0x63},  // KP_Decimal
    {0xff9f, 0x63},  // KP_Delete
    {0xffb0, 0x62},  // KP_0
    {0xff9e, 0x62},  // KP_Insert
    {0xff9c, 0x59},  // KP_End
    {0xff99, 0x5A},  // KP_Down
    {0xff9b, 0x5B},  // KP_Next
    {0xff96, 0x5C},  // KP_Left
    {0xff9d, 0x5D},  // KP_Begin
    {0xff98, 0x5E},  // KP_Right
    {0xff95, 0x5F},  // KP_Home
    {0xff97, 0x60},  // KP_Up
    {0xff9a, 0x61},  // KP_Prior
};

std::optional<std::uint8_t> modifier_bit(std::uint32_t keysym) {
  for (const auto& m : kModifierKeys)
    if (m.keysym == keysym) return m.bit;
  return std::nullopt;
}

// The usage of a key that types no character.
std::optional<std::uint8_t> named_usage(std::uint32_t keysym) {
  if (keysym >= 0xffbe && keysym <= 0xffc9) {  // F1..F12
    return static_cast<std::uint8_t>(0x3A + (keysym - 0xffbe));
  }
  if (keysym >= 0xffb1 && keysym <= 0xffb9) {  // KP_1..KP_9
    return static_cast<std::uint8_t>(0x59 + (keysym - 0xffb1));
  }
  // BackSpace, Tab, Return, Escape: the control characters of the `keyboard` file's table.
  if (keysym == 0xff08 || keysym == 0xff09 || keysym == 0xff0d || keysym == 0xff1b) {
    if (const auto stroke = key_for_char(static_cast<char>(keysym & 0xff))) return stroke->usage;
  }
  for (const auto& k : kNamedKeysyms)
    if (k.keysym == keysym) return k.usage;
  return std::nullopt;
}

// The character of a printable keysym: Latin-1 keysyms are their code points, Unicode keysyms
// are 0x01000000 + the code point; the euro sign has its own.
std::optional<char32_t> keysym_char(std::uint32_t keysym) {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) {
    return static_cast<char32_t>(keysym);
  }
  if (keysym >= 0x01000020 && keysym <= 0x0110ffff) {
    return static_cast<char32_t>(keysym - 0x01000000);
  }
  if (keysym == 0x20ac) return U'\u20ac';  // EuroSign
  return std::nullopt;
}

}  // namespace

KeyboardReport KeysymKeyboard::current() const {
  KeyboardReport r = keys_.report();
  const auto printable = std::find_if(held_.rbegin(), held_.rend(),
                                      [](const Held& h) { return h.printable; });
  if (printable != held_.rend()) {
    r.modifiers = static_cast<std::uint8_t>((viewer_modifiers_ & ~kShiftBits) |
                                            printable->modifiers);
  } else {
    r.modifiers = static_cast<std::uint8_t>(viewer_modifiers_ |
                                            (level3_held_ ? kModifierRightAlt : 0));
  }
  return r;
}

void KeysymKeyboard::emit(std::vector<KeyboardReport>& out) {
  const KeyboardReport r = current();
  if (r == last_) return;
  out.push_back(r);
  last_ = r;
}

std::vector<KeyboardReport> KeysymKeyboard::key(bool down, std::uint32_t keysym) {
  std::vector<KeyboardReport> out;
  if (const auto bit = modifier_bit(keysym)) {
    viewer_modifiers_ = static_cast<std::uint8_t>(down ? viewer_modifiers_ | *bit
                                                       : viewer_modifiers_ & ~*bit);
    emit(out);
    return out;
  }
  if (keysym == kLevel3Shift || keysym == kModeSwitch) {
    level3_held_ = down;
    emit(out);
    return out;
  }
  if (std::find(std::begin(kLockKeys), std::end(kLockKeys), keysym) != std::end(kLockKeys)) {
    return out;
  }

  // The key's strokes: one usage (named keys), or the table's strokes for a character.
  std::vector<KeyStroke> strokes;
  bool printable = false;
  if (const auto usage = named_usage(keysym)) {
    strokes.push_back({0, *usage});
  } else if (const auto c = keysym_char(keysym)) {
    printable = true;
    if (layout_) {
      if (const auto* found = layout_->find(*c)) strokes = *found;
    } else if (*c < 0x80) {
      if (const auto stroke = key_for_char(static_cast<char>(*c))) strokes.push_back(*stroke);
    }
  }

  const auto held = std::find_if(held_.begin(), held_.end(), [&](const Held& h) {
    return h.keysym == keysym ||
           (!strokes.empty() && h.printable && h.usage == strokes.back().usage);
  });
  if (!down) {
    if (held == held_.end()) return out;
    const std::uint8_t usage = held->usage;
    held_.erase(held);
    const bool still = std::any_of(held_.begin(), held_.end(),
                                   [&](const Held& h) { return h.usage == usage; });
    if (!still) keys_.release(usage);
    emit(out);
    return out;
  }
  if (strokes.empty() || strokes.size() > 2 || held != held_.end()) return out;  // repeat
  if (strokes.size() == 2) {  // a dead key, pressed and released first
    Held dead{keysym, strokes.front().usage, true, strokes.front().modifiers};
    held_.push_back(dead);
    keys_.press(dead.usage);
    emit(out);
    held_.pop_back();
    keys_.release(dead.usage);
    emit(out);
  }
  const KeyStroke& base = strokes.back();
  held_.push_back({keysym, base.usage, printable, base.modifiers});
  keys_.press(base.usage);
  emit(out);
  return out;
}

std::vector<KeyboardReport> KeysymKeyboard::release_all() {
  std::vector<KeyboardReport> out;
  held_.clear();
  keys_.release_all();
  viewer_modifiers_ = 0;
  level3_held_ = false;
  emit(out);
  return out;
}

}  // namespace ilo::rc
