// Loopback tests of session::SessionOwner against the real ilo-sim binary over TLS on
// 127.0.0.1: login, wrong password, lock-out respected, pinning, insecure warning, coalesced
// renewals, expired sessions, an unreachable port, and no secret in any log line or error text;
// and the wiring to net::ConsoleSession (on_stale_keys -> renew -> subscribe -> set_credentials).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "net/console_session.hpp"
#include "rc/framebuffer.hpp"
#include "session/session_owner.hpp"
#include "session_log_fixture.hpp"
#include "sim_process.hpp"

namespace ilo::session {
namespace {

using namespace std::chrono_literals;
using test::SimProcess;
using test::wait_until;
using Clock = std::chrono::steady_clock;

// Every log line and error text of a test, and every secret it saw, checked at the end.
class SessionOwnerTest : public test::SessionLogTest {
 protected:
  void on_log(int priority, const std::string& text) override {
    std::lock_guard lock(mutex_);
    lines_.push_back(text);
    log_.emplace_back(priority, text);
  }
  void remember_keys(const std::optional<SessionKeys>& keys) {
    if (!keys) return;
    remember_secret(keys->session_key.text());
    remember_secret(keys->enc_key.text());
  }
  bool logged(int priority, const std::string& part) {
    std::lock_guard lock(mutex_);
    for (const auto& [p, text] : log_)
      if (p == priority && text.find(part) != std::string::npos) return true;
    return false;
  }
  static std::uint64_t failed_logins(const SimProcess& sim) {
    return sim.state()["web"]["failed_logins"].get<std::uint64_t>();
  }
  static std::uint64_t live_sessions(const SimProcess& sim) {
    return sim.state()["web"]["sessions"].get<std::uint64_t>();
  }

  std::vector<std::pair<int, std::string>> log_;  // guarded by mutex_
};

TEST_F(SessionOwnerTest, LoginWithAPinnedCertificateGivesKeysAndLogsOutAtTheEnd) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  {
    SessionOwner owner(options_for(sim));
    EXPECT_FALSE(owner.keys());
    std::string error;
    ASSERT_FALSE(owner.login(error)) << error;
    const auto keys = owner.keys();
    remember_keys(keys);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->generation, 1u);
    EXPECT_EQ(keys->rc_port, sim.rc_port());
    EXPECT_EQ(keys->vm_port, sim.vm_port());
    const auto status = owner.status();
    EXPECT_EQ(status.state, SessionOwnerStatus::State::up);
    EXPECT_EQ(status.logins, 1u);
    EXPECT_EQ(status.peer_fingerprint, sim.fingerprint());
    EXPECT_EQ(live_sessions(sim), 1u);
    EXPECT_TRUE(logged(LOG_INFO, "logged in to 127.0.0.1:"));
  }
  EXPECT_EQ(live_sessions(sim), 0u);  // the destructor logged out
  EXPECT_TRUE(logged(LOG_INFO, "logged out"));
}

