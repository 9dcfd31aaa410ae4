// ilo-sim's rc_port: accepts TCP connections, sends the hello 'P', reads the 34-byte connect
// request (10 s timeout) and checks it against the live web sessions (flags as advertised, key
// XOR-ed with enc_key iff ENCRYPT_KEY), answers 'Q' to a bad one, and hands good ones to a
// console or command connection (console_connection.hpp, command_connection.hpp). It uses the
// server-side protocol cores only, never the client's session code. All calls, and everything
// it does, run on the io_context's single thread.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <system_error>

#include <nlohmann/json.hpp>

#include "sim/console_hub.hpp"
#include "sim/replay_error.hpp"
#include "sim/sim_context.hpp"

namespace ilo::sim {

class ConsoleServer {
 public:
  ConsoleServer(asio::io_context& io, SimContext& ctx, ConsoleServerOptions options = {});
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  // In replay mode (ctx.config.replay_path set) reads the recording, which must start with
  // 'P' 'R', and decodes its key (ctx.config.replay_key); a ReplayError if either is unusable.
  // Without a replay path, or once loaded, it does nothing and succeeds.
  std::error_code load_replay();
  // Binds and starts accepting (port 0 picks a free port). In replay mode it first loads the
  // recording if load_replay() has not; failures are returned and nothing listens.
  std::error_code listen(const asio::ip::tcp::endpoint& endpoint);
  // The bound port (0 before a successful listen()). Safe to call from any thread.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_.load(); }
  // Stops accepting and closes every connection at once (pending operations end with
  // operation_aborted, a normal path). Idempotent.
  void stop();

  // Counters, the arbiter's view and every live connection (kind, peer, phase, role, cipher,
  // bytes, pings, input messages by type). Never contains key material.
  [[nodiscard]] nlohmann::json state() const;

 private:
  asio::io_context& io_;
  std::shared_ptr<ConsoleHub> hub_;
  std::atomic<std::uint16_t> port_{0};
};

}  // namespace ilo::sim
