// The HID usage -> QKeyCode table: every name it gives is one QEMU 7.2 accepts (the QKeyCode
// enum as query-qmp-schema lists it), and the keys the tests and the keyboard file use map.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "sim/hid_qcode.hpp"

namespace ilo::sim {
namespace {

// QEMU 7.2's QKeyCode values, from query-qmp-schema.
const char* const kQKeyCodes =
    "unmapped shift shift_r alt alt_r ctrl ctrl_r menu esc 1 2 3 4 5 6 7 8 9 0 minus equal "
    "backspace tab q w e r t y u i o p bracket_left bracket_right ret a s d f g h j k l "
    "semicolon apostrophe grave_accent backslash z x c v b n m comma dot slash asterisk spc "
    "caps_lock f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 num_lock scroll_lock kp_divide kp_multiply "
    "kp_subtract kp_add kp_enter kp_decimal sysrq kp_0 kp_1 kp_2 kp_3 kp_4 kp_5 kp_6 kp_7 "
    "kp_8 kp_9 less f11 f12 print home pgup pgdn end left up down right insert delete stop "
    "again props undo front copy open paste find cut lf help meta_l meta_r compose pause ro "
    "hiragana henkan yen muhenkan katakanahiragana kp_comma kp_equals power sleep wake "
    "audionext audioprev audiostop audioplay audiomute volumeup volumedown mediaselect mail "
    "calculator computer ac_home ac_back ac_forward ac_refresh ac_bookmarks lang1 lang2";

TEST(HidQcode, EveryNameIsAQemuKeyCode) {
  std::set<std::string> known;
  std::istringstream in(kQKeyCodes);
  for (std::string w; in >> w;) known.insert(w);
  int mapped = 0;
  for (int u = 0; u < 256; ++u) {
    const auto q = hid_to_qcode(static_cast<std::uint8_t>(u));
    if (q.empty()) continue;
    ++mapped;
    EXPECT_TRUE(known.count(std::string(q))) << "usage " << u << " -> " << q;
  }
  EXPECT_GE(mapped, 120);
}

TEST(HidQcode, KeysTheTestsType) {
  const std::pair<std::uint8_t, std::string_view> cases[] = {
      {0x04, "a"},     {0x06, "c"},     {0x1E, "1"},     {0x27, "0"},      {0x28, "ret"},
      {0x2C, "spc"},   {0x51, "down"},  {0x52, "up"},    {0x2D, "minus"},  {0xE1, "shift"},
      {0xE6, "alt_r"}, {0x00, ""},
      {0x68, ""},  // F13: none in QEMU 7.2
  };
  for (const auto& [usage, qcode] : cases) {
    EXPECT_EQ(hid_to_qcode(usage), qcode) << "usage " << int(usage);
  }
}

}  // namespace
}  // namespace ilo::sim
