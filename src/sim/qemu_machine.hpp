// A real x86 machine behind the simulated iLO (ilo-sim --machine qemu): one QEMU child, paused
// at start, driven over QMP on a socket pair it inherits. Its CD drive and its USB storage
// device (the floppy/USB key) are backed by NBD servers here whose reads become SCSI READs over
// virtual media (64-block read-ahead) and whose writes become WRITE(10)s; its screen is a QMP
// screendump into a memfd at the frame interval; keys and the absolute pointer go in as
// input-send-event; power is reset/cont/stop/system_powerdown, every boot with the boot order
// and one-time boot that RIBCL and --boot-order set. The thin Asio shell around the cores
// (qmp_channel, nbd_server via nbd_connection, hid_qcode); all on the io_context's thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop
#include <nlohmann/json.hpp>

#include "sim/host.hpp"
#include "sim/nbd_connection.hpp"
#include "sim/nbd_server.hpp"
#include "sim/qemu_process.hpp"
#include "sim/qmp_channel.hpp"

namespace ilo::sim {

class Machine;
class VmServer;

struct QemuMachineOptions {
  std::string qemu_path = "qemu-system-x86_64";
  int memory_mb = 256;
  std::chrono::milliseconds frame_interval{100};  // screendump period while powered
};

class QemuMachine final : public Host {
 public:
  using Options = QemuMachineOptions;

  // `settings` is the built-in machine's model, kept for what RIBCL and --boot-order set: its
  // boot order and one-time boot (which a boot here uses and clears).
  QemuMachine(asio::io_context& io, Options options, VmServer& vm, Machine& settings);
  ~QemuMachine() override;
  QemuMachine(const QemuMachine&) = delete;
  QemuMachine& operator=(const QemuMachine&) = delete;

  // Starts QEMU (paused, powered off) and its QMP session. `error` says why on failure.
  std::error_code start(std::string& error);
  // Kills QEMU and closes every socket (the io_context then runs out of this work).
  void stop();

  // The machine's part of /sim/state: process, accelerator, errors, QMP, CD and input counters.
  [[nodiscard]] nlohmann::json state() const;
  [[nodiscard]] std::uint64_t keys_typed() const noexcept { return keys_typed_; }
  // The pointer in screen pixels, as the built-in machine reports it.
  [[nodiscard]] int pointer_x() const noexcept { return pointer_px_[0]; }
  [[nodiscard]] int pointer_y() const noexcept { return pointer_px_[1]; }
  [[nodiscard]] std::uint8_t pointer_buttons() const noexcept { return buttons_; }

  // Host.
  [[nodiscard]] bool powered() const override { return powered_; }
  [[nodiscard]] std::uint64_t power_generation() const override { return power_generation_; }
  [[nodiscard]] std::uint64_t screen_generation() const override { return screen_generation_; }
  [[nodiscard]] const rc::Framebuffer& screen() override { return fb_; }
  void power(PowerAction action, TimePoint now) override;
  void keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys) override;
  void pointer(int abs_x, int abs_y, std::uint8_t buttons) override;

 private:
  using Reply = std::function<void(bool ok, const nlohmann::json& body)>;
  struct Pending {
    std::string line;
    int fd = -1;  // passed with the line (SCM_RIGHTS), then closed
    std::uint64_t id = 0;
  };
  enum class DriveKind : std::uint8_t { cd, key };
  struct DriveCounters {
    std::uint64_t reads = 0, bytes = 0, errors = 0, window_reads = 0, window_hits = 0;
    std::uint64_t writes = 0, bytes_written = 0, writes_refused = 0;
  };
  struct Drive;

  // QMP.
  void execute(const std::string& name, const nlohmann::json& arguments, Reply reply = {},
               int fd = -1);
  void write_next();
  void read_qmp();
  void on_qmp(QmpMessage m);
  void qemu_gone(const std::string& what);  // the QMP socket failed: reap QEMU, then failed()
  void reap(const std::string& what, int tries_left);
  void failed(const std::string& why);  // QEMU is gone or its QMP broke: off, with the reason

  // Power and screen.
  void boot();  // the boot order for this boot, then reset and run
  void power_on();
  void set_powered(bool on);
  void schedule_dump();
  void on_dump();

  // The drives: the CD (VmServer's disc listener) and the key (UsbDrive's medium listener), an
  // NBD link per medium, reads with read-ahead, the key's writes.
  void disc_changed(bool present, std::uint64_t blocks);
  void key_changed(bool present, std::uint64_t blocks, bool read_only);
  std::shared_ptr<Drive> open_drive(DriveKind kind, std::uint64_t bytes, bool read_only);
  void serve(const std::shared_ptr<Drive>& drive);
  void on_window(const std::shared_ptr<Drive>& drive, bool ok, std::uint64_t lba,
                 std::span<const std::uint8_t> data);
  [[nodiscard]] static nlohmann::json drive_state(const Drive* drive, const DriveCounters& c);

  asio::io_context& io_;
  Options options_;
  VmServer& vm_;
  Machine& settings_;
  QemuProcess process_;
  asio::local::stream_protocol::socket qmp_;
  QmpChannel channel_;
  std::array<std::uint8_t, 16384> qmp_buffer_{};
  std::deque<Pending> queue_;
  bool writing_ = false;
  std::map<std::uint64_t, Reply> replies_;
  int screen_fd_ = -1;  // memfd; the child has it as fd 4
  int disk_fd_ = -1;    // memfd with the hard disk's image; the child has it as fd 5
  asio::steady_timer dump_timer_;
  bool dump_in_flight_ = false;
  bool stopped_ = false;
  bool gone_ = false;  // the QMP socket failed; waiting for QEMU's end (reap)
  asio::steady_timer reap_timer_;
  std::string accel_;
  std::string error_;  // why QEMU is unusable (empty while fine)
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  bool powered_ = false;
  std::uint64_t power_generation_ = 0;
  std::uint64_t screen_generation_ = 0;
  rc::Framebuffer fb_;
  std::vector<std::uint8_t> dump_;  // the memfd's bytes
  std::vector<std::uint8_t> next_;  // the dump's pixels, quantised and padded

  std::vector<std::uint8_t> held_;  // usages down (modifiers as 0xE0..0xE7)
  std::array<int, 2> pointer_abs_{-1, -1};
  std::array<int, 2> pointer_px_{0, 0};
  std::uint8_t buttons_ = 0;

  std::shared_ptr<Drive> cd_, key_;
  DriveCounters cd_counters_, key_counters_;
  std::uint64_t media_ = 0;  // NBD nodes made (names them)
  std::map<std::string, std::shared_ptr<Drive>> unplugging_;  // key device id -> its drive

  std::string boot_order_;  // the -boot letters of the last boot (e.g. "dc")
  std::uint64_t boots_ = 0, guest_resets_ = 0;
  bool restore_order_ = false;  // a one-time order is in the CMOS

  // Counters.
  std::uint64_t commands_ = 0, command_errors_ = 0, events_ = 0, screendumps_ = 0;
  std::uint64_t keys_typed_ = 0, guest_shutdowns_ = 0;
  std::string last_command_error_;
};

}  // namespace ilo::sim
