// ilo-sim's floppy / USB-key drive (docs/virtual-media.md#floppy-and-usb-key-model,
// #the-simulators-initiator): the second virtual-media connection, handed over by VmServer once a
// device-1 or device-3 connect request passed the key check. It plays the host with the core's
// FloppyInitiator: enumerate, poll with TEST UNIT READY, read the whole medium on demand and write
// blocks for tests (/sim/usb/write) or for a real machine's guest (block reads and writes on
// demand, ilo-sim --machine qemu). A thin Asio shell on the io_context's one thread; no client
// session code, no CD-ROM model.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

// GCC's -Wnull-dereference fires inside Asio's scheduler.ipp after inlining (a false positive);
// the warning is judged at that header's location, so silence it for Asio's headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop
#include <nlohmann/json.hpp>

#include "sim/sim_context.hpp"
#include "sim/vm_drive_stats.hpp"
#include "vm/floppy_initiator.hpp"
#include "vm/sense.hpp"
#include "vm/sha256.hpp"
#include "vm/wire.hpp"

namespace ilo::sim {

// How a /sim/usb/write ended.
struct UsbWriteOutcome {
  enum class Status : std::uint8_t {
    written,    // every block answered GOOD
    no_medium,  // no connection or no enumerated medium (nothing sent)
    refused,    // the target answered with `sense` (7/27/00 write-protected, 5/21/00, 3/10/00)
    failed,     // the connection broke or the medium changed before the last GOOD
  } status = Status::failed;
  vm::Sense sense{};
  std::string detail;
};

struct UsbDriveTimeouts {
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds request_timeout{10000};
};

class UsbDrive {
 public:
  using WriteDone = std::function<void(UsbWriteOutcome)>;

  UsbDrive(SimContext& ctx, UsbDriveTimeouts timeouts);
  ~UsbDrive();
  UsbDrive(const UsbDrive&) = delete;
  UsbDrive& operator=(const UsbDrive&) = delete;

  // A connection is active (a second device-1/3 connect request is refused busy).
  [[nodiscard]] bool busy() const noexcept;
  // Takes an accepted connection of `device`: sends the accept `response` through the usb
  // channel's faults, then enumerates.
  void adopt(asio::ip::tcp::socket socket, vm::DeviceType device,
             std::array<std::uint8_t, 4> response);
  void tick(std::chrono::steady_clock::time_point now);
  void stop();

  // Reads the whole medium (SHA-256 in state()). False without an enumerated medium.
  bool start_read_all();
  // Writes `data` (whole 512-byte blocks) at `lba` through the protocol; `done` runs on the
  // network thread once the last block is answered (or at once without a medium).
  void write(std::uint32_t lba, std::vector<std::uint8_t> data, WriteDone done);
  // For a real machine's USB storage device (ilo-sim --machine qemu): told of every medium
  // change (present, 512-byte blocks, write-protected; a changed medium is told as gone, then
  // present), and reads block ranges on demand. `done(ok, data)` gets the `count` blocks
  // (1..256) from `lba`, or ok=false (no medium, the connection ended, a SCSI error).
  using MediumListener = std::function<void(bool present, std::uint64_t blocks, bool read_only)>;
  void set_medium_listener(MediumListener listener) { medium_listener_ = std::move(listener); }
  using BlocksDone = std::function<void(bool ok, std::span<const std::uint8_t> data)>;
  void read_blocks(std::uint64_t lba, std::uint32_t count, BlocksDone done);
  void set_hashing(bool on) noexcept { hashing_ = on; }
  void count_refused_busy() noexcept { ++refused_busy_; }

  // The `usb` object of /sim/state.
  [[nodiscard]] nlohmann::json state(std::uint16_t port) const;

 private:
  class Connection;
  friend class Connection;
  struct PendingWrite {
    std::uint32_t lba = 0;
    std::vector<std::uint8_t> data;
    WriteDone done;
  };

  struct BlockRead {
    std::uint64_t lba;
    std::uint32_t count;
    BlocksDone done;
  };

  void on_closed(Connection& c, bool abnormal);
  void finish_write(UsbWriteOutcome outcome);
  void finish_block_read(bool ok, std::span<const std::uint8_t> data);
  void medium_seen(bool present, std::uint64_t blocks, bool read_only);

  SimContext& ctx_;
  UsbDriveTimeouts timeouts_;
  bool stopped_ = false;
  bool hashing_ = true;
  std::shared_ptr<Connection> active_;
  bool read_wanted_ = false;
  std::deque<PendingWrite> writes_;       // queued; the front one runs when writing_
  bool writing_ = false;
  std::deque<BlockRead> block_reads_;  // queued; the front one runs when block_reading_
  bool block_reading_ = false;
  MediumListener medium_listener_;
  struct Medium {
    bool present = false;
    std::uint64_t blocks = 0;
    bool read_only = false;
    bool operator==(const Medium&) const = default;
  } medium_told_;

  // Statistics.
  VmDriveStats stats_;
  std::uint64_t refused_busy_ = 0;
  std::uint64_t bytes_written_total_ = 0;
  std::uint64_t writes_completed_ = 0;
  std::uint64_t writes_refused_ = 0;
  std::optional<vm::Sense> last_write_sense_;
};

}  // namespace ilo::sim
