// session_info: the fixture parses, every field missing or mistyped gives its exact error,
// N-booleans must be 0 or 1, and serialise(parse(fixture)) is the compact fixture.
#include "rest/session_info.hpp"

#include <gtest/gtest.h>

#include "rest_test_support.hpp"

namespace ilo::rest {
namespace {

std::string session_info_body() { return test::read_fixture("session_info.json"); }

TEST(SessionInfo, FixtureParses) {
  auto r = parse_session_info(session_info_body());
  ASSERT_TRUE(r) << r.detail();
  EXPECT_EQ(r->user_name, "Administrator");
  EXPECT_EQ(r->user_account, "Administrator");
  EXPECT_EQ(r->user_dn, "");
  EXPECT_EQ(r->user_type, "Local");
  EXPECT_EQ(r->user_ip, "10.139.205.102");
  EXPECT_EQ(r->user_expires, "Fri Jan 01 20:11:02 2021");
  EXPECT_TRUE(r->login_priv && r->remote_cons_priv && r->virtual_media_priv && r->reset_priv &&
              r->config_priv && r->user_priv);
}

TEST(SessionInfo, RoundTripIsTheCompactFixture) {
  auto r = parse_session_info(session_info_body());
  ASSERT_TRUE(r) << r.detail();
  const std::string out = serialise(r.value());
  EXPECT_EQ(out,
            R"({"user_name":"Administrator","user_account":"Administrator","user_dn":"",)"
            R"("user_type":"Local","user_ip":"10.139.205.102",)"
            R"("user_expires":"Fri Jan 01 20:11:02 2021","login_priv":1,"remote_cons_priv":1,)"
            R"("virtual_media_priv":1,"reset_priv":1,"config_priv":1,"user_priv":1})");
  EXPECT_EQ(out, test::compact_fixture("session_info.json"));
  EXPECT_TRUE(test::no_whitespace_outside_strings(out));
  auto again = parse_session_info(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value(), r.value());
}

TEST(SessionInfo, PrivilegesFalseRoundTrip) {
  SessionInfo info;
  info.user_name = "op";
  info.remote_cons_priv = true;
  const std::string out = serialise(info);
  auto back = parse_session_info(out);
  ASSERT_TRUE(back) << back.detail();
  EXPECT_EQ(back.value(), info);
  EXPECT_NE(out.find(R"("reset_priv":0)"), std::string::npos);
}

class SessionInfoField : public ::testing::TestWithParam<const char*> {};

TEST_P(SessionInfoField, MissingAndMistyped) {
  const std::string field = GetParam();
  const bool is_flag = field.ends_with("_priv");
  auto missing = parse_session_info(test::without(session_info_body(), "/" + field));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RestError::missing_field);
  EXPECT_EQ(missing.detail(), "session_info: field '" + field + "' is missing");

  auto mistyped = parse_session_info(
      test::with(session_info_body(), "/" + field, is_flag ? test::Ordered("1") : test::Ordered(1)));
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error(), RestError::wrong_type);
  EXPECT_EQ(mistyped.detail(), "session_info: field '" + field + "' must be a " +
                                   (is_flag ? "number" : "string"));
  if (is_flag) {
    auto two = parse_session_info(test::with(session_info_body(), "/" + field, 2));
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error(), RestError::bad_value);
    EXPECT_EQ(two.detail(), "session_info: field '" + field + "' must be 0 or 1");
  }
}

INSTANTIATE_TEST_SUITE_P(Fields, SessionInfoField,
                         ::testing::Values("user_name", "user_account", "user_dn", "user_type",
                                           "user_ip", "user_expires", "login_priv",
                                           "remote_cons_priv", "virtual_media_priv",
                                           "reset_priv", "config_priv", "user_priv"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace ilo::rest
