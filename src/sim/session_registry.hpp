// The simulated iLO's web sessions: login with a lock-out after repeated failures, per-session
// keys (session key, mixed-case enc_key, cmd_enc_key), expiry, logout, and matching the
// 32 key bytes of a console or VM connect request to a live session. Thread-safe: the HTTPS
// server and the Asio servers share one registry. Time is passed in. Keys are never logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ilo::sim {

struct WebSession {
  std::string session_key;  // 32 lower-case hex
  std::string enc_key;      // 32 hex, mixed case (exercises the case-sensitive XOR)
  std::string cmd_enc_key;  // 32 lower-case hex (unused by clients, reported for realism)
  std::string user;
  std::chrono::steady_clock::time_point expires;
};

// Lock-out policy (documented in the README): after kMaxFailures consecutive failed logins,
// every login is refused for kLockout, whatever the credentials.
struct LoginPolicy {
  int max_failures = 3;
  std::chrono::seconds lockout{10};
  std::chrono::seconds idle_timeout{300};  // a session expires 5 minutes after its last use
  int max_sessions = 16;                   // the oldest is dropped beyond this
};

enum class LoginResult : std::uint8_t { ok, bad_credentials, locked_out, refused_by_fault };

class SessionRegistry {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  SessionRegistry(std::string user, std::string password, LoginPolicy policy = {});

  // On success fills `out` with the new session.
  LoginResult login(const std::string& user, const std::string& password, TimePoint now,
                    WebSession& out);
  // The same check as login() (lock-out and failure counting included) without making a
  // session: RIBCL carries the credentials in every request.
  LoginResult check_credentials(const std::string& user, const std::string& password,
                                TimePoint now);
  // The account's password from now on (test hook: an administrator changed it); live
  // sessions stay, as they do on an iLO.
  void set_password(std::string password);
  void logout(const std::string& session_key);
  // The live session with this key (its expiry is pushed back), or nullopt.
  std::optional<WebSession> touch(const std::string& session_key, TimePoint now);
  // The live session whose encoded key equals `encoded` (session key XOR-ed with its enc_key
  // when `xor_applied`, else the plain ASCII key), compared in constant time per session.
  std::optional<WebSession> match_connect_key(std::span<const std::uint8_t, 32> encoded,
                                              bool xor_applied, TimePoint now);
  // Installs a fixed session (replay mode: the recording's enc_key must be reported).
  void set_fixed_enc_key(std::string enc_key);
  void set_refuse_logins(bool refuse);
  // Ends every web session at once, as if each had been idle too long (test hook); returns
  // how many there were.
  std::size_t expire_all();

  [[nodiscard]] const std::string& user() const noexcept { return user_; }
  [[nodiscard]] std::size_t live_sessions(TimePoint now) const;
  [[nodiscard]] std::uint64_t failed_logins() const;
  // How long logins stay refused by the lock-out (zero when not locked out): GET
  // /json/login_session reports it as login_delay.
  [[nodiscard]] std::chrono::seconds lockout_remaining(TimePoint now) const;

 private:
  void expire(TimePoint now);
  LoginResult verify_locked(const std::string& user, const std::string& password, TimePoint now);

  mutable std::mutex mutex_;  // guards everything below
  std::string user_;
  std::string password_;
  LoginPolicy policy_;
  std::vector<WebSession> sessions_;
  int consecutive_failures_ = 0;
  TimePoint locked_until_{};
  std::uint64_t failed_logins_ = 0;
  std::optional<std::string> fixed_enc_key_;
  bool refuse_logins_ = false;
};

// Random keys from OpenSSL's RAND_bytes: 32 lower-case hex, or mixed case (at least one upper-
// and one lower-case letter) for enc_key.
std::string random_hex_key(bool mixed_case);

}  // namespace ilo::sim
