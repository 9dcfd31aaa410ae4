// One accepted TCP socket of the simulator's console port: a bounded write queue with one write
// in flight, every outgoing byte passed through the connection's FaultInjector (corrupt, drop
// after exactly N bytes, stall), reads into caller buffers, a deadline, byte counters and the
// ways to close. It knows nothing of the protocol spoken on it (console_connection.hpp,
// command_connection.hpp do). Single-threaded: everything runs on the io_context's thread.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/fault_plan.hpp"

namespace ilo::sim {

// The token the simulator's coroutines await with: errors come back in a tuple, not thrown.
inline constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Why a connection ended (counted by the server, shown in its state).
enum class CloseReason : std::uint8_t {
  open,        // not closed yet
  peer,        // EOF or a socket error
  timeout,     // the handshake deadline passed
  fault_drop,  // a drop fault: closed after exactly N bytes
  overflow,    // the write queue bound was exceeded: a client that stopped reading
  protocol,    // the peer broke the protocol
  done,        // we ended it (refusal, seized, finished)
  stopped,     // the server stopped
};
const char* to_string(CloseReason reason) noexcept;

struct ConnectionIoLimits {
  std::size_t max_queued_bytes = 16u << 20;  // bytes waiting to be written
  std::chrono::milliseconds linger{1000};    // after our FIN, how long to wait for the peer's
};

class ConnectionIo : public std::enable_shared_from_this<ConnectionIo> {
 public:
  using tcp = asio::ip::tcp;

  ConnectionIo(tcp::socket socket, ConnectionIoLimits limits);
  ConnectionIo(const ConnectionIo&) = delete;
  ConnectionIo& operator=(const ConnectionIo&) = delete;

  // Installs the connection's faults once its channel is known. Their offsets count every byte
  // written on the connection, the hello included; a fault at an offset already written (the
  // hello) cannot corrupt it any more, and a drop there closes the connection at once.
  void set_faults(FaultInjector faults);
  // Called once, when the connection closes (from within close()).
  void set_on_close(std::function<void(CloseReason)> on_close) { on_close_ = std::move(on_close); }

  // Queues bytes for writing. Returns false (and drops them) once closing or closed; exceeding
  // the queue bound closes the connection (CloseReason::overflow).
  bool send(std::vector<std::uint8_t> bytes);
  // Writes what is queued, then sends FIN and closes when the peer closes too or after the
  // linger time. Later send() calls are ignored.
  void close_after_flush(CloseReason why = CloseReason::done);
  // Closes now; queued bytes are dropped. Idempotent.
  void close(CloseReason why);

  // Reads what is available into `into` (at least one byte). Returns 0 once the connection is
  // closed, at EOF or on an error (the connection is then closed with CloseReason::peer).
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into);

  // Closes the connection with CloseReason::timeout unless disarmed within `after`.
  void arm_deadline(std::chrono::milliseconds after);
  void disarm_deadline();

  [[nodiscard]] bool is_open() const noexcept { return reason_ == CloseReason::open; }
  // True from close_after_flush() on (and when closed): no more input is acted upon.
  [[nodiscard]] bool closing() const noexcept { return closing_ || !is_open(); }
  [[nodiscard]] CloseReason close_reason() const noexcept { return reason_; }
  [[nodiscard]] std::uint64_t bytes_in() const noexcept { return bytes_in_; }
  [[nodiscard]] std::uint64_t bytes_out() const noexcept { return bytes_out_; }
  [[nodiscard]] std::size_t queued_bytes() const noexcept { return queued_; }
  // The peer as "address:port", and its address alone.
  [[nodiscard]] const std::string& peer() const noexcept { return peer_; }
  [[nodiscard]] const std::string& peer_address() const noexcept { return peer_address_; }
  [[nodiscard]] asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  void write_next();
  void on_written(const std::error_code& ec, std::size_t n);
  void sync_faults();
  void finish_flush();

  tcp::socket socket_;
  ConnectionIoLimits limits_;
  asio::steady_timer deadline_;
  asio::steady_timer stall_;
  asio::steady_timer linger_;
  std::string peer_, peer_address_;
  std::function<void(CloseReason)> on_close_;

  FaultInjector faults_;
  bool faults_set_ = false;
  std::deque<std::vector<std::uint8_t>> queue_;
  std::size_t front_offset_ = 0;  // bytes of queue_.front() already written
  std::size_t queued_ = 0;        // bytes in the queue not yet written
  bool writing_ = false;          // a write or a stall is in progress
  FaultInjector::Decision decision_;  // for the write in flight
  bool write_via_faults_ = false;     // that write was offered to the injector

  bool closing_ = false;
  CloseReason closing_reason_ = CloseReason::done;
  CloseReason reason_ = CloseReason::open;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
};

}  // namespace ilo::sim
