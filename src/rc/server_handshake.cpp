// Server handshake state machine (see server_handshake.hpp).
#include "rc/server_handshake.hpp"

#include <algorithm>
#include <utility>

#include "rc/handshake_codes.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {

ServerHandshake::ServerHandshake(ServerHandshakeConfig config) : config_(std::move(config)) {}

ServerHandshakeResult ServerHandshake::result(std::size_t consumed,
                                              std::vector<std::uint8_t> send) const {
  ServerHandshakeResult r;
  r.consumed = consumed;
  r.status = status_;
  r.send = std::move(send);
  r.error = error_;
  return r;
}

ServerHandshakeResult ServerHandshake::start() {
  if (state_ != State::hello) return result(0);
  state_ = State::read_request;
  return result(0, {to_byte(HandshakeByte::hello)});
}

ServerHandshakeResult ServerHandshake::on_request() {
  std::error_code ec;
  auto parsed = parse_connect_request(buffer_, ec);
  if (parsed) {
    request_ = *parsed;
    validation_ = validate_connect_request(request_, config_.session_key, config_.enc_key,
                                          config_.features);
  } else {
    validation_ = ec;
  }
  if (validation_ && config_.reject_invalid) {
    state_ = State::done;
    status_ = ServerHandshakeStatus::refused;
    error_ = validation_;
    return result(0, {to_byte(HandshakeByte::denied)});
  }
  state_ = State::decide;
  status_ = ServerHandshakeStatus::request_received;
  return result(0);
}

ServerHandshakeResult ServerHandshake::on_busy_answer(std::size_t consumed) {
  const std::uint16_t word = static_cast<std::uint16_t>(buffer_[0] | buffer_[1] << 8);
  if (word == 0x0055) {
    state_ = State::decide_busy;
    status_ = ServerHandshakeStatus::seize_requested;
  } else if (word == 0x0056) {
    state_ = State::decide_busy;
    status_ = ServerHandshakeStatus::share_requested;
  } else {
    state_ = State::done;
    status_ = ServerHandshakeStatus::failed;
    error_ = RcError::bad_busy_answer;
  }
  return result(consumed);
}

ServerHandshakeResult ServerHandshake::feed(std::span<const std::uint8_t> in) {
  std::size_t want = 0;
  if (state_ == State::read_request) want = kConnectRequestSize;
  else if (state_ == State::read_busy_answer) want = kSeizeWord.size();
  else return result(0);

  const std::size_t n = std::min(in.size(), want - have_);
  std::copy_n(in.begin(), n, buffer_.begin() + static_cast<std::ptrdiff_t>(have_));
  have_ += n;
  if (have_ < want) return result(n);
  have_ = 0;
  if (state_ == State::read_busy_answer) return on_busy_answer(n);
  auto r = on_request();
  r.consumed = n;
  return r;
}

ServerHandshakeResult ServerHandshake::respond(std::uint8_t status_byte) {
  if (state_ != State::decide && state_ != State::decide_busy) {
    ServerHandshakeResult r;
    r.status = ServerHandshakeStatus::failed;
    r.error = RcError::bad_state;
    return r;
  }
  if (is_busy(status_byte)) {
    if (busy_sent_ || state_ == State::decide_busy) {
      ServerHandshakeResult r;
      r.status = ServerHandshakeStatus::failed;
      r.error = RcError::bad_state;
      return r;
    }
    busy_sent_ = true;
    state_ = State::read_busy_answer;
    status_ = ServerHandshakeStatus::need_more;
    return result(0, {status_byte});
  }
  state_ = State::done;
  const bool refusal = status_byte == to_byte(HandshakeByte::denied) ||
                       status_byte == to_byte(HandshakeByte::no_licence) ||
                       status_byte == to_byte(HandshakeByte::no_free_sessions);
  status_ = refusal ? ServerHandshakeStatus::refused : ServerHandshakeStatus::granted;
  return result(0, {status_byte});
}

}  // namespace ilo::rc
