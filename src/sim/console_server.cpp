// The simulator's rc_port: accept, hello, connect request, dispatch (see console_server.hpp).
#include "sim/console_server.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <optional>

#include "errors/enum_category.hpp"
#include "rc/connect_request.hpp"
#include "rc/handshake_codes.hpp"
#include "rc/rc_error.hpp"
#include "rc/server_handshake.hpp"
#include "sim/command_connection.hpp"
#include "sim/connection_io.hpp"
#include "sim/console_connection.hpp"
#include "sim/tcp_listener.hpp"

namespace ilo::sim {
namespace {

ErrorInfo describe(ReplayError e) noexcept {
  switch (e) {
    case ReplayError::bad_key:
      return {"--replay-key must be the recording's enc_key: 32 hexadecimal characters", EINVAL};
    case ReplayError::unreadable: return {"the recording cannot be read", EIO};
    case ReplayError::too_large: return {"the recording is larger than allowed", EFBIG};
    case ReplayError::not_a_recording:
      return {"not a recorded console stream (it must start with 'P' 'R')", EINVAL};
  }
  return {};
}

// The session whose key the request carries, if the request is well formed, its flags are the
// advertised ones and the key matches a live web session.
std::optional<WebSession> check_request(ConsoleHub& hub, const rc::ServerHandshake& hs) {
  // The core was configured without a key (reject_invalid = false): only its structural
  // verdict counts; the key is matched against every live session here.
  if (hs.validation() == rc::RcError::bad_connect_request) return std::nullopt;
  const rc::ConnectRequest& request = hs.request();
  if (request.flags != rc::connect_flags(hub.features)) return std::nullopt;
  return hub.ctx.sessions.match_connect_key(request.key, hub.features.encrypt_key,
                                            std::chrono::steady_clock::now());
}

// Hello, request, validation; then a console or command connection takes over.
asio::awaitable<void> serve_handshake(std::shared_ptr<ConsoleHub> hub,
                                      std::shared_ptr<ConnectionIo> io) {
  rc::ServerHandshakeConfig config;
  config.features = hub->features;
  config.reject_invalid = false;
  rc::ServerHandshake hs(std::move(config));
  io->send(hs.start().send);  // 'P' at once
  io->arm_deadline(hub->options.handshake_timeout);

  std::array<std::uint8_t, 512> buffer{};
  std::vector<std::uint8_t> leftover;
  while (hs.status() == rc::ServerHandshakeStatus::need_more) {
    const std::size_t n = co_await io->read_some(buffer);
    if (n == 0) {
      if (io->close_reason() == CloseReason::timeout)
        ++hub->counters.handshake_timeouts;
      else if (io->close_reason() == CloseReason::peer)
        ++hub->counters.handshake_aborted;
      co_return;
    }
    const auto r = hs.feed(std::span<const std::uint8_t>(buffer.data(), n));
    leftover.assign(buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed),
                    buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  io->disarm_deadline();
  if (hub->stopped || !io->is_open()) co_return;

  auto session = check_request(*hub, hs);
  if (hs.status() != rc::ServerHandshakeStatus::request_received || !session) {
    ++hub->counters.rejected;
    io->send(hs.respond(rc::to_byte(rc::HandshakeByte::denied)).send);
    io->close_after_flush();
    co_return;
  }
  std::erase_if(hub->handshaking, [&](const auto& w) {
    const auto c = w.lock();
    return !c || c == io;
  });
  if (hs.request().type == rc::ConnectionType::console) {
    io->set_faults(hub->ctx.faults.open(Channel::rc));
    auto c = std::make_shared<ConsoleConnection>(hub, io, std::move(hs), std::move(*session),
                                                 std::move(leftover));
    hub->consoles.push_back(c);
    c->start();
  } else {
    io->set_faults(hub->ctx.faults.open(Channel::cmd));
    auto c = std::make_shared<CommandConnection>(hub, io, std::move(hs), std::move(*session),
                                                 std::move(leftover));
    hub->commands.push_back(c);
    c->start();
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<ConsoleHub> hub) {
  asio::steady_timer backoff(hub->acceptor.get_executor());
  while (!hub->stopped && hub->acceptor.is_open()) {
    auto result = co_await hub->acceptor.async_accept(kAsTuple);
    const std::error_code ec = std::get<0>(result);
    if (hub->stopped || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // E.g. out of file descriptors: wait a little instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kAsTuple);
      continue;
    }
    ++hub->counters.accepted;
    auto io = std::make_shared<ConnectionIo>(std::move(std::get<1>(result)), hub->options.io);
    hub->prune();
    hub->handshaking.push_back(io);
    hub->sockets.push_back(io);
    asio::co_spawn(hub->acceptor.get_executor(), serve_handshake(hub, io), asio::detached);
  }
}

}  // namespace

const std::error_category& replay_category() noexcept {
  return enum_category<ReplayError, describe>("ilo.sim.replay", "unknown replay error");
}

ConsoleServer::ConsoleServer(asio::io_context& io, SimContext& ctx, ConsoleServerOptions options)
    : io_(io), hub_(std::make_shared<ConsoleHub>(io, ctx, options)) {}

ConsoleServer::~ConsoleServer() { stop(); }

std::error_code ConsoleServer::load_replay() {
  const auto& config = hub_->ctx.config;
  if (!config.replay_path || hub_->replay) return {};
  std::error_code ec;
  hub_->replay_key = rc::stream_key_from_enc_key(config.replay_key, ec);
  if (ec) return ReplayError::bad_key;
  std::ifstream in(*config.replay_path, std::ios::binary);
  if (!in) return ReplayError::unreadable;
  std::vector<std::uint8_t> data;
  std::array<char, 65536> chunk{};
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (data.size() + got > hub_->options.max_replay_bytes) return ReplayError::too_large;
    data.insert(data.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
  if (in.bad()) return ReplayError::unreadable;
  // A recorded server stream: hello, granted, then the video stream.
  if (data.size() < 2 || data[0] != rc::to_byte(rc::HandshakeByte::hello) ||
      data[1] != rc::to_byte(rc::HandshakeByte::ok))
    return ReplayError::not_a_recording;
  hub_->replay_stream.assign(data.begin() + 2, data.end());
  hub_->replay = true;
  return {};
}

std::error_code ConsoleServer::listen(const asio::ip::tcp::endpoint& endpoint) {
  if (hub_->stopped) return asio::error::operation_aborted;
  if (hub_->acceptor.is_open()) return asio::error::already_open;
  if (const auto replay_error = load_replay(); replay_error) return replay_error;
  auto& acceptor = hub_->acceptor;
  std::error_code ec = open_listener(acceptor, endpoint);
  if (ec) return ec;
  port_ = acceptor.local_endpoint(ec).port();
  asio::co_spawn(io_, accept_loop(hub_), asio::detached);
  return {};
}

void ConsoleServer::stop() {
  if (hub_->stopped) return;
  hub_->stopped = true;
  std::error_code ignored;
  hub_->acceptor.close(ignored);
  // Copies: closing a connection edits the lists through the arbiter and the handshakes.
  // A copy: closing a connection runs its handlers, which may edit the lists.
  const auto sockets = hub_->sockets;
  for (const auto& w : sockets)
    if (auto c = w.lock()) c->close(CloseReason::stopped);
}

nlohmann::json ConsoleServer::state() const {
  hub_->prune();
  nlohmann::json j;
  j["port"] = port();
  j["listening"] = hub_->acceptor.is_open();
  j["replay"] = hub_->replay;
  j["counters"] = hub_->counters.to_json();
  j["console"] = hub_->arbiter.state();
  auto connections = nlohmann::json::array();
  for (const auto& w : hub_->handshaking) {
    if (auto c = w.lock()) {
      connections.push_back({{"kind", "unknown"},
                             {"peer", c->peer()},
                             {"phase", "handshake"},
                             {"bytes_in", c->bytes_in()},
                             {"bytes_out", c->bytes_out()}});
    }
  }
  for (const auto& w : hub_->consoles)
    if (auto c = w.lock()) connections.push_back(c->state());
  for (const auto& w : hub_->commands)
    if (auto c = w.lock()) connections.push_back(c->state());
  j["connections"] = std::move(connections);
  return j;
}

}  // namespace ilo::sim
