// One remote-console connection of the simulator after its connect request was accepted:
// the status byte and busy dialogue (docs/rc-handshake.md), then the video stream
// (docs/rc-video.md#stream-prologue: command 13, encryption, preamble, MODE, full screen; then
// changed blocks, power commands 4/5, pings) and the client's input
// (docs/rc-input.md#server-parsing) driving the machine; or, in replay mode, a recorded stream
// served verbatim. Protocol work is done by the cores (ServerHandshake, ServerTransport,
// VideoEncoder); this class only sequences and times them.
//
// Choices where the notes are silent: power off is sent as command 5, MODE 0x0, command 128,
// FRAME_END ("No Video"), also at stream start when the host is off; power on as command 4
// followed by MODE and the full screen (a powered host at start gets no command 4). A refresh
// request (05 00) gets sync preamble, MODE, full screen (or the power-off sequence), 128,
// FRAME_END. Pings are counted unanswered when the next ping is due without an ACK. In replay
// mode a refresh is ignored (the recording cannot restart), no ping is sent, and a seized
// replay connection closes without command 10 (the recording's keystream is not ours).
#pragma once

#include <asio.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "rc/input_messages.hpp"
#include "rc/server_handshake.hpp"
#include "rc/server_transport.hpp"
#include "rc/video_encoder.hpp"
#include "sim/connection_io.hpp"
#include "sim/console_hub.hpp"
#include "sim/session_registry.hpp"

namespace ilo::sim {

class ConsoleConnection : public std::enable_shared_from_this<ConsoleConnection> {
 public:
  // `handshake` has read a valid console request from `session`; `early_input` holds client
  // bytes read after the request.
  ConsoleConnection(std::shared_ptr<ConsoleHub> hub, std::shared_ptr<ConnectionIo> io,
                    rc::ServerHandshake handshake, WebSession session,
                    std::vector<std::uint8_t> early_input);
  ConsoleConnection(const ConsoleConnection&) = delete;
  ConsoleConnection& operator=(const ConsoleConnection&) = delete;

  void start();
  void close(CloseReason why);

  // --- Called by the arbiter ---------------------------------------------------------------
  // The owner answered this connection's seize or share request (or the countdown decided).
  void decide(bool allowed);
  // Another client seized the console: send command 10, then close.
  void seize();
  [[nodiscard]] const std::string& session_key() const noexcept { return session_.session_key; }

  [[nodiscard]] nlohmann::json state() const;

 private:
  enum class Phase : std::uint8_t { handshake, busy, waiting, streaming, replay, closing, closed };
  static const char* to_string(Phase phase) noexcept;

  asio::awaitable<void> run();
  asio::awaitable<bool> negotiate();
  asio::awaitable<bool> read_busy_answer();
  asio::awaitable<void> read_input();
  asio::awaitable<void> video_loop();
  asio::awaitable<void> replay_loop();

  bool begin_stream();
  void on_input(std::span<const std::uint8_t> bytes);
  void on_message(const rc::InputMessage& message);
  void on_tick();
  // Preamble, MODE and full screen (or the power-off sequence) into the encoder.
  bool encode_restart();
  void encode_power_off();
  // Takes the encoder's output, encrypts it and queues it.
  void flush_video();
  void encoder_failed();
  void on_closed(CloseReason why);

  std::shared_ptr<ConsoleHub> hub_;
  std::shared_ptr<ConnectionIo> io_;
  rc::ServerHandshake handshake_;
  WebSession session_;
  std::vector<std::uint8_t> pending_input_;  // read but not yet parsed
  std::array<std::uint8_t, 4096> read_buffer_{};
  Phase phase_ = Phase::handshake;

  asio::steady_timer decision_timer_;
  std::optional<bool> decision_;
  asio::steady_timer tick_timer_;

  std::optional<rc::ServerTransport> transport_;
  std::optional<rc::VideoEncoder> encoder_;
  std::uint64_t power_generation_ = 0;   // last power generation shown
  std::uint64_t console_generation_ = 0; // last console generation encoded
  bool video_on_ = false;                // the client shows the screen (not the power-off state)
  std::chrono::steady_clock::time_point next_ping_{};
  bool ping_outstanding_ = false;

  struct Stats {
    std::uint64_t power = 0, keyboard = 0, pointer = 0, refresh = 0, ack = 0;
    std::uint64_t pings_sent = 0, pings_unanswered = 0, stray_acks = 0;
    std::uint64_t video_bytes = 0, updates = 0, restarts = 0;
  } stats_;
};

}  // namespace ilo::sim
