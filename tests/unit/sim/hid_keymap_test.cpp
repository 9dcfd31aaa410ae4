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
  EXPECT_FALSE(hid_to_ascii(0x00, false));
}

}  // namespace
}  // namespace ilo::sim