TEST_F(SessionOwnerTest, WrongPasswordIsWrongCredentials) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim, "not-the-password"));
  std::string error;
  EXPECT_EQ(owner.login(error), SessionError::wrong_credentials);
  remember_text(error);
  EXPECT_NE(error.find("wrong user name or password"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
  EXPECT_FALSE(owner.keys());
  EXPECT_EQ(owner.status().last_error, SessionError::wrong_credentials);
  EXPECT_EQ(failed_logins(sim), 1u);
}

// Three failures lock logins for 10 s on the simulator. The owner reads the delay, sends no
// login while it lasts, and a renewal gets in once it is over.
TEST_F(SessionOwnerTest, LockOutIsWaitedOutWithoutHammering) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner wrong(options_for(sim, "not-the-password"));
  std::string error;
  for (int i = 0; i < 3; ++i) {
    const auto ec = wrong.login(error);
    ASSERT_EQ(ec, SessionError::wrong_credentials) << error;
  }
  const auto locked_at = Clock::now();
  EXPECT_EQ(wrong.login(error), SessionError::locked_out);
  remember_text(error);
  EXPECT_NE(error.find("refuses logins for 10 s"), std::string::npos) << error;
  EXPECT_EQ(failed_logins(sim), 4u);
  // Known lock-out: refused locally, no request.
  EXPECT_EQ(wrong.login(error), SessionError::locked_out);
  EXPECT_EQ(failed_logins(sim), 4u);

  SessionOwner right(options_for(sim));
  EXPECT_EQ(right.login(error), SessionError::locked_out);
  remember_text(error);
  EXPECT_EQ(failed_logins(sim), 5u);
  right.renew(0);  // in the background: waits the lock-out out, then logs in once
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(right.keys());
  EXPECT_EQ(failed_logins(sim), 5u);
  ASSERT_TRUE(wait_until([&] { return right.keys().has_value(); }, 12'000ms));
  const auto waited = Clock::now() - locked_at;
  remember_keys(right.keys());
  EXPECT_GE(waited, 9500ms);
  EXPECT_LE(waited, 12'500ms);
  EXPECT_EQ(failed_logins(sim), 5u);  // nothing was tried during the lock-out
  EXPECT_EQ(right.status().logins, 1u);
}

TEST_F(SessionOwnerTest, PinMismatchNamesTheFingerprintSeen) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto options = options_for(sim);
  std::string pin = sim.fingerprint();
  pin[0] = pin[0] == '0' ? '1' : '0';
  options.tls.pin_sha256 = pin;
  SessionOwner owner(std::move(options));
  std::string error;
  EXPECT_EQ(owner.login(error), SessionError::tls_mismatch);
  remember_text(error);
  EXPECT_NE(error.find("certificate fingerprint " + sim.fingerprint() +
                       " does not match the pinned one; to trust it use -o fingerprint=" +
                       sim.fingerprint()),
            std::string::npos)
      << error;
  EXPECT_EQ(owner.status().peer_fingerprint, sim.fingerprint());
  EXPECT_FALSE(owner.keys());
  EXPECT_EQ(failed_logins(sim), 0u);  // the password never left
}

TEST_F(SessionOwnerTest, InsecureModeLogsAWarning) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto options = options_for(sim);
  options.tls.pin_sha256.clear();
  options.tls.insecure = true;
  SessionOwner owner(std::move(options));
  std::string error;
  ASSERT_FALSE(owner.login(error)) << error;
  remember_keys(owner.keys());
  EXPECT_TRUE(logged(LOG_WARNING, "not checked (insecure)"));
  EXPECT_TRUE(logged(LOG_WARNING, sim.fingerprint()));
}

TEST_F(SessionOwnerTest, ConcurrentRenewalsMakeOneLogin) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim));
  std::string error;
  ASSERT_FALSE(owner.login(error)) << error;
  remember_keys(owner.keys());
  std::atomic<int> delivered{0};
  std::atomic<std::uint64_t> delivered_generation{0};
  auto token = owner.subscribe([&](const SessionKeys& keys) {
    remember_keys(keys);
    delivered_generation = keys.generation;
    ++delivered;
  });

  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      ++ready;
      while (ready.load() < 8) std::this_thread::yield();
      owner.renew(1);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(wait_until([&] { return delivered.load() >= 1; }));
  std::this_thread::sleep_for(500ms);  // room for a second login, which must not come
  EXPECT_EQ(delivered.load(), 1);
  EXPECT_EQ(delivered_generation.load(), 2u);
  EXPECT_EQ(owner.keys()->generation, 2u);
  EXPECT_EQ(owner.status().logins, 2u);
  EXPECT_EQ(owner.status().renewals, 1u);
  EXPECT_EQ(live_sessions(sim), 1u);  // the old web session was ended
  owner.renew(1);  // stale: ignored
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(owner.status().logins, 2u);

  token.reset();  // no more deliveries after the token is gone
  owner.renew(2);
  ASSERT_TRUE(wait_until([&] { return owner.keys()->generation == 3; }));
  remember_keys(owner.keys());
  EXPECT_EQ(delivered.load(), 1);
}

TEST_F(SessionOwnerTest, ExpiredSessionIsRenewedByTheKeepAlive) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto options = options_for(sim);
  options.keepalive_interval = 200ms;
  SessionOwner owner(std::move(options));
  std::string error;
  ASSERT_FALSE(owner.login(error)) << error;
  remember_keys(owner.keys());
  std::this_thread::sleep_for(500ms);  // a few checks on a live session: nothing happens
  EXPECT_EQ(owner.keys()->generation, 1u);
  ASSERT_EQ(sim.post("/sim/sessions/expire", "{}"), 200);
  EXPECT_EQ(live_sessions(sim), 0u);
  ASSERT_TRUE(wait_until([&] { return owner.keys()->generation == 2; }));
  remember_keys(owner.keys());
  EXPECT_EQ(owner.status().renewals, 1u);
  EXPECT_EQ(live_sessions(sim), 1u);
  EXPECT_TRUE(logged(LOG_NOTICE, "was lost"));
}

