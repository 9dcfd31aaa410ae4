// The one reconnect policy of every long-lived connection (console, command, each virtual
// drive): deadlines, backoff with jitter and a cap, the "stable after" reset, and which ends
// are terminal. Pure values and arithmetic; the sessions' timers do the waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <system_error>

namespace ilo::net {

struct ConnectionPolicy {
  std::chrono::milliseconds connect_timeout{10'000};    // resolve + TCP connect
  std::chrono::milliseconds handshake_timeout{10'000};  // hello/status byte or connect response
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{10'000};
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
  // A connection that lasted this long resets the backoff to its first delay.
  std::chrono::milliseconds stable_after{10'000};
  // Consecutive failed attempts before giving up for good; 0 = never.
  unsigned max_attempts = 0;
};

// Backoff state of one connection under a policy: starts at backoff_initial, doubles after
// every failure up to backoff_max, jittered, and starts over once a connection proved stable.
class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  explicit Backoff(const ConnectionPolicy& policy, std::uint64_t seed = std::random_device{}());

  Duration next() noexcept;  // the delay to wait now (jittered); later ones double
  void reset() noexcept;
  // Call when a connection ends; resets if it lasted at least stable_after.
  void connection_lasted(std::chrono::steady_clock::duration lasted) noexcept;
  [[nodiscard]] unsigned failures() const noexcept { return failures_; }
  // True once max_attempts consecutive failures were handed out (never when it is 0).
  [[nodiscard]] bool exhausted() const noexcept;

 private:
  ConnectionPolicy policy_;
  Duration next_;
  unsigned failures_ = 0;
  std::minstd_rand random_;
};

// How a connection's end is to be handled.
enum class EndKind : std::uint8_t {
  retry,        // transient (drop, timeout, refused TCP): back off and try again
  renew_keys,   // the iLO refused the session key (console Q, VM 0x22): ask the session
                // owner for a fresh login, then retry
  terminal,     // no retry can fix it (no licence, seized, firmware upgrade, stopped)
};
EndKind classify_end(std::error_code ec) noexcept;

}  // namespace ilo::net
