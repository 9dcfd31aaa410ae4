// Connect and handshake under deadlines (see rc_connect.hpp). Every wait races a deadline timer
// with Asio's awaitable operators; the loser is cancelled.
#include "net/rc_connect.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <array>
#include <span>
#include <tuple>
#include <variant>

#include <asio/experimental/awaitable_operators.hpp>

#include "net/net_error.hpp"
#include "net/use_nothrow.hpp"
#include "rc/rc_error.hpp"

namespace ilo::net {
namespace {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

// Keep-alive tuning: first probe after 10 s of silence, then every 5 s, give up after 3.
constexpr int kKeepAliveIdleS = 10;
constexpr int kKeepAliveIntervalS = 5;
constexpr int kKeepAliveCount = 3;

using KeepIdle = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_KEEPIDLE>;
using KeepInterval = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_KEEPINTVL>;
using KeepCount = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_KEEPCNT>;

}  // namespace

void apply_rc_socket_options(tcp::socket& socket) {
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.set_option(asio::socket_base::keep_alive(true), ignored);
  socket.set_option(KeepIdle(kKeepAliveIdleS), ignored);
  socket.set_option(KeepInterval(kKeepAliveIntervalS), ignored);
  socket.set_option(KeepCount(kKeepAliveCount), ignored);
}

asio::awaitable<RcConnectResult> rc_connect(tcp::socket& socket, std::string host,
                                            std::uint16_t port, rc::ConnectRequestBytes request,
                                            RcConnectOptions options) {
  RcConnectResult out;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer deadline(executor);
  deadline.expires_after(options.handshake_timeout);
  std::error_code timeout_error = NetError::handshake_timeout;

  // A literal address needs no resolver (whose lookups cannot be cancelled by closing the
  // socket); a name is resolved under the same deadline.
  tcp::resolver::results_type endpoints;
  std::error_code address_ec;
  const auto address = asio::ip::make_address(host, address_ec);
  if (!address_ec) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, port), host,
                                                    std::to_string(port));
  } else {
    tcp::resolver resolver(executor);
    // A named string: GCC 12 mis-destroys temporaries in a full-expression with co_await.
    const std::string service = std::to_string(port);
    auto resolved = co_await (resolver.async_resolve(host, service, use_nothrow) ||
                              deadline.async_wait(use_nothrow));
    if (resolved.index() == 1) {
      out.error = timeout_error;
      co_return out;
    }
    auto [resolve_ec, found] = std::get<0>(std::move(resolved));
    if (resolve_ec) {
      out.error = resolve_ec;
      co_return out;
    }
    endpoints = std::move(found);
  }

  auto connected = co_await (asio::async_connect(socket, endpoints, use_nothrow) ||
                             deadline.async_wait(use_nothrow));
  if (connected.index() == 1) {
    out.error = timeout_error;
    co_return out;
  }
  if (auto ec = std::get<0>(std::get<0>(connected)); ec) {
    out.error = ec;
    co_return out;
  }
  apply_rc_socket_options(socket);

  rc::ClientHandshake handshake(request, options.handshake);
  std::array<std::uint8_t, 512> buffer{};

  // Writes `bytes` before the deadline; false (out.error set) on failure.
  auto send = [&](std::vector<std::uint8_t> bytes) -> asio::awaitable<bool> {
    if (bytes.empty()) co_return true;
    auto written = co_await (asio::async_write(socket, asio::buffer(bytes), use_nothrow) ||
                             deadline.async_wait(use_nothrow));
    if (written.index() == 1) {
      out.error = timeout_error;
      co_return false;
    }
    auto [ec, n] = std::get<0>(written);
    out.bytes_sent += n;
    if (ec) out.error = ec;
    co_return !ec;
  };

  for (;;) {
    auto got = co_await (socket.async_read_some(asio::buffer(buffer), use_nothrow) ||
                         deadline.async_wait(use_nothrow));
    if (got.index() == 1) {
      out.error = timeout_error;
      co_return out;
    }
    auto [read_ec, n] = std::get<0>(got);
    if (read_ec) {
      out.error = read_ec == asio::error::eof ? make_error_code(NetError::closed_by_peer)
                                              : read_ec;
      co_return out;
    }
    out.bytes_received += n;
    std::span<const std::uint8_t> in(buffer.data(), n);
    while (!in.empty()) {
      auto step = handshake.feed(in);
      if (step.consumed == 0 && step.status == rc::HandshakeStatus::need_more) break;  // defensive
      in = in.subspan(step.consumed);
      if (!co_await send(std::move(step.send))) co_return out;
      if (step.status == rc::HandshakeStatus::busy) {
        out.was_busy = true;
        if (options.on_busy) options.on_busy();
        switch (options.busy) {
          case BusyPolicy::fail: step = handshake.cancel(); break;
          case BusyPolicy::seize:
            step = handshake.seize();
            // The owner is being asked; its countdown is not announced to us
            // (docs/rc-handshake.md#the-owners-side).
            deadline.expires_after(options.seize_timeout);
            timeout_error = NetError::seize_timeout;
            break;
          case BusyPolicy::share: step = handshake.share(); break;
        }
        if (!co_await send(std::move(step.send))) co_return out;
      }
      if (step.status == rc::HandshakeStatus::granted) {
        out.leftover.assign(in.begin(), in.end());
        co_return out;
      }
      if (step.status == rc::HandshakeStatus::failed) {
        out.error = step.error;
        co_return out;
      }
    }
  }
}

}  // namespace ilo::net
