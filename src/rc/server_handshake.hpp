// Server side of the console and command handshakes, for the simulator
// (docs/rc-handshake.md#server-side): emits the hello 'P', reads and checks the 34-byte connect
// request against the issued session key, enc_key and advertised features, and lets the caller
// choose the status byte (R, busy S/Y followed by reading 55 00 / 56 00, W, X, Q). Sans-I/O; no
// policy about who owns the console (the simulator decides, e.g. by asking the owner's command
// connection).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "rc/connect_request.hpp"
#include "rc/optional_features.hpp"

namespace ilo::rc {

struct ServerHandshakeConfig {
  std::string session_key;      // issued by the login (32 lower-case hex characters)
  std::string enc_key;          // from rc_info, case as issued
  OptionalFeatures features;    // as advertised in rc_info.optional_features
  // Answer 'Q' by itself to a request that fails validation. When false the caller sees the
  // validation error in request_received and may answer anything (fault injection).
  bool reject_invalid = true;
};

enum class ServerHandshakeStatus : std::uint8_t {
  need_more,         // feed more bytes (after writing `send`)
  request_received,  // request read; see validation(), then call respond()
  seize_requested,   // the client sent 55 00 after a busy status: respond R or Q
  share_requested,   // the client sent 56 00: respond (the real server's reply is unknown)
  granted,           // 'R' (or a byte outside the table) sent: start the stream / records
  refused,           // 'Q', 'W' or 'X' sent: close after writing `send`
  failed,            // the client broke the protocol (`error`): close
};

struct ServerHandshakeResult {
  std::size_t consumed = 0;
  ServerHandshakeStatus status = ServerHandshakeStatus::need_more;
  std::vector<std::uint8_t> send;  // bytes to write to the client now
  std::error_code error;           // validation error (refused) or protocol error (failed)
};

class ServerHandshake {
 public:
  explicit ServerHandshake(ServerHandshakeConfig config);

  // The hello byte 'P', to send on accept (once; later calls return nothing).
  ServerHandshakeResult start();
  // Reads the 34-byte request, or the 2-byte busy answer after respond('S'/'Y'); consumes no
  // byte beyond them. In other states it consumes nothing.
  ServerHandshakeResult feed(std::span<const std::uint8_t> in);
  // Sends one status byte in request_received, seize_requested or share_requested:
  // R -> granted; S/Y -> need_more (reads the busy answer; only once per connection);
  // Q/W/X -> refused; any other byte -> granted (the client may read it as success).
  // Elsewhere a failed result with RcError::bad_state that leaves the state unchanged.
  ServerHandshakeResult respond(std::uint8_t status_byte);

  [[nodiscard]] ServerHandshakeStatus status() const noexcept { return status_; }
  // The parsed request (valid from request_received on, if it parsed at all).
  [[nodiscard]] const ConnectRequest& request() const noexcept { return request_; }
  // Empty if the request matched the issued key and advertised features.
  [[nodiscard]] std::error_code validation() const noexcept { return validation_; }

 private:
  enum class State : std::uint8_t {
    hello, read_request, decide, read_busy_answer, decide_busy, done
  };
  ServerHandshakeResult result(std::size_t consumed, std::vector<std::uint8_t> send = {}) const;
  ServerHandshakeResult on_request();
  ServerHandshakeResult on_busy_answer(std::size_t consumed);

  ServerHandshakeConfig config_;
  State state_ = State::hello;
  ServerHandshakeStatus status_ = ServerHandshakeStatus::need_more;
  std::array<std::uint8_t, kConnectRequestSize> buffer_{};
  std::size_t have_ = 0;
  bool busy_sent_ = false;
  ConnectRequest request_;
  std::error_code validation_;
  std::error_code error_;
};

}  // namespace ilo::rc
