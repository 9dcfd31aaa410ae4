// KeysymKeyboard: VNC keysyms to HID reports through the `keyboard` file's tables: a held Shift
// is not pressed twice, characters get the modifiers the server's layout needs, named keys keep
// the viewer's modifiers, Ctrl-Alt-Delete, dead keys, releases after the modifier went up.
#include <gtest/gtest.h>

#include "rc/keysym_keyboard.hpp"

namespace {

using ilo::rc::KeyboardReport;
using ilo::rc::KeysymKeyboard;
using ilo::rc::KeyLayout;
using ilo::rc::KeyStroke;

KeyboardReport report(std::uint8_t modifiers, std::initializer_list<std::uint8_t> keys = {}) {
  KeyboardReport r;
  r.modifiers = modifiers;
  std::size_t i = 0;
  for (auto k : keys) r.keys[i++] = k;
  return r;
}

using Reports = std::vector<KeyboardReport>;

constexpr std::uint32_t kShiftL = 0xffe1, kControlL = 0xffe3, kAltL = 0xffe9;
constexpr std::uint32_t kDelete = 0xffff, kReturn = 0xff0d, kF1 = 0xffbe, kTab = 0xff09;
constexpr std::uint32_t kLevel3 = 0xfe03, kCapsLock = 0xffe5;

TEST(KeysymKeyboard, LowerCaseLetterIsOneKey) {
  KeysymKeyboard kb;
  EXPECT_EQ(kb.key(true, 'a'), Reports{report(0, {0x04})});
  EXPECT_EQ(kb.key(true, 'a'), Reports{});  // auto-repeat: already held
  EXPECT_EQ(kb.key(false, 'a'), Reports{report(0)});
  EXPECT_EQ(kb.key(false, 'a'), Reports{});  // not held
}

TEST(KeysymKeyboard, ShiftThenUpperCaseHoldsShiftOnce) {
  KeysymKeyboard kb;
  EXPECT_EQ(kb.key(true, kShiftL), Reports{report(0x02)});
  EXPECT_EQ(kb.key(true, 'A'), Reports{report(0x02, {0x04})});
  EXPECT_EQ(kb.key(false, 'A'), Reports{report(0x02)});
  EXPECT_EQ(kb.key(false, kShiftL), Reports{report(0)});
}

TEST(KeysymKeyboard, ShiftReleasedBeforeTheLetterReleasesTheLetter) {
  KeysymKeyboard kb;
  kb.key(true, kShiftL);
  kb.key(true, 'A');
  // While the letter is held its own Shift stays; the viewer then says 'a' goes up.
  EXPECT_EQ(kb.key(false, kShiftL), Reports{});
  EXPECT_EQ(kb.key(false, 'a'), Reports{report(0)});
}

TEST(KeysymKeyboard, CharacterGetsTheShiftTheServerNeeds) {
  KeysymKeyboard kb;
  // A viewer whose own layout types '/' with Shift (German): the US server needs no Shift.
  kb.key(true, kShiftL);
  EXPECT_EQ(kb.key(true, '/'), Reports{report(0, {0x38})});
  EXPECT_EQ(kb.key(false, '/'), Reports{report(0x02)});
  kb.key(false, kShiftL);
  // '!' without the viewer's Shift (a keysym from an on-screen keyboard) gets Shift.
  EXPECT_EQ(kb.key(true, '!'), Reports{report(0x02, {0x1E})});
}

TEST(KeysymKeyboard, ControlIsKeptWithLetters) {
  KeysymKeyboard kb;
  kb.key(true, kControlL);
  EXPECT_EQ(kb.key(true, 'c'), Reports{report(0x01, {0x06})});
  kb.key(false, 'c');
  kb.key(true, kShiftL);
  EXPECT_EQ(kb.key(true, 'C'), Reports{report(0x03, {0x06})});
}

TEST(KeysymKeyboard, CtrlAltDeleteAsAViewerSendsIt) {
  KeysymKeyboard kb;
  EXPECT_EQ(kb.key(true, kControlL), Reports{report(0x01)});
  EXPECT_EQ(kb.key(true, kAltL), Reports{report(0x05)});
  EXPECT_EQ(kb.key(true, kDelete), Reports{report(0x05, {0x4C})});
  EXPECT_EQ(kb.key(false, kDelete), Reports{report(0x05)});
  EXPECT_EQ(kb.key(false, kAltL), Reports{report(0x01)});
  EXPECT_EQ(kb.key(false, kControlL), Reports{report(0)});
}

TEST(KeysymKeyboard, NamedKeysKeepTheViewersModifiers) {
  KeysymKeyboard kb;
  EXPECT_EQ(kb.key(true, kReturn), Reports{report(0, {0x28})});
  kb.key(false, kReturn);
  EXPECT_EQ(kb.key(true, kF1), Reports{report(0, {0x3A})});
  kb.key(false, kF1);
  EXPECT_EQ(kb.key(true, 0xffc9), Reports{report(0, {0x45})});  // F12
  kb.key(false, 0xffc9);
  kb.key(true, kShiftL);
  EXPECT_EQ(kb.key(true, kTab), Reports{report(0x02, {0x2B})});
  kb.key(false, kTab);
  kb.key(false, kShiftL);
  kb.key(true, kLevel3);  // AltGr alone with a non-character key: right Alt
  EXPECT_EQ(kb.key(true, 0xff52), Reports{report(0x40, {0x52})});  // Up
}

TEST(KeysymKeyboard, LocksAndUnknownKeysymsSendNothing) {
  KeysymKeyboard kb;
  EXPECT_EQ(kb.key(true, kCapsLock), Reports{});
  EXPECT_EQ(kb.key(true, 0x1008ff13), Reports{});  // XF86AudioRaiseVolume
  EXPECT_EQ(kb.key(true, 0xe9), Reports{});        // é: not on a US keyboard
}

TEST(KeysymKeyboard, LayoutTableWithAltGrAndDeadKeys) {
  KeyLayout de("de");
  de.offer(U'@', {KeyStroke{0x40, 0x14}});                        // AltGr+q
  de.offer(U'z', {KeyStroke{0, 0x1C}});                           // the Y position
  de.offer(U'\u00ea', {KeyStroke{0, 0x35}, KeyStroke{0, 0x08}});  // dead ^ then e
  KeysymKeyboard kb(&de);
  // The viewer's AltGr is replaced by the table's (here the same).
  kb.key(true, kLevel3);
  EXPECT_EQ(kb.key(true, '@'), Reports{report(0x40, {0x14})});
  kb.key(false, '@');
  kb.key(false, kLevel3);
  EXPECT_EQ(kb.key(true, 'z'), Reports{report(0, {0x1C})});
  kb.key(false, 'z');
  EXPECT_EQ(kb.key(true, 0xea),
            (Reports{report(0, {0x35}), report(0), report(0, {0x08})}));
  EXPECT_EQ(kb.key(false, 0xea), Reports{report(0)});
  EXPECT_EQ(kb.key(true, 'y'), Reports{});  // not in this small table
  // Unicode keysyms (0x01000000 + code point) are characters too.
  EXPECT_EQ(kb.key(true, 0x010000ea), (Reports{report(0, {0x35}), report(0), report(0, {0x08})}));
}

TEST(KeysymKeyboard, ReleaseAllLetsEverythingGo) {
  KeysymKeyboard kb;
  kb.key(true, kControlL);
  kb.key(true, 'x');
  EXPECT_EQ(kb.release_all(), Reports{report(0)});
  EXPECT_EQ(kb.release_all(), Reports{});
  EXPECT_EQ(kb.key(true, 'x'), Reports{report(0, {0x1B})});
}

}  // namespace
