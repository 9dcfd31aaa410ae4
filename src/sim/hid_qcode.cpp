// The HID usage -> QKeyCode table (see hid_qcode.hpp), written from the HID Usage Tables'
// keyboard page and QEMU's qapi/ui.json QKeyCode list.
#include "sim/hid_qcode.hpp"

#include <array>

namespace ilo::sim {
namespace {

struct Entry {
  std::uint8_t usage;
  std::string_view qcode;
};

constexpr Entry kTable[] = {
    {0x04, "a"}, {0x05, "b"}, {0x06, "c"}, {0x07, "d"}, {0x08, "e"}, {0x09, "f"},
    {0x0A, "g"}, {0x0B, "h"}, {0x0C, "i"}, {0x0D, "j"}, {0x0E, "k"}, {0x0F, "l"},
    {0x10, "m"}, {0x11, "n"}, {0x12, "o"}, {0x13, "p"}, {0x14, "q"}, {0x15, "r"},
    {0x16, "s"}, {0x17, "t"}, {0x18, "u"}, {0x19, "v"}, {0x1A, "w"}, {0x1B, "x"},
    {0x1C, "y"}, {0x1D, "z"},
    {0x1E, "1"}, {0x1F, "2"}, {0x20, "3"}, {0x21, "4"}, {0x22, "5"}, {0x23, "6"},
    {0x24, "7"}, {0x25, "8"}, {0x26, "9"}, {0x27, "0"},
    {0x28, "ret"}, {0x29, "esc"}, {0x2A, "backspace"}, {0x2B, "tab"}, {0x2C, "spc"},
    {0x2D, "minus"}, {0x2E, "equal"}, {0x2F, "bracket_left"}, {0x30, "bracket_right"},
    {0x31, "backslash"},
    {0x32, "backslash"},  // Non-US # and ~: the same PC scan code as Backslash (0x2B)
    {0x33, "semicolon"}, {0x34, "apostrophe"}, {0x35, "grave_accent"}, {0x36, "comma"},
    {0x37, "dot"}, {0x38, "slash"}, {0x39, "caps_lock"},
    {0x3A, "f1"}, {0x3B, "f2"}, {0x3C, "f3"}, {0x3D, "f4"}, {0x3E, "f5"}, {0x3F, "f6"},
    {0x40, "f7"}, {0x41, "f8"}, {0x42, "f9"}, {0x43, "f10"}, {0x44, "f11"}, {0x45, "f12"},
    {0x46, "print"}, {0x47, "scroll_lock"}, {0x48, "pause"}, {0x49, "insert"},
    {0x4A, "home"}, {0x4B, "pgup"}, {0x4C, "delete"}, {0x4D, "end"}, {0x4E, "pgdn"},
    {0x4F, "right"}, {0x50, "left"}, {0x51, "down"}, {0x52, "up"},
    {0x53, "num_lock"}, {0x54, "kp_divide"}, {0x55, "kp_multiply"}, {0x56, "kp_subtract"},
    {0x57, "kp_add"}, {0x58, "kp_enter"},
    {0x59, "kp_1"}, {0x5A, "kp_2"}, {0x5B, "kp_3"}, {0x5C, "kp_4"}, {0x5D, "kp_5"},
    {0x5E, "kp_6"}, {0x5F, "kp_7"}, {0x60, "kp_8"}, {0x61, "kp_9"}, {0x62, "kp_0"},
    {0x63, "kp_decimal"},
    {0x64, "less"},       // Non-US \ and | (the ISO key beside left Shift)
    {0x65, "compose"},    // Application (the context-menu key)
    {0x66, "power"}, {0x67, "kp_equals"},
    // F13-F24 (0x68-0x73) have no QKeyCode in QEMU 7.2.
    {0x75, "help"}, {0x76, "menu"}, {0x77, "front"}, {0x78, "stop"}, {0x79, "again"},
    {0x7A, "undo"}, {0x7B, "cut"}, {0x7C, "copy"}, {0x7D, "paste"}, {0x7E, "find"},
    {0x7F, "audiomute"}, {0x80, "volumeup"}, {0x81, "volumedown"},
    {0x85, "kp_comma"},
    {0x87, "ro"},          // International1
    {0x88, "katakanahiragana"},  // International2
    {0x89, "yen"},         // International3
    {0x8A, "henkan"},      // International4
    {0x8B, "muhenkan"},    // International5
    {0x90, "lang1"}, {0x91, "lang2"},
    {0xE0, "ctrl"}, {0xE1, "shift"}, {0xE2, "alt"}, {0xE3, "meta_l"},
    {0xE4, "ctrl_r"}, {0xE5, "shift_r"}, {0xE6, "alt_r"}, {0xE7, "meta_r"},
};

constexpr std::array<std::string_view, 256> make_index() {
  std::array<std::string_view, 256> index{};
  for (const auto& e : kTable) index[e.usage] = e.qcode;
  return index;
}

constexpr auto kIndex = make_index();

}  // namespace

std::string_view hid_to_qcode(std::uint8_t usage) noexcept { return kIndex[usage]; }

}  // namespace ilo::sim
