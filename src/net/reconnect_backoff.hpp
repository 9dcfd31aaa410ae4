// The delay before each automatic reconnect: starts at `initial`, doubles after every failed
// attempt up to `max`, and starts over once a connection has proved stable. Pure arithmetic;
// the session's timer does the waiting.
#pragma once

#include <algorithm>
#include <chrono>

namespace ilo::net {

class ReconnectBackoff {
 public:
  using Duration = std::chrono::milliseconds;

  ReconnectBackoff(Duration initial, Duration max) noexcept
      : initial_(std::max(initial, Duration{1})), max_(std::max(max, initial_)),
        next_(initial_) {}

  // The delay to wait now; the following call returns twice as much (capped).
  Duration next() noexcept {
    const Duration d = next_;
    next_ = next_ >= max_ / 2 ? max_ : next_ * 2;
    ++failures_;
    return d;
  }
  void reset() noexcept {
    next_ = initial_;
    failures_ = 0;
  }
  // Delays handed out since the last reset.
  [[nodiscard]] unsigned failures() const noexcept { return failures_; }

 private:
  Duration initial_;
  Duration max_;
  Duration next_;
  unsigned failures_ = 0;
};

}  // namespace ilo::net
