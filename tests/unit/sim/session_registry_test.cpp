// Simulated web sessions: login, lock-out, expiry, connect-key matching.
#include "sim/session_registry.hpp"

#include <gtest/gtest.h>

#include "rc/key_encoding.hpp"

namespace ilo::sim {
namespace {

using namespace std::chrono_literals;
using TP = SessionRegistry::TimePoint;

TEST(SessionRegistry, LoginIssuesFreshKeysWithMixedCaseEncKey) {
  SessionRegistry r("Administrator", "secret");
  WebSession a, b;
  ASSERT_EQ(r.login("Administrator", "secret", TP{}, a), LoginResult::ok);
  ASSERT_EQ(r.login("Administrator", "secret", TP{}, b), LoginResult::ok);
  EXPECT_NE(a.session_key, b.session_key);
  EXPECT_NE(a.enc_key, b.enc_key);
  EXPECT_EQ(a.session_key.size(), 32u);
  EXPECT_NE(a.enc_key.find_first_of("ABCDEF"), std::string::npos);
  EXPECT_NE(a.enc_key.find_first_of("abcdef"), std::string::npos);
  EXPECT_TRUE(r.touch(a.session_key, TP{} + 1s));
}

TEST(SessionRegistry, LocksOutAfterThreeFailures) {
  SessionRegistry r("Administrator", "secret");
  WebSession s;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.login("Administrator", "nope", TP{}, s), LoginResult::bad_credentials);
  EXPECT_EQ(r.login("Administrator", "secret", TP{} + 9s, s), LoginResult::locked_out);
  EXPECT_EQ(r.login("Administrator", "secret", TP{} + 10s, s), LoginResult::ok);
  EXPECT_EQ(r.failed_logins(), 4u);
}

TEST(SessionRegistry, SessionsExpireWhenIdleAndOnLogout) {
  SessionRegistry r("u", "p");
  WebSession s;
  ASSERT_EQ(r.login("u", "p", TP{}, s), LoginResult::ok);
  EXPECT_TRUE(r.touch(s.session_key, TP{} + 299s));
  EXPECT_TRUE(r.touch(s.session_key, TP{} + 598s));  // touching pushed expiry back
  EXPECT_FALSE(r.touch(s.session_key, TP{} + 898s));
  ASSERT_EQ(r.login("u", "p", TP{}, s), LoginResult::ok);
  r.logout(s.session_key);
  EXPECT_FALSE(r.touch(s.session_key, TP{}));
}

TEST(SessionRegistry, MatchesConnectKeyCaseSensitively) {
  SessionRegistry r("u", "p");
  WebSession s;
  ASSERT_EQ(r.login("u", "p", TP{}, s), LoginResult::ok);
  std::error_code ec;
  auto good = rc::encode_session_key(s.session_key, s.enc_key, true, ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(r.match_connect_key(good, true, TP{}));
  EXPECT_FALSE(r.match_connect_key(good, false, TP{}));
  std::string lower = s.enc_key;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto wrong_case = rc::encode_session_key(s.session_key, lower, true, ec);
  EXPECT_FALSE(r.match_connect_key(wrong_case, true, TP{}));
  auto plain = rc::encode_session_key(s.session_key, "", false, ec);
  EXPECT_TRUE(r.match_connect_key(plain, false, TP{}));
}

TEST(SessionRegistry, RefusesLoginsUnderFault) {
  SessionRegistry r("u", "p");
  r.set_refuse_logins(true);
  WebSession s;
  EXPECT_EQ(r.login("u", "p", TP{}, s), LoginResult::refused_by_fault);
}

}  // namespace
}  // namespace ilo::sim
