// The shared virtual-media connection shell of vm_connection_io.hpp.
#include "sim/vm_connection_io.hpp"

#include <utility>

namespace ilo::sim {
namespace {

// Reads land here; a 256-block floppy READ reply (16 + 131072 bytes) fits twice.
inline constexpr std::size_t kReadBufferSize = 256 * 1024;

}  // namespace

VmConnectionIo::VmConnectionIo(asio::ip::tcp::socket socket, FaultInjector faults)
    : socket_(std::move(socket)),
      stall_timer_(socket_.get_executor()),
      faults_(std::move(faults)),
      read_buffer_(kReadBufferSize) {}

void VmConnectionIo::close(const std::string& reason, bool abnormal) {
  if (closed_) return;
  closed_ = true;
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  stall_timer_.cancel();
  close_reason_ = reason;
  on_close(abnormal);
}

void VmConnectionIo::tick(std::chrono::steady_clock::time_point now, std::uint64_t& timeouts) {
  if (closed_) return;
  if (deadline_ && now > *deadline_) {
    ++timeouts;
    close(serving_ ? "no reply within the request timeout" : "no connect request in time", true);
    return;
  }
  pump();
}

void VmConnectionIo::on_read_failed(const std::error_code& ec) {
  close(ec == asio::error::eof ? "client closed the connection without DISCONNECT"
                               : "read failed: " + ec.message(),
        true);
}

asio::awaitable<void> VmConnectionIo::read_loop() {
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await socket_.async_read_some(
        asio::buffer(read_buffer_), asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) co_return;
    if (ec) {
      on_read_failed(ec);
      co_return;
    }
    on_received(std::span<const std::uint8_t>(read_buffer_.data(), n));
    if (closed_) co_return;
  }
}

asio::awaitable<bool> VmConnectionIo::send(std::span<std::uint8_t> data) {
  while (!data.empty() && !closed_) {
    const auto d = faults_.before_send(data);
    if (d.send > 0) {
      std::error_code ec;
      co_await asio::async_write(socket_, asio::buffer(data.data(), d.send),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (closed_) break;
      if (ec) {
        close("write failed: " + ec.message(), true);
        break;
      }
      faults_.sent(d.send);
      data = data.subspan(d.send);
    }
    if (d.drop) {
      close("fault: dropped after " + std::to_string(faults_.sent_so_far()) + " bytes", true);
      break;
    }
    if (d.stall.count() > 0) {
      std::error_code ec;
      stall_timer_.expires_after(d.stall);
      co_await stall_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  co_return !closed_;
}

}  // namespace ilo::sim
