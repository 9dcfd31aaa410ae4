// The Asio shell both virtual-media connections of ilo-sim share (the CD's in vm_server.cpp, the
// floppy/USB key's in usb_drive.cpp): sending through the channel's FaultInjector (corrupt,
// stall, drop), the read loop, the deadline, and closing once. What is sent and what received bytes mean
// (the initiator, jobs, what a deadline is for, statistics) stay with each connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

// GCC's -Wnull-dereference fires inside Asio's scheduler.ipp after inlining (a false positive);
// the warning is judged at that header's location, so silence it for Asio's headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop

#include "sim/fault_plan.hpp"

namespace ilo::sim {

class VmConnectionIo {
 public:
  VmConnectionIo(const VmConnectionIo&) = delete;
  VmConnectionIo& operator=(const VmConnectionIo&) = delete;

  // Closes the socket once and tells the owner (on_close). `abnormal`: the client did not end
  // it (a fault, a timeout, a broken stream, a vanished peer).
  void close(const std::string& reason, bool abnormal);

  // Closes the connection once its deadline passed (counted in `timeouts`), else pump()s.
  void tick(std::chrono::steady_clock::time_point now, std::uint64_t& timeouts);
  // Starts the next job when the initiator is idle and sends its next output, if any.
  virtual void pump() = 0;

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] bool serving() const noexcept { return serving_; }
  [[nodiscard]] const std::string& close_reason() const noexcept { return close_reason_; }

 protected:
  VmConnectionIo(asio::ip::tcp::socket socket, FaultInjector faults);
  virtual ~VmConnectionIo() = default;

  // The connection closed (from within close()).
  virtual void on_close(bool abnormal) = 0;
  // Bytes the client sent. May close the connection; the read loop then ends.
  virtual void on_received(std::span<const std::uint8_t> bytes) = 0;
  // The read failed or hit EOF; closes. Without DISCONNECT before it, that is abnormal.
  virtual void on_read_failed(const std::error_code& ec);

  // Sends `data` through the fault injector. False once closed.
  asio::awaitable<bool> send(std::span<std::uint8_t> data);
  // Reads until the connection closes, handing each chunk to on_received().
  asio::awaitable<void> read_loop();

  // After feeding `initiator`: closes on its DISCONNECT or a broken reply stream. True if so.
  template <class Initiator>
  bool close_if_ended(const Initiator& initiator) {
    if (initiator.phase() == Initiator::Phase::disconnected) {
      close("client sent DISCONNECT", false);
      return true;
    }
    if (initiator.phase() == Initiator::Phase::broken) {
      close("reply stream broken: " + std::string(initiator.last_violation()), true);
      return true;
    }
    return false;
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer stall_timer_;
  FaultInjector faults_;
  std::vector<std::uint8_t> read_buffer_;
  bool closed_ = false;   // also set by a connection that hands its socket on
  bool serving_ = false;  // accepted: the initiator runs
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // handshake or a reply

 private:
  std::string close_reason_;
};

}  // namespace ilo::sim
