// NbdConnection (see nbd_connection.hpp): one read and at most one write outstanding; a broken
// or closed core, a socket error or close() end the connection (operation_aborted is normal).
#include "sim/nbd_connection.hpp"

#include <unistd.h>

namespace ilo::sim {

NbdConnection::NbdConnection(asio::io_context& io, NbdExport exp) : socket_(io), core_(exp) {}

std::error_code NbdConnection::assign(int fd) {
  std::error_code ec;
  socket_.assign(asio::local::stream_protocol(), fd, ec);
  if (ec) ::close(fd);
  return ec;
}

void NbdConnection::start(RequestHandler handler) {
  handler_ = std::move(handler);
  flush();  // the greeting
  read_next();
}

void NbdConnection::read_next() {
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](std::error_code ec,
                                                                          std::size_t n) {
    if (self->closed_) return;
    if (ec) {
      self->close();
      return;
    }
    self->core_.feed(std::span<const std::uint8_t>(self->in_.data(), n));
    while (self->core_.has_request() && !self->closed_) self->handler_(self->core_.take_request());
    self->flush();
    if (self->core_.phase() == NbdServer::Phase::broken) {
      self->close();
      return;
    }
    // After DISC or ABORT the client closes; reading on sees its end.
    self->read_next();
  });
}

void NbdConnection::reply(std::uint64_t handle, std::uint32_t error,
                          std::span<const std::uint8_t> data) {
  if (closed_) return;
  core_.reply(handle, error, data);
  flush();
}

void NbdConnection::flush() {
  if (closed_) return;
  auto more = core_.take_output();
  out_.insert(out_.end(), more.begin(), more.end());
  if (writing_ || out_.empty()) return;
  writing_ = true;
  wire_.swap(out_);
  out_.clear();
  asio::async_write(socket_, asio::buffer(wire_),
                    [self = shared_from_this()](std::error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->wire_.clear();
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->flush();
                    });
}

void NbdConnection::close() {
  if (closed_) return;
  closed_ = true;
  handler_ = nullptr;
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace ilo::sim
