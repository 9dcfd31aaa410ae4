// Opens one TCP connection to the iLO's rc_port and runs the client handshake of
// docs/rc-handshake.md over it (console or command type, chosen by the request's first byte),
// under deadlines: connect, hello and status within `handshake_timeout`; the answer to a seize
// within `seize_timeout`. The socket is the caller's, so the caller can close it to abort.
// It does not read the stream that follows: bytes that came with the status byte are handed back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include "net/busy_policy.hpp"
#include "rc/client_handshake.hpp"
#include "rc/connect_request.hpp"

namespace ilo::net {

struct RcConnectOptions {
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds seize_timeout{40'000};
  BusyPolicy busy = BusyPolicy::fail;
  rc::ClientHandshakeOptions handshake;
  std::function<void()> on_busy;  // called once when the server answers S or Y
};

struct RcConnectResult {
  std::error_code error;                // empty: granted
  bool was_busy = false;                // the first status was S or Y
  std::vector<std::uint8_t> leftover;   // stream bytes that arrived with the status byte
  std::size_t bytes_sent = 0;
  std::size_t bytes_received = 0;
};

// TCP_NODELAY (as the Java client) and TCP keep-alive probes, so a dead link on a silent
// console is noticed by the kernel. Errors are ignored: both are optimisations.
void apply_rc_socket_options(asio::ip::tcp::socket& socket);

// Resolves and connects `socket`, applies the socket options and runs the handshake. On any
// failure the socket is left for the caller to close.
asio::awaitable<RcConnectResult> rc_connect(asio::ip::tcp::socket& socket, std::string host,
                                            std::uint16_t port, rc::ConnectRequestBytes request,
                                            RcConnectOptions options);

}  // namespace ilo::net
