// One command connection of the simulator after its connect request was accepted
// (docs/command-session.md): 'R', then status records on the captured server's schedule, the
// seize/share questions the arbiter asks through it, and the client's 4-byte answers (anything
// else closes it). Records are built by the command_records core; this class only times them.
//
// Schedule (the capture's, scaled for tests): with u = min(frame_interval_ms, 100) ms, the
// first power record (type 3) goes 10u after 'R' (1 s by default, as captured), the type-16
// record with 8 zero bytes once 12u after 'R', then power every 50u (5 s) and at once on every
// power change, and health (type 4, value 0) 10u after each power record.
#pragma once

#include <asio.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "rc/command_records.hpp"
#include "rc/server_handshake.hpp"
#include "sim/connection_io.hpp"
#include "sim/console_hub.hpp"
#include "sim/session_registry.hpp"

namespace ilo::sim {

class CommandConnection : public std::enable_shared_from_this<CommandConnection> {
 public:
  CommandConnection(std::shared_ptr<ConsoleHub> hub, std::shared_ptr<ConnectionIo> io,
                    rc::ServerHandshake handshake, WebSession session,
                    std::vector<std::uint8_t> early_input);
  CommandConnection(const CommandConnection&) = delete;
  CommandConnection& operator=(const CommandConnection&) = delete;

  void start();
  void close(CloseReason why);

  // --- Called by the arbiter ---------------------------------------------------------------
  // Sends a seize (record 6, countdown in header byte 10) or share (record 9) request.
  void ask(TakeoverKind kind, const Requester& who, std::uint8_t countdown_s);
  // The console of this session was seized: finish writing, then close.
  void shut_down();
  [[nodiscard]] bool ready() const noexcept { return started_ && !io_->closing(); }
  [[nodiscard]] const std::string& session_key() const noexcept { return session_.session_key; }

  [[nodiscard]] nlohmann::json state() const;

 private:
  asio::awaitable<void> read_answers();
  asio::awaitable<void> schedule_loop();
  void on_tick();
  void on_input(std::span<const std::uint8_t> bytes);
  void send_record(const rc::RawCommandRecord& record);
  void send_power();
  void on_closed(CloseReason why);

  std::shared_ptr<ConsoleHub> hub_;
  std::shared_ptr<ConnectionIo> io_;
  rc::ServerHandshake handshake_;
  WebSession session_;
  std::vector<std::uint8_t> early_input_;
  std::array<std::uint8_t, 256> read_buffer_{};
  std::array<std::uint8_t, 4> answer_{};
  std::size_t answer_have_ = 0;
  bool started_ = false;

  asio::steady_timer tick_timer_;
  std::chrono::milliseconds unit_{100};
  std::chrono::steady_clock::time_point next_power_{}, type16_at_{};
  std::optional<std::chrono::steady_clock::time_point> next_health_;
  bool power_sent_ = false, type16_sent_ = false;
  std::uint64_t power_generation_ = 0;

  struct Stats {
    std::uint64_t power = 0, health = 0, type16 = 0, seize_requests = 0, share_requests = 0;
    std::uint64_t allow = 0, deny = 0;
  } stats_;
};

}  // namespace ilo::sim
