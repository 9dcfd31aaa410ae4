// Client side of the console and command handshakes (docs/rc-handshake.md): waits for the hello
// 'P', emits the prepared 34-byte connect request, reads the status byte and runs the busy
// dialogue (seize 55 00 / share 56 00 / cancel) on the caller's decision. Sans-I/O: bytes in
// through feed(), bytes to send returned as data. It does not build the request
// (connect_request.hpp) and knows nothing of the stream that follows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "rc/connect_request.hpp"

namespace ilo::rc {

// How to read a first status byte outside the table of #status-byte (including T, U, V).
enum class UnknownStatusReading : std::uint8_t {
  java_success,  // HP's Java client: treated as success, the stream follows (default)
  strict_error,  // TypeScript library: RcError::unexpected_status
};

// What follows the share word 56 00 (#busy-seize-and-share; the server's reply is unknown).
enum class ShareReading : std::uint8_t {
  java_fail,          // Java: the connection counts as failed at once (default)
  ts_assume_granted,  // TypeScript: success at once, no reply is read
  await_status,       // read one status byte like after a seize: R granted, Q refused
};

struct ClientHandshakeOptions {
  UnknownStatusReading unknown_status = UnknownStatusReading::java_success;
  ShareReading share = ShareReading::java_fail;
};

enum class HandshakeStatus : std::uint8_t {
  need_more,  // feed more bytes (after writing `send`)
  busy,       // 'S' or 'Y' on a console connection: call seize(), share() or cancel()
  granted,    // connected; bytes after `consumed` belong to the stream
  failed,     // see `error`; close the connection (after writing `send`, if any)
};

struct ClientHandshakeResult {
  std::size_t consumed = 0;         // input bytes used by this call
  HandshakeStatus status = HandshakeStatus::need_more;
  std::vector<std::uint8_t> send;   // bytes to write to the server now
  std::error_code error;            // set when status == failed
};

class ClientHandshake {
 public:
  // `request` is the encoded connect request; its byte 0 selects console or command rules.
  explicit ClientHandshake(const ConnectRequestBytes& request,
                           ClientHandshakeOptions options = {}) noexcept;

  // Consumes handshake bytes and stops right after the byte that ends the handshake (or
  // reaches the busy state), so the caller can hand the rest to the stream. In a final or
  // busy state it consumes nothing and repeats the status.
  ClientHandshakeResult feed(std::span<const std::uint8_t> in);

  // Busy decisions, valid only in the busy state (otherwise a failed result with
  // RcError::bad_state that leaves the state unchanged).
  ClientHandshakeResult seize();   // sends 55 00, then reads R (granted) or Q (refused)
  ClientHandshakeResult share();   // sends 56 00, then per ShareReading
  ClientHandshakeResult cancel();  // sends nothing; failed with RcError::cancelled

  [[nodiscard]] HandshakeStatus status() const noexcept;
  [[nodiscard]] std::error_code error() const noexcept { return error_; }
  // The last status byte received (0 before any); 'S' or 'Y' while busy.
  [[nodiscard]] std::uint8_t status_byte() const noexcept { return status_byte_; }
  [[nodiscard]] ConnectionType type() const noexcept { return type_; }

 private:
  enum class State : std::uint8_t {
    wait_hello, wait_status, busy, wait_seize_reply, wait_share_reply, granted, failed
  };
  ClientHandshakeResult result(std::size_t consumed, std::vector<std::uint8_t> send = {}) const;
  ClientHandshakeResult fail(std::size_t consumed, std::error_code ec,
                             std::vector<std::uint8_t> send = {});
  void on_first_status(std::uint8_t b);
  void on_reply_status(std::uint8_t b, State from);

  ConnectRequestBytes request_;
  ClientHandshakeOptions options_;
  ConnectionType type_;
  State state_ = State::wait_hello;
  std::uint8_t status_byte_ = 0;
  std::error_code error_;
};

}  // namespace ilo::rc
