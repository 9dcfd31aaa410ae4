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

}  // namespace
}  // namespace ilo
