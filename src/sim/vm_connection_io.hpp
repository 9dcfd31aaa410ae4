// The Asio shell both virtual-media connections of ilo-sim share (the CD's in vm_server.cpp, the
// floppy/USB key's in usb_drive.cpp): sending through the channel's FaultInjector (corrupt,
// stall, drop), the read loop, the deadline, closing once, and (VmInitiatorConnection) driving an
// initiator: feed it, write its requests one at a time, poll when quiet. Which job runs next, the
// handshake and the statistics stay with each connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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

class VmConnectionIo : public std::enable_shared_from_this<VmConnectionIo> {
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

// A connection that serves one initiator (vm::Initiator or vm::FloppyInitiator) once accepted:
// one request in flight at a time, the reply deadline armed when it is out, a poll after
// poll_interval without traffic. The connection chooses the next job and reports what happened.
template <class Initiator>
class VmInitiatorConnection : public VmConnectionIo {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts the next job when the initiator is idle and writes its next request, if any.
  void pump() final {
    if (closed_ || !serving_ || writing_) return;
    if (initiator_.phase() == Initiator::Phase::idle) {
      deadline_.reset();
      settle();
      if (!start_next_job(Clock::now())) return;
    }
    if (!take_output(output_)) return;
    writing_ = true;
    asio::co_spawn(socket_.get_executor(), write_output(shared_from_this()), asio::detached);
  }

  [[nodiscard]] const Initiator& initiator() const noexcept { return initiator_; }

 protected:
  VmInitiatorConnection(asio::ip::tcp::socket socket, FaultInjector faults,
                        typename Initiator::Options options,
                        std::chrono::milliseconds request_timeout)
      : VmConnectionIo(std::move(socket), std::move(faults)),
        initiator_(options),
        request_timeout_(request_timeout) {}

  // The initiator is idle: show what the drive holds if that changed.
  virtual void settle() = 0;
  // The initiator is idle: start what is wanted next. False if pump() has nothing more to do.
  virtual bool start_next_job(Clock::time_point now) = 0;
  // The initiator's next bytes to write into `out`; false if it has none.
  virtual bool take_output(std::vector<std::uint8_t>& out) = 0;
  // After each feed: account progress, notice finished jobs.
  virtual void after_feed() = 0;

  // Polls the drive (a medium change shows) once nothing was heard for `interval`.
  void poll_when_quiet(Clock::time_point now, Clock::duration interval) {
    if (now - last_activity_ < interval) return;
    initiator_.poll();
    last_activity_ = now;
  }

  // The connection is accepted: enumerate the medium, then read until it closes.
  asio::awaitable<void> serve() {
    serving_ = true;
    last_activity_ = Clock::now();
    initiator_.enumerate();
    pump();
    co_await read_loop();
  }

  Initiator initiator_;
  std::vector<std::uint8_t> output_;  // the bytes being written (the injector may corrupt them)
  bool writing_ = false;              // one write in flight at a time
  Clock::time_point last_activity_{};

 private:
  void on_received(std::span<const std::uint8_t> bytes) final {
    initiator_.feed(bytes);
    last_activity_ = Clock::now();
    after_feed();
    if (!close_if_ended(initiator_)) pump();
  }

  asio::awaitable<void> write_output(std::shared_ptr<VmConnectionIo> self) {
    const bool ok = co_await send(output_);
    writing_ = false;
    if (!ok) co_return;
    deadline_ = Clock::now() + request_timeout_;
    pump();  // the reply may have arrived while this coroutine waited to resume
    (void)self;
  }

  std::chrono::milliseconds request_timeout_;
};

}  // namespace ilo::sim
