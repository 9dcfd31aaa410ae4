// A client's remote-console session with one iLO: the console connection (handshake, busy
// policy, received bytes -> rc::ClientTransport -> rc::VideoDecoder -> the caller's
// Framebuffer, pings answered, refresh requests sent, input sent), the command connection
// opened right after 'R' (power, health, seize/share requests, shutdown notices), and automatic
// reconnects with backoff. It owns every timeout and socket lifetime; the protocol logic is the
// cores'. It never logs, and never puts the session key or enc_key into any text.
//
// Threading: everything runs on a strand of the given executor (a plain io_context thread is
// enough). The input functions, start(), stop(), set_credentials() and status() may be called
// from any thread; observer callbacks and framebuffer writes happen on the session's strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <asio.hpp>

#include "net/connection_policy.hpp"
#include "net/rc_connect.hpp"
#include "rc/client_transport.hpp"
#include "rc/command_records.hpp"
#include "rc/framebuffer.hpp"
#include "rc/input_messages.hpp"
#include "rc/optional_features.hpp"
#include "rc/video_events.hpp"

namespace ilo::net {

// From /json/login_session and /json/rc_info. Secrets: never logged, never formatted.
struct ConsoleCredentials {
  std::string session_key;  // 32 lower-case hex characters
  std::string enc_key;      // 32 hex characters, case as received
  rc::OptionalFeatures features;
  // The login these keys came from (session::SessionKeys::generation); handed back through
  // on_stale_keys when the iLO refuses them.
  std::uint64_t generation = 0;
};

// How to answer another user's seize request on the command connection
// (docs/command-session.md#seize-and-share-requests). Java asks its user and allows when the
// countdown expires; a daemon has no user.
enum class SeizeRequestPolicy : std::uint8_t { allow, deny };

struct ConsoleSessionConfig {
  std::string host;
  std::uint16_t rc_port = 17990;
  ConsoleCredentials credentials;

  BusyPolicy busy = BusyPolicy::fail;             // until the first successful connection
  BusyPolicy reconnect_busy = BusyPolicy::seize;  // automatic reconnects (as Java)
  SeizeRequestPolicy seize_requests = SeizeRequestPolicy::allow;
  bool reconnect = true;  // reconnect after EOF/errors, for as long as the owner wants

