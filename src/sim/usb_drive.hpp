// ilo-sim's floppy / USB-key drive (docs/virtual-media.md#floppy-and-usb-key-model,
// #the-simulators-initiator): the second virtual-media connection, handed over by VmServer once a
// device-1 or device-3 connect request passed the key check. It plays the host with the core's
// FloppyInitiator: enumerate, poll with TEST UNIT READY, read the whole medium on demand and write
// blocks for tests (/sim/usb/write). A thin Asio shell on the io_context's one thread; no client
// session code, no CD-ROM model.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
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

  void on_closed(Connection& c, bool abnormal);
  void finish_write(UsbWriteOutcome outcome);

  SimContext& ctx_;
  UsbDriveTimeouts timeouts_;
  bool stopped_ = false;
  bool hashing_ = true;
  std::shared_ptr<Connection> active_;
  bool read_wanted_ = false;
  std::deque<PendingWrite> writes_;       // queued; the front one runs when writing_
  bool writing_ = false;

  // Statistics.
  VmDriveStats stats_;
  std::uint64_t refused_busy_ = 0;
  std::uint64_t bytes_written_total_ = 0;
  std::uint64_t writes_completed_ = 0;
  std::uint64_t writes_refused_ = 0;
  std::optional<vm::Sense> last_write_sense_;
};

}  // namespace ilo::sim
