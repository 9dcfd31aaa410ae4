// login_session: the request bodies are built exactly (compact, Java key order), refused when
// not UTF-8 without quoting the secret, parsed back by the simulator side; the login reply
// needs a 32 lower-case hex session_key and parses embedded session_info strictly.
#include "rest/login_session.hpp"

#include <gtest/gtest.h>

#include "rest_test_support.hpp"

namespace ilo::rest {
namespace {

using test::kKey;
using test::key;

TEST(SessionKey, OnlyLowerCaseHex32) {
  EXPECT_TRUE(SessionKey::from_text(kKey));
  EXPECT_FALSE(SessionKey::from_text("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(SessionKey::from_text("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(SessionKey::from_text("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(SessionKey::from_text("0123456789abcdef0123456789abcdeg"));
  EXPECT_FALSE(SessionKey::from_text(""));
}

TEST(LoginRequest, BuildsCompactBody) {
  auto body = build_login_request("Administrator", "pa\"ss:w,rd");
  ASSERT_TRUE(body) << body.detail();
  EXPECT_EQ(body.value(),
            R"({"method":"login","user_login":"Administrator","password":"pa\"ss:w,rd"})");
  EXPECT_TRUE(test::no_whitespace_outside_strings(body.value()));
}

TEST(LoginRequest, RefusesNonUtf8WithoutQuotingIt) {
  const std::string secret = "s3cr\xff" "et";
  auto bad_password = build_login_request("admin", secret);
  ASSERT_FALSE(bad_password);
  EXPECT_EQ(bad_password.error(), RestError::not_utf8);
  EXPECT_EQ(bad_password.detail(), "login_session request: field 'password' is not valid UTF-8");
  auto bad_user = build_login_request("\xc0\x80", "x");
  ASSERT_FALSE(bad_user);
  EXPECT_EQ(bad_user.detail(), "login_session request: field 'user_login' is not valid UTF-8");
  auto utf8 = build_login_request("J\xc3\xb6rg", "\xe2\x82\xac");
  ASSERT_TRUE(utf8);
  EXPECT_EQ(utf8.value(), "{\"method\":\"login\",\"user_login\":\"J\xc3\xb6rg\",\"password\":\"\xe2\x82\xac\"}");
}

TEST(LoginRequest, SimulatorParsesLoginAndLogout) {
  auto login = parse_login_session_request(build_login_request("u", "p").value());
  ASSERT_TRUE(login) << login.detail();
  ASSERT_TRUE(std::holds_alternative<LoginRequest>(login.value()));
  EXPECT_EQ(std::get<LoginRequest>(login.value()), (LoginRequest{"u", "p"}));

  const std::string logout_body = build_logout_request(key());
  EXPECT_EQ(logout_body, R"({"method":"logout","session_key":"0123456789abcdef0123456789abcdef"})");
  auto logout = parse_login_session_request(logout_body);
  ASSERT_TRUE(logout) << logout.detail();
  ASSERT_TRUE(std::holds_alternative<LogoutRequest>(logout.value()));
  EXPECT_EQ(std::get<LogoutRequest>(logout.value()).session_key, key());
}

TEST(LoginRequest, SimulatorRefusesBadRequests) {
  struct Case {
    const char* body;
    RestError code;
    const char* detail;
  };
  const Case cases[] = {
      {R"({"user_login":"u","password":"p"})", RestError::missing_field,
       "login_session request: field 'method' is missing"},
      {R"({"method":"LOGIN","user_login":"u","password":"p"})", RestError::bad_value,
       "login_session request: field 'method' must be \"login\" or \"logout\""},
      {R"({"method":"login","password":"p"})", RestError::missing_field,
       "login_session request: field 'user_login' is missing"},
      {R"({"method":"login","user_login":"u","password":1})", RestError::wrong_type,
       "login_session request: field 'password' must be a string"},
      {R"({"method":"logout"})", RestError::missing_field,
       "login_session request: field 'session_key' is missing"},
      {R"({"method":"logout","session_key":"0123456789ABCDEF0123456789abcdef"})",
       RestError::bad_value,
       "login_session request: field 'session_key' must be 32 lower-case hex digits"},
      {R"(["login"])", RestError::wrong_type, "login_session request: body must be a JSON object"},
      {"{", RestError::not_json, "login_session request: body is not valid JSON"},
  };
  for (const Case& c : cases) {
    auto r = parse_login_session_request(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error(), c.code) << c.body;
    EXPECT_EQ(r.detail(), c.detail);
  }
}

TEST(LoginReply, KeyOnly) {
  auto r = parse_login_reply(R"({"session_key":"0123456789abcdef0123456789abcdef"})");
  ASSERT_TRUE(r) << r.detail();
  EXPECT_EQ(r->session_key, key());
  EXPECT_FALSE(r->session_info);
  EXPECT_EQ(serialise(r.value()), R"({"session_key":"0123456789abcdef0123456789abcdef"})");
}

TEST(LoginReply, WithSessionInfoRoundTrips) {
  const std::string info = test::compact_fixture("session_info.json");
  const std::string body = R"({"session_key":")" + std::string(kKey) + "\"," + info.substr(1);
  auto r = parse_login_reply(body);
  ASSERT_TRUE(r) << r.detail();
  ASSERT_TRUE(r->session_info);
  EXPECT_EQ(r->session_info->user_name, "Administrator");
  EXPECT_TRUE(r->session_info->remote_cons_priv);
  const std::string out = serialise(r.value());
  EXPECT_EQ(out, body);
  EXPECT_TRUE(test::no_whitespace_outside_strings(out));

  auto partial = parse_login_reply(test::without(body, "/reset_priv"));
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error(), RestError::missing_field);
  EXPECT_EQ(partial.detail(), "login_session: field 'reset_priv' is missing");
}

TEST(LoginReply, SessionKeyRules) {
  auto missing = parse_login_reply(R"({"user_name":"x"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RestError::missing_field);
  EXPECT_EQ(missing.detail(), "login_session: field 'session_key' is missing");

  auto number = parse_login_reply(R"({"session_key":1})");
  ASSERT_FALSE(number);
  EXPECT_EQ(number.error(), RestError::wrong_type);
  EXPECT_EQ(number.detail(), "login_session: field 'session_key' must be a string");

  const std::string upper = "0123456789ABCDEF0123456789abcdef";
  auto bad = parse_login_reply(R"({"session_key":")" + upper + "\"}");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), RestError::bad_value);
  EXPECT_EQ(bad.detail(), "login_session: field 'session_key' must be 32 lower-case hex digits");
  EXPECT_EQ(bad.detail().find(upper), std::string::npos);
}

}  // namespace
}  // namespace ilo::rest