  // Deadlines, backoff, stable reset and attempt limit of the console connection (its
  // handshake_timeout bounds connect + hello + status byte together); the command connection
  // backs off under the same policy, starting at 1 s at least.
  ConnectionPolicy policy;
  // Called (on the session's strand) when the iLO refuses the keys ('Q'): the owner of the
  // login should log in again and hand the new keys to set_credentials(); the session backs
  // off and retries with whatever keys it holds then. Empty: a refusal ends the session.
  std::function<void(std::uint64_t stale_generation)> on_stale_keys;
  std::chrono::milliseconds seize_timeout{40'000};      // waiting for R/Q after 55 00
  // Silence on the console: after `silence_probe` send a refresh request; after `silence_limit`
  // give the connection up (reconnect). 0 disables each.
  std::chrono::milliseconds silence_probe{30'000};
  std::chrono::milliseconds silence_limit{60'000};
  // Pause between the reports of type_text() (each character is a press and a release).
  std::chrono::milliseconds typing_interval{8};
  std::size_t max_queued_inputs = 4096;

  rc::ClientHandshakeOptions handshake;   // readings of unknown status bytes and of share
  rc::ClientTransportOptions transport;   // reading of cipher 3
};

enum class ConsolePhase : std::uint8_t {
  idle,        // not started
  connecting,  // TCP connect and handshake
  seizing,     // the console was busy: waiting for the answer to our seize (or share)
  connected,   // the video stream is running
  waiting,     // backing off before the next attempt
  stopped,     // finished: see stop_reason
};
const char* to_string(ConsolePhase phase) noexcept;

// Where a power state came from.
enum class PowerSource : std::uint8_t { video_command, command_record };

struct ConsoleStatus {
  ConsolePhase phase = ConsolePhase::idle;
  bool connected = false;          // console connection up (video flowing)
  bool command_connected = false;  // command connection up
  int width = 0, height = 0;       // last MODE
  std::optional<bool> power_on;    // last power state from either source
  std::optional<std::uint8_t> health;  // last command record 4 value
  std::uint8_t cipher = 0;         // cipher number in use on the console connection
  std::uint64_t attempts = 0;      // console connection attempts
  std::uint64_t connects = 0;      // attempts that were granted
  std::uint64_t reconnects = 0;    // grants after the first one
  std::uint64_t command_reconnects = 0;  // command connection grants after the first one
  std::uint64_t bytes_received = 0, bytes_sent = 0;  // console connection, all attempts
  std::uint64_t frames = 0;        // FRAME_ENDs decoded, all attempts
  std::uint64_t decode_errors = 0, resyncs = 0;
  std::uint64_t refresh_requests = 0;  // 05 00 sent (decoder, probe or refresh())
  std::uint64_t pings = 0;             // pings answered with ACK
  std::uint64_t inputs_sent = 0, inputs_dropped = 0;
  std::uint64_t command_records = 0;
  std::error_code last_error;   // the most recent failure (kept after recovering)
  std::error_code stop_reason;  // why the session ended (phase stopped)
};

// Callbacks on the session's strand. Keep them short; they must not destroy the session.
class ConsoleObserver {
 public:
  virtual void on_status(const ConsoleStatus& /*status*/) {}  // phase changes
  virtual void on_screen_mode(const rc::ScreenMode& /*mode*/) {}
  // A complete frame is in the framebuffer; `frame` counts frames over the whole session.
  virtual void on_frame(std::uint64_t /*frame*/) {}
  virtual void on_power(bool /*on*/, PowerSource /*source*/) {}
  virtual void on_health(std::uint8_t /*value*/) {}
  virtual void on_post_code(std::uint16_t /*code*/) {}
  virtual void on_text(const rc::Text& /*text*/) {}
  // Another user asked for the console; `answer` is what the policy sent.
  virtual void on_seize_request(const rc::SeizeRequest& /*request*/, rc::SeizeAnswer /*answer*/) {}
  virtual void on_share_request(const rc::ShareRequest& /*request*/) {}
  // The console was taken over (video command 10, or we allowed a seize request).
  virtual void on_seized() {}
  // The session ended for good (also reported through on_status).
  virtual void on_stopped(std::error_code /*reason*/) {}

 protected:
  ~ConsoleObserver() = default;
};

class ConsoleSession {
 public:
  // `framebuffer` and `observer` must outlive the session object (not its io_context).
  ConsoleSession(asio::any_io_executor executor, ConsoleSessionConfig config,
                 rc::Framebuffer& framebuffer, ConsoleObserver& observer);
  // Detaches the framebuffer and observer at once (no callback or pixel write afterwards),
  // then stops asynchronously. Destroy the session before its io_context.
  ~ConsoleSession();
  ConsoleSession(const ConsoleSession&) = delete;
  ConsoleSession& operator=(const ConsoleSession&) = delete;

  // Starts connecting (again, after a stop). No effect while running.
  void start();
  // Closes both connections and ends the session with NetError::stopped. Asynchronous: the
  // observer's on_stopped() (or the io_context running out of work) marks the end.
  void stop();
  // Keys for the next connection attempt (e.g. after a re-login); the current one is kept.
  void set_credentials(ConsoleCredentials credentials);

  // Input, sent in call order while connected; dropped (and counted) while not connected.
  void power(rc::PowerAction action);
  void keyboard(const rc::KeyboardReport& report);
  // Types US-layout ASCII text as press/release reports, paced by typing_interval. Text with a
  // character that has no key is refused whole: std::errc::invalid_argument, nothing typed.
  std::error_code type_text(std::string_view text);
  // Pointer at (x, y) in screen pixels with rc::kButton* bits (docs/rc-input.md#pointer); dropped
  // outside the current screen.
  void pointer(int x, int y, std::uint8_t buttons);
  void refresh();

  [[nodiscard]] ConsoleStatus status() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ilo::net
