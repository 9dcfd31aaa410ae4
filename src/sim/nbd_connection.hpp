// The Asio shell of one NBD server connection (the core is nbd_server.hpp) on our end of a
// socket pair: received bytes feed the core, each request goes to a handler that answers later
// with reply(), and what the core produces is written one write at a time. Pending operations
// hold the connection (shared_ptr); close() ends them. What to read and when is the caller's.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop

#include "sim/nbd_server.hpp"

namespace ilo::sim {

class NbdConnection : public std::enable_shared_from_this<NbdConnection> {
 public:
  // Gets each READ/WRITE/FLUSH in the order received; must not call close() from inside.
  using RequestHandler = std::function<void(NbdRequest)>;

  NbdConnection(asio::io_context& io, NbdExport exp);
  // Takes ownership of `fd` (a connected stream socket).
  std::error_code assign(int fd);
  // Sends the greeting and starts reading.
  void start(RequestHandler handler);
  // The answer to a request (READ: exactly its length of data when error is kOk).
  void reply(std::uint64_t handle, std::uint32_t error, std::span<const std::uint8_t> data = {});
  void close();

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] const NbdServer& core() const noexcept { return core_; }

 private:
  void read_next();
  void flush();

  asio::local::stream_protocol::socket socket_;
  NbdServer core_;
  RequestHandler handler_;
  std::array<std::uint8_t, 65536> in_{};
  std::vector<std::uint8_t> out_;   // produced, not yet being written
  std::vector<std::uint8_t> wire_;  // being written
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace ilo::sim
