// The iLO error body: the lost-session body parses and serialises byte for byte; message is
// required; details may be null, absent or a string.
#include "rest/ilo_error_body.hpp"

#include <gtest/gtest.h>

namespace ilo::rest {
namespace {

constexpr std::string_view kLost = R"({"message":"JS_ERR_LOST_SESSION","details":null})";

TEST(IloErrorBody, LostSessionRoundTrip) {
  auto r = parse_ilo_error_body(kLost);
  ASSERT_TRUE(r) << r.detail();
  EXPECT_EQ(r->message, kLostSession);
  EXPECT_FALSE(r->details);
  EXPECT_EQ(serialise(r.value()), kLost);
  EXPECT_EQ(serialise(IloErrorBody{std::string(kNoPrivilege), std::nullopt}),
            R"({"message":"JS_ERR_NO_PRIV","details":null})");
}

TEST(IloErrorBody, Details) {
  auto with = parse_ilo_error_body(R"({"message":"SCSI_ERR_NO_LICENSE","details":"x"})");
  ASSERT_TRUE(with) << with.detail();
  EXPECT_EQ(with->message, kNoLicense);
  EXPECT_EQ(with->details, "x");
  EXPECT_EQ(serialise(with.value()), R"({"message":"SCSI_ERR_NO_LICENSE","details":"x"})");
  EXPECT_TRUE(parse_ilo_error_body(R"({"message":"M"})"));
  auto bad = parse_ilo_error_body(R"({"message":"M","details":[]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.detail(), "error body: field 'details' must be a string or null");
}

TEST(IloErrorBody, MessageRequired) {
  auto missing = parse_ilo_error_body(R"({"details":null})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RestError::missing_field);
  EXPECT_EQ(missing.detail(), "error body: field 'message' is missing");
  auto mistyped = parse_ilo_error_body(R"({"message":null,"details":null})");
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error(), RestError::wrong_type);
  EXPECT_EQ(mistyped.detail(), "error body: field 'message' must be a string");
}

}  // namespace
}  // namespace ilo::rest
