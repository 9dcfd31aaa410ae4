// What the console port's connections share: the simulator context, the server's options and
// counters, the console arbiter and, in replay mode, the recorded
// stream. Owned jointly (shared_ptr) by the server and its connections, so a connection that
// finishes after the server object is gone still finds it. Single-threaded, no I/O of its own.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "rc/framebuffer.hpp"
#include "rc/key_encoding.hpp"
#include "rc/optional_features.hpp"
#include "sim/connection_io.hpp"
#include "sim/console_arbiter.hpp"
#include "sim/sim_context.hpp"

namespace ilo::sim {

class ConsoleConnection;
class CommandConnection;

struct ConsoleServerOptions {
  std::chrono::milliseconds handshake_timeout{10'000};  // per handshake read step
  ConnectionIoLimits io;                                 // write queue bound, linger
  std::size_t replay_chunk = 4096;                       // replay bytes sent per frame interval
  std::size_t max_replay_bytes = 256u << 20;             // larger recordings are refused
};

struct ConsoleCounters {
  std::uint64_t accepted = 0;
  std::uint64_t handshake_timeouts = 0;   // no complete request (or busy answer) in time
  std::uint64_t handshake_aborted = 0;    // the client left during the handshake
  std::uint64_t rejected = 0;             // 'Q': bad request, flags or key
  std::uint64_t no_licence = 0;           // 'W' (fault no-licence)
  std::uint64_t busy = 0;                 // 'S' sent
  std::uint64_t bad_busy_answers = 0;     // neither 55 00 nor 56 00 after 'S'
  std::uint64_t takeovers_refused = 0;    // 'Q' after a seize or share
  std::uint64_t console_sessions = 0;     // consoles granted ('R')
  std::uint64_t command_sessions = 0;     // command connections granted ('R')
  std::uint64_t protocol_errors = 0;      // unknown input message, bad 4-byte answer
  std::uint64_t overflow_drops = 0;       // clients dropped for not reading
  std::uint64_t fault_drops = 0;          // connections ended by a drop fault
  std::uint64_t encoder_errors = 0;       // the screen could not be encoded (bad size)
  std::uint64_t seized_notices = 0;       // video command 10 sent to a replaced owner

  [[nodiscard]] nlohmann::json to_json() const;
  void count_close(CloseReason reason) noexcept;
};

struct ConsoleHub {
  ConsoleHub(asio::io_context& io, SimContext& context, ConsoleServerOptions opts)
      : ctx(context),
        options(opts),
        features(rc::parse_optional_features(context.config.optional_features)),
        acceptor(io) {}

  SimContext& ctx;
  const ConsoleServerOptions options;
  const rc::OptionalFeatures features;  // as advertised in rc_info
  ConsoleCounters counters;
  ConsoleArbiter arbiter;
  asio::ip::tcp::acceptor acceptor;
  bool stopped = false;

  // Replay mode: the recorded server stream after its first two bytes (P R), and its key.
  bool replay = false;
  std::vector<std::uint8_t> replay_stream;
  rc::StreamKey replay_key{};

  // Live connections: every accepted socket (for stop(), including refused ones still
  // flushing), those still in the request phase, and the dispatched ones (for state()).
  std::vector<std::weak_ptr<ConnectionIo>> sockets;
  std::vector<std::weak_ptr<ConnectionIo>> handshaking;
  std::vector<std::weak_ptr<ConsoleConnection>> consoles;
  std::vector<std::weak_ptr<CommandConnection>> commands;
  void prune();
};

}  // namespace ilo::sim
