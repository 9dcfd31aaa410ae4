// Client handshake state machine (see client_handshake.hpp). Status bytes follow
// docs/rc-handshake.md: #status-byte (console), #command-connection (only R) and
// #busy-seize-and-share.
#include "rc/client_handshake.hpp"

#include "rc/handshake_codes.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {

ClientHandshake::ClientHandshake(const ConnectRequestBytes& request,
                                 ClientHandshakeOptions options) noexcept
    : request_(request),
      options_(options),
      type_(request[0] == static_cast<std::uint8_t>(ConnectionType::command)
                ? ConnectionType::command
                : ConnectionType::console) {}

HandshakeStatus ClientHandshake::status() const noexcept {
  switch (state_) {
    case State::busy: return HandshakeStatus::busy;
    case State::granted: return HandshakeStatus::granted;
    case State::failed: return HandshakeStatus::failed;
    case State::wait_hello:
    case State::wait_status:
    case State::wait_seize_reply:
    case State::wait_share_reply: break;
  }
  return HandshakeStatus::need_more;
}

ClientHandshakeResult ClientHandshake::result(std::size_t consumed,
                                              std::vector<std::uint8_t> send) const {
  ClientHandshakeResult r;
  r.consumed = consumed;
  r.status = status();
  r.send = std::move(send);
  r.error = error_;
  return r;
}

ClientHandshakeResult ClientHandshake::fail(std::size_t consumed, std::error_code ec,
                                            std::vector<std::uint8_t> send) {
  state_ = State::failed;
  error_ = ec;
  return result(consumed, std::move(send));
}

void ClientHandshake::on_first_status(std::uint8_t b) {
  status_byte_ = b;
  if (b == to_byte(HandshakeByte::ok)) {
    state_ = State::granted;
    return;
  }
  state_ = State::failed;
  if (b == to_byte(HandshakeByte::denied)) {
    error_ = RcError::access_denied;
  } else if (is_busy(b)) {
    if (type_ == ConnectionType::console) {
      state_ = State::busy;
    } else {
      error_ = RcError::busy;  // the command connection never negotiates
    }
  } else if (b == to_byte(HandshakeByte::no_licence)) {
    error_ = RcError::no_licence;
  } else if (b == to_byte(HandshakeByte::no_free_sessions)) {
    error_ = RcError::no_free_sessions;
  } else if (type_ == ConnectionType::console &&
             options_.unknown_status == UnknownStatusReading::java_success) {
    state_ = State::granted;  // Java starts the receiver on any undocumented byte
  } else {
    error_ = RcError::unexpected_status;
  }
}

void ClientHandshake::on_reply_status(std::uint8_t b, State from) {
  status_byte_ = b;
  if (b == to_byte(HandshakeByte::ok)) {
    state_ = State::granted;
    return;
  }
  state_ = State::failed;
  if (b == to_byte(HandshakeByte::denied)) {
    error_ = from == State::wait_seize_reply ? make_error_code(RcError::seize_refused)
                                             : make_error_code(RcError::access_denied);
  } else {
    error_ = RcError::unexpected_status;  // Java: anything else after a seize is a failure
  }
}

ClientHandshakeResult ClientHandshake::feed(std::span<const std::uint8_t> in) {
  if (in.empty()) return result(0);
  switch (state_) {
    case State::wait_hello:
      if (in[0] != to_byte(HandshakeByte::hello)) return fail(1, RcError::bad_hello);
      state_ = State::wait_status;
      return result(1, std::vector<std::uint8_t>(request_.begin(), request_.end()));
    case State::wait_status:
      on_first_status(in[0]);
      return result(1);
    case State::wait_seize_reply:
    case State::wait_share_reply:
      on_reply_status(in[0], state_);
      return result(1);
    case State::busy:
    case State::granted:
    case State::failed: break;
  }
  return result(0);
}

ClientHandshakeResult ClientHandshake::seize() {
  if (state_ != State::busy) {
    ClientHandshakeResult r;
    r.status = HandshakeStatus::failed;
    r.error = RcError::bad_state;
    return r;
  }
  state_ = State::wait_seize_reply;
  return result(0, std::vector<std::uint8_t>(kSeizeWord.begin(), kSeizeWord.end()));
}

ClientHandshakeResult ClientHandshake::share() {
  if (state_ != State::busy) {
    ClientHandshakeResult r;
    r.status = HandshakeStatus::failed;
    r.error = RcError::bad_state;
    return r;
  }
  std::vector<std::uint8_t> word(kShareWord.begin(), kShareWord.end());
  switch (options_.share) {
    case ShareReading::java_fail: return fail(0, RcError::share_unsupported, std::move(word));
    case ShareReading::ts_assume_granted: state_ = State::granted; break;
    case ShareReading::await_status: state_ = State::wait_share_reply; break;
  }
  return result(0, std::move(word));
}

ClientHandshakeResult ClientHandshake::cancel() {
  if (state_ != State::busy) {
    ClientHandshakeResult r;
    r.status = HandshakeStatus::failed;
    r.error = RcError::bad_state;
    return r;
  }
  return fail(0, RcError::cancelled);
}

}  // namespace ilo::rc
