// Unit tests of net::Backoff and net::classify_end (connection_policy.hpp): doubling, the cap,
// jitter bounds, the stable reset, exhaustion, and which ends retry, renew keys or stop.
// Pure arithmetic: no timer waits.
#include <gtest/gtest.h>

#include <chrono>

#include "net/connection_policy.hpp"
#include "net/net_error.hpp"
#include "rc/rc_error.hpp"
#include "vm/vm_error.hpp"

namespace ilo::net {
namespace {

using namespace std::chrono_literals;

ConnectionPolicy exact(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  ConnectionPolicy p;
  p.backoff_initial = initial;
  p.backoff_max = max;
  p.jitter = 0;
  return p;
}

TEST(Backoff, DoublesUpToTheCap) {
  Backoff b(exact(500ms, 10'000ms));
  const std::chrono::milliseconds expected[] = {500ms,   1000ms,   2000ms,  4000ms,
                                                8000ms,  10'000ms, 10'000ms};
  for (const auto e : expected) EXPECT_EQ(b.next(), e);
  EXPECT_EQ(b.failures(), 7u);
}

TEST(Backoff, CapBelowInitialIsRaisedToIt) {
  Backoff b(exact(300ms, 100ms));
  EXPECT_EQ(b.next(), 300ms);
  EXPECT_EQ(b.next(), 300ms);
}

TEST(Backoff, ZeroInitialStillWaitsAMillisecond) {
  Backoff b(exact(0ms, 4ms));
  EXPECT_EQ(b.next(), 1ms);
  EXPECT_EQ(b.next(), 2ms);
  EXPECT_EQ(b.next(), 4ms);
  EXPECT_EQ(b.next(), 4ms);
}

TEST(Backoff, JitterStaysWithinItsBoundsAndVaries) {
  ConnectionPolicy p = exact(1000ms, 1000ms);
  p.jitter = 0.2;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Backoff b(p, seed);
    std::int64_t lowest = 1'000'000, highest = 0;
    for (int i = 0; i < 200; ++i) {
      const auto d = b.next().count();
      EXPECT_GE(d, 800);
      EXPECT_LE(d, 1200);
      lowest = std::min<std::int64_t>(lowest, d);
      highest = std::max<std::int64_t>(highest, d);
    }
    EXPECT_LT(lowest, 900) << "seed " << seed;  // it does spread (200 draws)
    EXPECT_GT(highest, 1100) << "seed " << seed;
  }
}

TEST(Backoff, SameSeedSameDelays) {
  ConnectionPolicy p = exact(100ms, 10'000ms);
  p.jitter = 0.5;
  Backoff a(p, 42), b(p, 42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(Backoff, JitterOutOfRangeIsClamped) {
  ConnectionPolicy p = exact(1000ms, 1000ms);
  p.jitter = -3;
  Backoff none(p, 1);
  EXPECT_EQ(none.next(), 1000ms);
  p.jitter = 7;  // at most 0.95: never a zero or negative delay
  Backoff wide(p, 1);
  for (int i = 0; i < 100; ++i) {
    const auto d = wide.next();
    EXPECT_GE(d, 50ms);
    EXPECT_LE(d, 1950ms);
  }
}

TEST(Backoff, StableConnectionResetsAndShortOneDoesNot) {
  ConnectionPolicy p = exact(100ms, 10'000ms);
  p.stable_after = 5s;
  Backoff b(p);
  b.next();
  b.next();
  b.connection_lasted(4999ms);
  EXPECT_EQ(b.failures(), 2u);
  EXPECT_EQ(b.next(), 400ms);
  b.connection_lasted(5s);
  EXPECT_EQ(b.failures(), 0u);
  EXPECT_EQ(b.next(), 100ms);
  b.reset();
  EXPECT_EQ(b.next(), 100ms);
}

TEST(Backoff, ExhaustedAfterMaxAttempts) {
  ConnectionPolicy p = exact(10ms, 100ms);
  p.max_attempts = 3;
  Backoff b(p);
  EXPECT_FALSE(b.exhausted());
  b.next();
  b.next();
  EXPECT_FALSE(b.exhausted());
  b.next();
  EXPECT_TRUE(b.exhausted());
  b.reset();
  EXPECT_FALSE(b.exhausted());
}

TEST(Backoff, NeverExhaustedWithoutALimit) {
  Backoff b(exact(1ms, 1ms));
  for (int i = 0; i < 10'000; ++i) b.next();
  EXPECT_FALSE(b.exhausted());
}

TEST(ClassifyEnd, StaleKeysAreRenewable) {
  EXPECT_EQ(classify_end(rc::RcError::access_denied), EndKind::renew_keys);
  EXPECT_EQ(classify_end(vm::VmError::auth_failed), EndKind::renew_keys);
}

TEST(ClassifyEnd, TransientEndsRetry) {
  EXPECT_EQ(classify_end(NetError::closed_by_peer), EndKind::retry);
  EXPECT_EQ(classify_end(NetError::handshake_timeout), EndKind::retry);
  EXPECT_EQ(classify_end(NetError::link_silent), EndKind::retry);
  EXPECT_EQ(classify_end(std::make_error_code(std::errc::connection_refused)), EndKind::retry);
  EXPECT_EQ(classify_end(rc::RcError::no_free_sessions), EndKind::retry);
  EXPECT_EQ(classify_end(rc::RcError::protocol_error), EndKind::retry);
}

// Garbage where a status byte or a connect response belongs is no answer from the iLO: a later
// connection may well get a real one, so it is retried like a drop (issue 12, garbage rounds).
TEST(ClassifyEnd, GarbageInAHandshakeRetries) {
  EXPECT_EQ(classify_end(rc::RcError::unexpected_status), EndKind::retry);
  EXPECT_EQ(classify_end(rc::RcError::bad_hello), EndKind::retry);
  EXPECT_EQ(classify_end(vm::VmError::unexpected_response), EndKind::retry);
}

TEST(ClassifyEnd, FinalEndsAreTerminal) {
  for (const auto e : {NetError::seized, NetError::firmware_upgrade, NetError::unauthorised,
                       NetError::not_licensed, NetError::ilo_reset, NetError::stopped,
                       NetError::internal})
    EXPECT_EQ(classify_end(e), EndKind::terminal) << make_error_code(e).message();
  for (const auto e : {rc::RcError::seize_refused, rc::RcError::no_licence, rc::RcError::cancelled,
                       rc::RcError::share_unsupported, rc::RcError::bad_key_text})
    EXPECT_EQ(classify_end(e), EndKind::terminal) << rc::make_error_code(e).message();
  for (const auto e : {vm::VmError::device_busy, vm::VmError::not_licensed,
                       vm::VmError::wrong_device_type, vm::VmError::no_privilege,
                       vm::VmError::bad_key_text})
    EXPECT_EQ(classify_end(e), EndKind::terminal) << vm::make_error_code(e).message();
}

}  // namespace
}  // namespace ilo::net
