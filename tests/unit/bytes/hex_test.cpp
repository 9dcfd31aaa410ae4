// Strict hex parsing.
#include "bytes/hex.hpp"

#include <gtest/gtest.h>

namespace ilo {
namespace {

TEST(Hex, ParsesMixedCaseAndSpaces) {
  auto b = parse_hex("bbAc d8");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (Bytes{0xbb, 0xac, 0xd8}));
  EXPECT_EQ(to_hex(*b), "bbacd8");
}

TEST(Hex, RejectsBadInput) {
  EXPECT_FALSE(parse_hex("abc"));
  EXPECT_FALSE(parse_hex("zz"));
  EXPECT_FALSE(parse_hex("a b"));
  EXPECT_TRUE(parse_hex("")->empty());
}

TEST(Hex, SeparatedLowerCase) {
  const Bytes b{0xAB, 0x0C, 0xEF};
  EXPECT_EQ(to_hex(b, ':'), "ab:0c:ef");
  EXPECT_EQ(to_hex(Bytes{0x01}, ':'), "01");
  EXPECT_EQ(to_hex(Bytes{}, ':'), "");
}

TEST(Hex, DigitsBothWays) {
  for (unsigned v = 0; v < 16; ++v) EXPECT_EQ(hex_value(hex_digit(v)), static_cast<int>(v));
  EXPECT_EQ(hex_digit(0x1F), 'f');  // only the low four bits count
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value(':'), -1);
}

}  // namespace
}  // namespace ilo
