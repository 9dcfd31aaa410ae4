// Shared payload machinery: body-level failures (size, syntax, top-level type, UTF-8), every
// truncation of every fixture refused cleanly, the UTF-8 check, and the error category.
#include "rest/json_fields.hpp"

#include <gtest/gtest.h>

#include "rest/rc_info.hpp"
#include "rest/session_info.hpp"
#include "rest/vm_status.hpp"
#include "rest_test_support.hpp"

namespace ilo::rest {
namespace {

TEST(RestBody, BodyLevelFailures) {
  struct Case {
    std::string body;
    RestError code;
    const char* detail;
  };
  const Case cases[] = {
      {"", RestError::not_json, "rc_info: body is not valid JSON"},
      {"{\"enc_key\":", RestError::not_json, "rc_info: body is not valid JSON"},
      {"{} x", RestError::not_json, "rc_info: body is not valid JSON"},
      {"{/*c*/}", RestError::not_json, "rc_info: body is not valid JSON"},
      {"{\"server_name\":\"\xff\"}", RestError::not_json, "rc_info: body is not valid JSON"},
      {"[]", RestError::wrong_type, "rc_info: body must be a JSON object"},
      {"null", RestError::wrong_type, "rc_info: body must be a JSON object"},
      {"17990", RestError::wrong_type, "rc_info: body must be a JSON object"},
      {"{}", RestError::missing_field, "rc_info: field 'enc_key' is missing"},
      {std::string(detail::kMaxBodyBytes + 1, ' '), RestError::body_too_large,
       "rc_info: body larger than 65536 bytes"},
  };
  for (const Case& c : cases) {
    auto r = parse_rc_info(c.body);
    ASSERT_FALSE(r) << c.body.substr(0, 40);
    EXPECT_EQ(r.error(), c.code) << c.body.substr(0, 40);
    EXPECT_EQ(r.detail(), c.detail);
  }
  // Whitespace is fine on input (the fixtures are indented); the limit is on the whole body.
  std::string padded = test::read_fixture("rc_info.json");
  padded.resize(detail::kMaxBodyBytes, ' ');
  EXPECT_TRUE(parse_rc_info(padded));
}

TEST(RestBody, DeepNestingIsRefusedWithoutCrashing) {
  const std::string deep = "{\"enc_key\":" + std::string(30000, '[') + std::string(30000, ']') + "}";
  auto r = parse_rc_info(deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.detail(), "rc_info: field 'enc_key' must be a string");
}

TEST(RestBody, EveryTruncationOfEveryFixtureIsRefused) {
  const std::string rc = test::compact_fixture("rc_info.json");
  const std::string si = test::compact_fixture("session_info.json");
  const std::string vm = test::compact_fixture("vm_status.json");
  for (std::size_t n = 0; n < rc.size(); ++n) EXPECT_FALSE(parse_rc_info(rc.substr(0, n))) << n;
  for (std::size_t n = 0; n < si.size(); ++n)
    EXPECT_FALSE(parse_session_info(si.substr(0, n))) << n;
  for (std::size_t n = 0; n < vm.size(); ++n) EXPECT_FALSE(parse_vm_status(vm.substr(0, n))) << n;
  EXPECT_TRUE(parse_rc_info(rc));
  EXPECT_TRUE(parse_session_info(si));
  EXPECT_TRUE(parse_vm_status(vm));
}

TEST(RestBody, Utf8Check) {
  using detail::is_utf8;
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("plain ascii"));
  EXPECT_TRUE(is_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(is_utf8("\x80"));              // stray continuation
  EXPECT_FALSE(is_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_utf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(is_utf8("\xe0\x80\xaf"));      // overlong '/'
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_utf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_utf8("a\xc3(b"));           // bad continuation
}

TEST(RestBody, ErrorCategory) {
  const std::error_code ec = RestError::missing_field;
  EXPECT_STREQ(ec.category().name(), "ilo.rest");
  EXPECT_EQ(ec.message(), "required JSON field missing");
  Result<int> ok = 3;
  EXPECT_TRUE(ok);
  EXPECT_FALSE(ok.error());
  EXPECT_EQ(ok.detail(), "");
}

}  // namespace
}  // namespace ilo::rest
