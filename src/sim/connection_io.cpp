// The simulator's socket shell: write queue, faults, deadline, closing (see connection_io.hpp).
#include "sim/connection_io.hpp"

#include <utility>

namespace ilo::sim {

const char* to_string(CloseReason reason) noexcept {
  switch (reason) {
    case CloseReason::open: return "open";
    case CloseReason::peer: return "peer";
    case CloseReason::timeout: return "timeout";
    case CloseReason::fault_drop: return "fault-drop";
    case CloseReason::overflow: return "overflow";
    case CloseReason::protocol: return "protocol";
    case CloseReason::done: return "done";
    case CloseReason::stopped: return "stopped";
  }
  return "?";
}

ConnectionIo::ConnectionIo(tcp::socket socket, ConnectionIoLimits limits)
    : socket_(std::move(socket)),
      limits_(limits),
      deadline_(socket_.get_executor()),
      stall_(socket_.get_executor()),
      linger_(socket_.get_executor()) {
  std::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);  // video bursts and status bytes go out at once
  const auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_address_ = ep.address().to_string();
    peer_ = peer_address_ + ":" + std::to_string(ep.port());
  } else {
    peer_address_ = peer_ = "unknown";
  }
}

void ConnectionIo::set_faults(FaultInjector faults) {
  faults_ = std::move(faults);
  faults_set_ = true;
  if (!writing_) sync_faults();
}

// Brings the injector's offset up to the bytes already written without it (the hello).
void ConnectionIo::sync_faults() {
  if (!faults_set_ || !is_open()) return;
  if (faults_.sent_so_far() >= bytes_out_) return;
  const auto gap = static_cast<std::size_t>(bytes_out_ - faults_.sent_so_far());
  std::vector<std::uint8_t> past(gap);  // already on the wire: a corruption there is lost
  const auto d = faults_.before_send(past);
  faults_.sent(gap);
  if (d.drop) close(CloseReason::fault_drop);
}

bool ConnectionIo::send(std::vector<std::uint8_t> bytes) {
  if (closing()) return false;
  if (bytes.empty()) return true;
  if (queued_ + bytes.size() > limits_.max_queued_bytes) {
    close(CloseReason::overflow);
    return false;
  }
  queued_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!writing_) write_next();
  return true;
}

void ConnectionIo::write_next() {
  if (!is_open()) return;
  if (queue_.empty()) {
    writing_ = false;
    if (closing_) finish_flush();
    return;
  }
  writing_ = true;
  auto& front = queue_.front();
  std::span<std::uint8_t> rest = std::span(front).subspan(front_offset_);
  write_via_faults_ = faults_set_;
  decision_ = faults_set_ ? faults_.before_send(rest) : FaultInjector::Decision{rest.size()};
  if (decision_.send == 0) {
    on_written({}, 0);
    return;
  }
  asio::async_write(socket_, asio::buffer(rest.data(), decision_.send),
                    [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                      self->on_written(ec, n);
                    });
}

void ConnectionIo::on_written(const std::error_code& ec, std::size_t n) {
  if (!is_open()) return;
  if (ec) {
    close(CloseReason::peer);
    return;
  }
  if (write_via_faults_) faults_.sent(n);
  bytes_out_ += n;
  queued_ -= n;
  front_offset_ += n;
  if (front_offset_ == queue_.front().size()) {
    queue_.pop_front();
    front_offset_ = 0;
  }
  if (decision_.drop) {
    // Exactly N bytes are out: end the stream with FIN after them, not with a reset.
    closing_ = true;
    closing_reason_ = CloseReason::fault_drop;
    queued_ = 0;
    queue_.clear();
    front_offset_ = 0;
    writing_ = false;
    finish_flush();
    return;
  }
  sync_faults();  // bytes written before the faults were installed (the hello)
  if (!is_open()) return;
  if (decision_.stall.count() > 0) {
    stall_.expires_after(decision_.stall);
    stall_.async_wait([self = shared_from_this()](const std::error_code& wait_ec) {
      if (!wait_ec) self->write_next();
    });
    return;
  }
  write_next();
}

void ConnectionIo::close_after_flush(CloseReason why) {
  if (closing()) return;
  closing_ = true;
  closing_reason_ = why;
  if (!writing_) finish_flush();
}

void ConnectionIo::finish_flush() {
  std::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  linger_.expires_after(limits_.linger);
  linger_.async_wait([self = shared_from_this()](const std::error_code& wait_ec) {
    if (!wait_ec) self->close(self->closing_reason_);
  });
}

void ConnectionIo::close(CloseReason why) {
  if (!is_open()) return;
  reason_ = (closing_ && why == CloseReason::peer) ? closing_reason_ : why;
  closing_ = true;
  std::error_code ec;
  socket_.close(ec);
  deadline_.cancel();
  stall_.cancel();
  linger_.cancel();
  queue_.clear();
  queued_ = 0;
  front_offset_ = 0;
  writing_ = false;
  if (auto f = std::move(on_close_)) f(reason_);
}

asio::awaitable<std::size_t> ConnectionIo::read_some(std::span<std::uint8_t> into) {
  if (!is_open() || into.empty()) co_return 0;
  auto self = shared_from_this();  // keeps the socket alive while suspended
  auto result = co_await socket_.async_read_some(
      asio::buffer(into.data(), into.size()), kAsTuple);
  const std::error_code ec = std::get<0>(result);
  const std::size_t n = std::get<1>(result);
  if (ec || n == 0) {
    close(CloseReason::peer);  // EOF, reset, or operation_aborted after a local close
    co_return 0;
  }
  bytes_in_ += n;
  co_return n;
}

void ConnectionIo::arm_deadline(std::chrono::milliseconds after) {
  deadline_.expires_after(after);
  deadline_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
    if (ec) return;  // disarmed or closed
    if (auto self = weak.lock()) self->close(CloseReason::timeout);
  });
}

void ConnectionIo::disarm_deadline() { deadline_.cancel(); }

}  // namespace ilo::sim
