// ilo-sim's virtual-media port (docs/virtual-media.md#the-simulators-initiator): accepts one
// CD-ROM connection and one floppy/USB-key connection at a time (as iLO: one per device), checks
// each connect request against the web sessions and plays the host's USB storage stack: the CD
// with the core's Initiator (enumerate, watch for medium changes, read the whole disc when the
// machine boots from it or on demand; it tells the machine whether a disc is in), the key
// through UsbDrive. A thin Asio shell: no client session code
// (docs/architecture.md#the-simulator-is-a-real-peer). Everything runs on the io_context's
// single thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

// GCC's -Wnull-dereference fires inside Asio's scheduler.ipp after inlining (a false positive);
// the warning is judged at that header's location, so silence it for Asio's headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop
#include <nlohmann/json.hpp>

#include "sim/sim_context.hpp"
#include "sim/usb_drive.hpp"
#include "sim/vm_drive_stats.hpp"
#include "vm/initiator.hpp"
#include "vm/sha256.hpp"

namespace ilo::sim {

struct VmServerOptions {
  std::chrono::milliseconds tick{50};               // boot watch, timeouts, polling
  std::chrono::milliseconds poll_interval{500};     // idle GESN poll (sees a changed medium)
  std::chrono::milliseconds request_timeout{10000}; // no complete reply: close
  std::chrono::milliseconds handshake_timeout{10000};
  int receive_buffer_bytes = 1 << 20;  // SO_RCVBUF of accepted sockets (0: autotuning)

  // The defaults above with what ilo-sim's command line sets (--vm-poll-interval).
  static VmServerOptions from(const SimConfig& config);
};

class VmServer {
 public:
  using Options = VmServerOptions;

  VmServer(asio::io_context& io, SimContext& ctx, Options options = {});
  ~VmServer();
  VmServer(const VmServer&) = delete;
  VmServer& operator=(const VmServer&) = delete;

  // Binds and starts accepting (port 0 picks a free one).
  std::error_code listen(const asio::ip::tcp::endpoint& endpoint);
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  // Closes the listener and every connection; the io_context then runs out of this work.
  void stop();

  // Connection, medium and read statistics (for GET /sim/state and tests).
  [[nodiscard]] nlohmann::json state() const;
  // Reads the whole disc of the current connection as a boot would. False without a
  // connection whose medium is enumerated (or while stopping).
  bool start_read_all();
  // The host ejects the disc (START STOP UNIT, LoEj=1 Start=0); a Java-like client then closes
  // the connection. False without a connection.
  bool eject_medium();
  // SHA-256 of full reads on/off (the benchmark turns it off). Applies from the next
  // connection on.
  void set_hashing(bool on) noexcept {
    hashing_ = on;
    usb_.set_hashing(on);
  }
  // For a real machine's CD drive (ilo-sim --machine qemu), which reads what its guest reads
  // instead of the whole disc at boot: told of every disc change (present and its blocks; a new
  // disc after another is told as gone, then present), and reads block ranges on demand.
  using DiscListener = std::function<void(bool present, std::uint64_t blocks)>;
  void set_disc_listener(DiscListener listener) { disc_listener_ = std::move(listener); }
  // `done(ok, data)` gets the `count` blocks (1..64) from `lba`, or ok=false (no disc, the
  // connection ended, a SCSI error). Reads run one at a time, in order.
  using BlocksDone = std::function<void(bool ok, std::span<const std::uint8_t> data)>;
  void read_blocks(std::uint64_t lba, std::uint32_t count, BlocksDone done);
  // The floppy/USB-key drive (its connection arrives on this port).
  [[nodiscard]] UsbDrive& usb() noexcept { return usb_; }
  [[nodiscard]] const UsbDrive& usb() const noexcept { return usb_; }

 private:
  class Connection;
  friend class Connection;

  void accept_next();
  void schedule_tick();
  void on_tick();
  void on_accepted(const std::shared_ptr<Connection>& c);
  void on_read_finished(const vm::Initiator& initiator, std::chrono::steady_clock::duration took);
  void on_closed(Connection& c, bool abnormal);
  void disc_changed(bool present, std::uint64_t blocks);
  struct BlockRead {
    std::uint64_t lba;
    std::uint32_t count;
    BlocksDone done;
  };
  void fail_block_reads();

  SimContext& ctx_;
  Options options_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer ticker_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  UsbDrive usb_;
  bool hashing_ = true;

  std::vector<std::shared_ptr<Connection>> connections_;  // handshaking or serving
  std::shared_ptr<Connection> active_;                    // the accepted CD-ROM connection
  std::uint64_t last_cd_boots_ = 0;  // the machine's CD-ROM boots already served
  std::uint64_t last_installer_starts_ = 0;  // the installer starts whose key read began
  bool read_wanted_ = false;  // a full read is due (survives a reconnection)
  bool eject_wanted_ = false;
  DiscListener disc_listener_;
  std::deque<BlockRead> block_reads_;  // the first is being read when block_read_busy_
  bool block_read_busy_ = false;
  bool disc_told_ = false;  // the listener was told of a present disc
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers check it before using this

  // Statistics.
  VmDriveStats stats_;
  std::uint64_t refused_busy_ = 0, refused_auth_ = 0, refused_device_ = 0, malformed_ = 0;
};

}  // namespace ilo::sim
