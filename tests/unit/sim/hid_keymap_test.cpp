// HID usage <-> ASCII tables round-trip over all printable ASCII.
#include "sim/hid_keymap.hpp"

#include <gtest/gtest.h>

namespace ilo::sim {
namespace {

TEST(HidKeymap, EveryPrintableAsciiRoundTrips) {
  for (char c = 0x20; c < 0x7F; ++c) {
    auto k = ascii_to_hid(c);
    ASSERT_TRUE(k) << "no key for '" << c << "'";
    EXPECT_EQ(hid_to_ascii(k->usage, k->shift), c);
  }
  EXPECT_EQ(hid_to_ascii(0x28, false), '\n');
  EXPECT_EQ(hid_to_ascii(0x2A, false), '\b');
  EXPECT_FALSE(hid_to_ascii(0x3A, false));  // F1
  // The keypad with Num Lock on, Shift or not.
  const char keypad[] = "/*-+\n1234567890.";
  for (std::uint8_t u = 0x54; u <= 0x63; ++u) {
    EXPECT_EQ(hid_to_ascii(u, false), keypad[u - 0x54]) << int{u};
    EXPECT_EQ(hid_to_ascii(u, true), keypad[u - 0x54]) << int{u};
  }
  EXPECT_FALSE(hid_to_ascii(0x53, false));  // Num Lock
  EXPECT_FALSE(hid_to_ascii(0x64, false));  // non-US backslash
  EXPECT_FALSE(hid_to_ascii(0x00, false));
}

}  // namespace
}  // namespace ilo::sim