TEST_F(SessionOwnerTest, ExpiredSessionIsRenewedOnRequest) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim));  // keep-alive every 60 s: not in this test
  std::string error;
  ASSERT_FALSE(owner.login(error)) << error;
  remember_keys(owner.keys());
  ASSERT_EQ(sim.post("/sim/sessions/expire", "{}"), 200);
  owner.renew(owner.keys()->generation);
  ASSERT_TRUE(wait_until([&] { return owner.keys()->generation == 2; }));
  remember_keys(owner.keys());
  EXPECT_EQ(live_sessions(sim), 1u);
}

TEST_F(SessionOwnerTest, ClosedPortIsUnreachableQuickly) {
  // A port that was free a moment ago: bind, read it, close.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  const std::uint16_t port = ntohs(addr.sin_port);

  SessionOwnerOptions o;
  o.host = "127.0.0.1";
  o.https_port = port;
  o.password = Secret(SimProcess::password());
  o.tls.insecure = true;
  o.connect_timeout = 2s;
  o.request_timeout = 3s;
  SessionOwner owner(std::move(o));
  std::string error;
  const auto start = Clock::now();
  EXPECT_EQ(owner.login(error), SessionError::unreachable);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(error.rfind("cannot reach 127.0.0.1:" + std::to_string(port) + ": ", 0), 0u) << error;
  EXPECT_EQ(error.find(SimProcess::password()), std::string::npos);
}

// The console gets keys whose web session has expired: 'Q', on_stale_keys asks the owner to
// renew, the owner's subscriber hands the new keys to the session, which then connects.
TEST_F(SessionOwnerTest, ConsoleSessionRenewsStaleKeysThroughTheOwner) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim));
  std::string error;
  ASSERT_FALSE(owner.login(error)) << error;
  const auto first = owner.keys();
  ASSERT_TRUE(first);
  remember_keys(first);
  ASSERT_EQ(sim.post("/sim/sessions/expire", "{}"), 200);  // the keys are stale from now on

  const auto console_credentials = [](const SessionKeys& k) {
    return net::ConsoleCredentials{k.session_key.text(), k.enc_key.text(), k.features,
                                   k.generation};
  };
  struct Observer final : net::ConsoleObserver {
    std::atomic<std::uint64_t> frames{0};
    void on_frame(std::uint64_t) override { ++frames; }
  } observer;
  rc::Framebuffer framebuffer;
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  net::ConsoleSessionConfig config;
  config.host = "127.0.0.1";
  config.rc_port = first->rc_port;
  config.credentials = console_credentials(*first);
  config.policy.backoff_initial = 100ms;
  config.policy.handshake_timeout = 3s;
  config.on_stale_keys = [&owner](std::uint64_t stale) { owner.renew(stale); };
  auto session = std::make_unique<net::ConsoleSession>(io.get_executor(), config, framebuffer,
                                                       observer);
  auto token = owner.subscribe([&](const SessionKeys& k) {
    remember_keys(k);
    session->set_credentials(console_credentials(k));
  });
  std::thread runner([&io] { io.run(); });
  session->start();
  const bool connected = wait_until([&] { return observer.frames.load() >= 1; }, 10'000ms);
  const auto status = session->status();
  token.reset();  // no handler may reach the session once it is gone
  session.reset();
  guard.reset();
  runner.join();
  ASSERT_TRUE(connected);
  EXPECT_EQ(owner.keys()->generation, 2u);
  EXPECT_EQ(owner.status().renewals, 1u);
  EXPECT_GE(status.attempts, 2u);
  EXPECT_EQ(status.connects, 1u);
  EXPECT_EQ(status.phase, net::ConsolePhase::connected);
  EXPECT_GE(sim.state()["console"]["counters"]["rejected"].get<int>(), 1);
}

}  // namespace
}  // namespace ilo::session
