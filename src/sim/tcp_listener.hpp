// The listening socket every ilo-sim TCP server opens (the console port in console_server.cpp,
// virtual media in vm_server.cpp): open, reuse the address, bind, listen; closed again on any
// failure. Accepting and what a connection does stay with each server.
#pragma once

#include <system_error>

// GCC's -Wnull-dereference fires inside Asio's scheduler.ipp after inlining (a false positive);
// the warning is judged at that header's location, so silence it for Asio's headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop

namespace ilo::sim {

// `receive_buffer_bytes` > 0 sets SO_RCVBUF before listen(), so that accepted sockets inherit
// it and the window scale allows it.
inline std::error_code open_listener(asio::ip::tcp::acceptor& acceptor,
                                     const asio::ip::tcp::endpoint& endpoint,
                                     int receive_buffer_bytes = 0) {
  std::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && receive_buffer_bytes > 0)
    acceptor.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

}  // namespace ilo::sim
