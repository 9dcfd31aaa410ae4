// Command connection loop (see command_connection.hpp).
#include "net/command_connection.hpp"

#include <array>
#include <span>
#include <tuple>

#include "net/net_error.hpp"
#include "net/use_nothrow.hpp"
#include "rc/command_record_parser.hpp"
#include "rc/rc_error.hpp"

namespace ilo::net {

asio::awaitable<std::error_code> run_command_connection(
    asio::ip::tcp::socket& socket, std::string host, std::uint16_t port,
    rc::ConnectRequestBytes request, RcConnectOptions options, std::function<void()> on_granted,
    CommandRecordHandler handler, CommandCounters& counters) {
  options.busy = BusyPolicy::fail;  // never negotiated (docs/rc-handshake.md#command-connection)
  auto connected = co_await rc_connect(socket, std::move(host), port, request, options);
  counters.bytes_received += connected.bytes_received;
  if (connected.error) co_return connected.error;
  if (on_granted) on_granted();

  rc::CommandRecordParser parser;
  // Feeds bytes to the parser; returns an error to end with, or finished = true.
  bool finished = false;
  auto consume = [&](std::span<const std::uint8_t> in) -> asio::awaitable<std::error_code> {
    while (!in.empty()) {
      auto step = parser.feed(in);
      in = in.subspan(step.consumed);
      if (step.error == rc::RcError::malformed_record) {
        ++counters.malformed;
        continue;
      }
      if (step.error) co_return step.error;
      if (!step.record) continue;
      ++counters.records;
      const CommandAction action = handler(*step.record);
      if (action.answer) {
        const auto bytes = rc::encode_seize_answer(*action.answer);
        auto [ec, n] = co_await asio::async_write(socket, asio::buffer(bytes), use_nothrow);
        if (ec) co_return ec;
      }
      if (action.finish) {
        finished = true;
        co_return std::error_code{};
      }
    }
    co_return std::error_code{};
  };

  if (auto ec = co_await consume(connected.leftover); ec || finished) co_return ec;
  std::array<std::uint8_t, 2048> buffer{};
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_nothrow);
    if (ec) co_return ec == asio::error::eof ? make_error_code(NetError::closed_by_peer) : ec;
    counters.bytes_received += n;
    if (auto err = co_await consume(std::span(buffer.data(), n)); err || finished) co_return err;
  }
}

}  // namespace ilo::net
