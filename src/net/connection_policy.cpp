// Backoff arithmetic and the end classification of the one reconnect policy (see
// connection_policy.hpp). No timers and no I/O: the sessions wait for what next() returns.
#include "net/connection_policy.hpp"

#include <algorithm>

#include "net/net_error.hpp"
#include "rc/rc_error.hpp"
#include "vm/vm_error.hpp"

namespace ilo::net {
namespace {

using std::chrono::milliseconds;

// The policy with its numbers made consistent: delays at least 1 ms, max >= initial, jitter
// within [0, 1).
ConnectionPolicy sanitised(ConnectionPolicy p) {
  p.backoff_initial = std::max(p.backoff_initial, milliseconds{1});
  p.backoff_max = std::max(p.backoff_max, p.backoff_initial);
  if (!(p.jitter >= 0.0)) p.jitter = 0.0;  // also catches NaN
  p.jitter = std::min(p.jitter, 0.95);
  return p;
}

}  // namespace

Backoff::Backoff(const ConnectionPolicy& policy, std::uint64_t seed)
    : policy_(sanitised(policy)),
      next_(policy_.backoff_initial),
      random_(static_cast<std::minstd_rand::result_type>(seed % std::minstd_rand::modulus)) {}

Backoff::Duration Backoff::next() noexcept {
  const Duration base = next_;
  next_ = next_ >= policy_.backoff_max / 2 ? policy_.backoff_max : next_ * 2;
  ++failures_;
  if (policy_.jitter <= 0.0) return base;
  std::uniform_real_distribution<double> factor(1.0 - policy_.jitter, 1.0 + policy_.jitter);
  const double scaled = static_cast<double>(base.count()) * factor(random_);
  return std::max(Duration{1}, Duration{static_cast<Duration::rep>(scaled)});
}

void Backoff::reset() noexcept {
  next_ = policy_.backoff_initial;
  failures_ = 0;
}

void Backoff::connection_lasted(std::chrono::steady_clock::duration lasted) noexcept {
  if (lasted >= policy_.stable_after) reset();
}

bool Backoff::exhausted() const noexcept {
  return policy_.max_attempts != 0 && failures_ >= policy_.max_attempts;
}

EndKind classify_end(std::error_code ec) noexcept {
  if (ec.category() == net_category()) {
    switch (static_cast<NetError>(ec.value())) {
      case NetError::seized:
      case NetError::firmware_upgrade:
      case NetError::unauthorised:
      case NetError::not_licensed:
      case NetError::ilo_reset:
      case NetError::stopped:
      case NetError::internal: return EndKind::terminal;
      default: return EndKind::retry;
    }
  }
  if (ec.category() == rc::rc_category()) {
    switch (static_cast<rc::RcError>(ec.value())) {
      case rc::RcError::access_denied: return EndKind::renew_keys;  // 'Q': stale session key
      case rc::RcError::seize_refused:
      case rc::RcError::no_licence:
      case rc::RcError::cancelled:
      case rc::RcError::share_unsupported:
      case rc::RcError::bad_key_text: return EndKind::terminal;
      // A status byte no reading knows is garbage from the peer or the link, not an answer:
      // retried with backoff like a drop.
      case rc::RcError::unexpected_status:
      default: return EndKind::retry;
    }
  }
  if (ec.category() == vm::vm_category()) {
    switch (static_cast<vm::VmError>(ec.value())) {
      case vm::VmError::auth_failed: return EndKind::renew_keys;  // 0x22: stale session key
      // The other refusals of the connect response, and malformed local keys: a retry with
      // the same settings gets the same answer.
      case vm::VmError::device_busy:
      case vm::VmError::not_licensed:
      case vm::VmError::wrong_device_type:
      case vm::VmError::no_privilege:
      case vm::VmError::bad_key_text: return EndKind::terminal;
      // A first byte that is no refusal at all is garbage from the peer or the link, which a
      // later connection may not see: retried with backoff like a drop.
      case vm::VmError::unexpected_response:
      default: return EndKind::retry;
    }
  }
  return EndKind::retry;
}

}  // namespace ilo::net
