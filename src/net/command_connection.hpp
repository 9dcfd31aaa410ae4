// The command connection (docs/command-session.md): connects and runs the type-2 handshake, then
// frames the server's records with rc::CommandRecordParser and hands each to the owner, writing
// the 4-byte seize/share answer the owner chooses. It never reconnects and holds no policy: the
// console session decides what each record means for the session.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>

#include <asio.hpp>

#include "net/rc_connect.hpp"
#include "rc/command_records.hpp"

namespace ilo::net {

// What the owner wants done after a record.
struct CommandAction {
  std::optional<rc::SeizeAnswer> answer;  // written before reading on
  bool finish = false;                    // then end the connection (run() returns empty)
};

using CommandRecordHandler = std::function<CommandAction(const rc::CommandRecord&)>;

struct CommandCounters {
  std::uint64_t bytes_received = 0;
  std::uint64_t records = 0;
  std::uint64_t malformed = 0;  // records too short for their type (skipped)
};

// Runs one command connection on `socket` until the server closes it (NetError::closed_by_peer),
// an error, a framing error, or a handler asks to finish (empty code). `on_granted` is called
// once after the server's 'R'. Closing the socket from outside ends it with operation_aborted.
asio::awaitable<std::error_code> run_command_connection(
    asio::ip::tcp::socket& socket, std::string host, std::uint16_t port,
    rc::ConnectRequestBytes request, RcConnectOptions options, std::function<void()> on_granted,
    CommandRecordHandler handler, CommandCounters& counters);

}  // namespace ilo::net
