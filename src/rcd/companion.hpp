// The mount's side of the companion process `ilofs-rc` (one per mounted server): starts it
// with one end of a Unix socket pair (never a secret in argv or the environment), hands it the
// session keys, restarts it with backoff if it dies, maps the frame it publishes, keeps the
// latest state it reported, and sends it commands (power, keys, pointer, refresh). The mount,
// and the virtual media, keep working while the companion is down.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <system_error>

#include "net/busy_policy.hpp"
#include "net/connection_policy.hpp"
#include "rc/input_messages.hpp"
#include "rc/key_layout.hpp"
#include "rc/key_script.hpp"
#include "rcd/shared_frame.hpp"
#include "session/session_owner.hpp"

namespace ilo::rcd {

struct CompanionOptions {
  std::string program;                        // path of ilofs-rc
  std::string host;                           // the iLO (console port from SessionKeys)
  net::BusyPolicy busy = net::BusyPolicy::fail;
  net::ConnectionPolicy policy;               // the console's and the command connection's
  std::chrono::milliseconds restart_initial{500}, restart_max{10'000};  // companion restarts
  // Waiting for a command to be written, on top of the typing itself: keys are paced one
  // report per typing_interval by the companion, so n reports may take n * typing_interval more.
  std::chrono::milliseconds command_timeout{30'000};
  std::chrono::milliseconds typing_interval{8};
  bool debug = false;                         // the companion logs protocol debug (no secrets)
  // The server's keyboard layout (null: US), handed to the companion for VNC keysyms.
  std::shared_ptr<const rc::KeyLayout> layout;
  // VNC viewers (vnc_address empty: no VNC server). The password (empty: none) reaches the
  // companion over the socket pair only; the Companion wipes its copy when it goes.
  std::string vnc_address;
  std::uint16_t vnc_port = 0;
  std::string vnc_password;
  std::function<void(int /*syslog priority*/, const std::string&)> log;
};

// State of one connection as a user sees it.
enum class LinkState : std::uint8_t { down, connecting, up };
const char* to_string(LinkState state) noexcept;

struct VncViewerStatus {
  std::string address;
  std::int64_t since = 0;  // Unix time
};

// What the companion last reported, plus the parent's own view of the process.
struct CompanionStatus {
  std::optional<bool> power_on;      // nullopt: unknown
  int width = 0, height = 0;         // last screen mode (0x0: no video)
  std::uint64_t frames = 0;          // frames decoded (all connections, all companions)
  LinkState console = LinkState::down, command = LinkState::down;
  std::string console_error, command_error;  // last error text when not up ("" if none)
  std::uint64_t bytes_received = 0, pings = 0, reconnects = 0, decode_errors = 0;
  std::uint64_t inputs_sent = 0, inputs_dropped = 0;
  std::uint64_t command_reconnects = 0;  // command connection grants after the first one
  int pid = 0;                       // 0 while not running
  std::uint64_t restarts = 0;        // companion processes started after the first
  std::string vnc_listen;            // "" without VNC
  std::string vnc_error;             // why it does not listen ("" if it does)
  std::vector<VncViewerStatus> vnc_viewers;
};

// Where the companion's keys come from: the mount's SessionOwner (key_source(owner)), or a
// test's own login. The same three calls as SessionOwner's.
class KeySource {
 public:
  virtual ~KeySource() = default;
  [[nodiscard]] virtual std::optional<session::SessionKeys> keys() const = 0;
  virtual void renew(std::uint64_t stale_generation) = 0;
  [[nodiscard]] virtual std::shared_ptr<void> subscribe(
      session::SessionOwner::KeysHandler handler) = 0;
};
// A KeySource backed by `owner`, which must outlive it.
std::shared_ptr<KeySource> key_source(session::SessionOwner& owner);

class Companion {
 public:
  // `owner` must outlive the companion; its keys are sent at start and at every renewal, and
  // the companion's "stale key" reports call owner.renew().
  Companion(CompanionOptions options, session::SessionOwner& owner);
  Companion(CompanionOptions options, std::shared_ptr<KeySource> keys);
  ~Companion();  // stop()
  Companion(const Companion&) = delete;
  Companion& operator=(const Companion&) = delete;

  void start();  // spawns the process (in the background; errors reach status and the log)
  // Asks the companion to close the console cleanly, waits up to `grace`, then kills it.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds{3000});

  [[nodiscard]] CompanionStatus status() const;
  // The latest complete frame; false when the companion has published none (yet). After a
  // restart the last companion's frame is served until the new one publishes. Lock-free
  // copy (seqlock); safe from any thread.
  bool snapshot(FrameSnapshot& out) const;
  // The sequence of that frame (0: none): it moves only when the picture changed, and keeps
  // growing across companion restarts, so "did it change?" is one comparison.
  [[nodiscard]] std::uint64_t frame_sequence() const;

  // Commands: each returns once the companion reports it written to the console connection,
  // or with an error (std::errc::not_connected while the console is down or the companion is
  // not running; std::errc::timed_out after command_timeout, plus the pacing of the keys).
  std::error_code power(rc::PowerAction action);
  std::error_code keys(std::span<const rc::KeyboardReport> reports);
  // Positions in screen pixels; the companion scales them to the current screen mode. A
  // position outside the screen refuses the whole call (std::errc::invalid_argument).
  std::error_code pointer(std::span<const rc::PointerAction> actions);
  std::error_code refresh();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::rcd
