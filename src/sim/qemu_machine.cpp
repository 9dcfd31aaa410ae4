// QemuMachine (see qemu_machine.hpp): the QEMU command line, the QMP queue (one write at a
// time, replies matched by id), the screendump loop, power and boot order, input, and the NBD
// links of the CD and the USB key.
#include "sim/qemu_machine.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/ppm_reader.hpp"
#include "rcd/packet_socket.hpp"
#include "sim/hid_qcode.hpp"
#include "sim/machine.hpp"
#include "sim/vm_server.hpp"
#include "vm/floppy_target.hpp"
#include "vm/mmc_data.hpp"

namespace ilo::sim {
namespace {

constexpr int kChildQmpFd = 3;
constexpr int kChildScreenFd = 4;
constexpr int kChildDiskFd = 5;
constexpr const char* kCdDevice = "cd0";
constexpr std::uint32_t kWindowBlocks = 64;  // read-ahead, as a host's USB storage stack
constexpr int kAbsMax = 0x7FFF;              // QEMU's absolute axis range (INPUT_EVENT_ABS_MAX)
constexpr std::size_t kDiskBytes = 1 << 20;

// The hard disk's boot sector: "an installed server" whose OS is not there. It prints its
// message through the BIOS (INT 10h, AH=0Eh) and halts. The message avoids the letters
// SeaBIOS's font draws eight pixels wide (they read '?' in screen.txt; see the README).
constexpr char kDiskMessage[] = "Hard disk: no OS installed";
std::vector<std::uint8_t> boot_sector() {
  std::vector<std::uint8_t> s = {
      0x31, 0xC0,        // 00: xor ax, ax
      0x8E, 0xD8,        // 02: mov ds, ax
      0x31, 0xDB,        // 04: xor bx, bx          (page 0)
      0xBE, 0x17, 0x7C,  // 06: mov si, 0x7C17      (the message, below)
      0xAC,              // 09: lodsb
      0x84, 0xC0,        // 0A: test al, al
      0x74, 0x06,        // 0C: jz 0x14
      0xB4, 0x0E,        // 0E: mov ah, 0x0E       (teletype output)
      0xCD, 0x10,        // 10: int 0x10
      0xEB, 0xF5,        // 12: jmp 0x09
      0xF4,              // 14: hlt
      0xEB, 0xFD,        // 15: jmp 0x14
  };
  s.insert(s.end(), std::begin(kDiskMessage), std::end(kDiskMessage));  // 17: with its NUL
  s.resize(512, 0);
  s[510] = 0x55;  // the boot signature
  s[511] = 0xAA;
  return s;
}

// The SeaBIOS boot order letters (QEMU's -boot / boot_set) for one boot: the one-time device
// first, then the persistent order, the disk last. USB, floppy and network boot nothing here.
std::string boot_letters(BootDevice one_time, const std::vector<BootDevice>& order) {
  std::string letters;
  const auto add = [&](BootDevice d) {
    const char c = d == BootDevice::cd ? 'd' : d == BootDevice::hdd ? 'c' : '\0';
    if (c != '\0' && letters.find(c) == std::string::npos) letters += c;
  };
  add(one_time);
  for (const BootDevice d : order) add(d);
  add(BootDevice::hdd);
  return letters;
}

bool kvm_usable() {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// The qcode event for a key going down or up.
nlohmann::json key_event(std::string_view qcode, bool down) {
  return {{"type", "key"},
          {"data", {{"down", down}, {"key", {{"type", "qcode"}, {"data", qcode}}}}}};
}

}  // namespace

// ---- The drives: one NBD connection per medium, and the read-ahead window ----

struct QemuMachine::Drive {
  DriveKind kind = DriveKind::cd;
  DriveCounters* counters = nullptr;  // the machine's, for this kind of drive
  std::shared_ptr<NbdConnection> nbd;
  std::string node;    // the block node's name (and the getfd name of its socket)
  std::string device;  // the key's usb-storage device id
  std::uint32_t block_size = vm::mmc::kBlockSize;
  std::uint64_t blocks = 0;
  bool read_only = true;
  std::uint64_t window_lba = 0;
  std::vector<std::uint8_t> window;  // up to 64 blocks from window_lba
  bool window_reading = false;
  std::deque<NbdRequest> requests;   // served in order; the first one is being served
  bool serving = false;
  bool writing = false;              // the first request is a WRITE in flight
  std::vector<std::uint8_t> data;    // the first request's data so far
};

// ---- Life ----

QemuMachine::QemuMachine(asio::io_context& io, Options options, VmServer& vm, Machine& settings)
    : io_(io),
      options_(std::move(options)),
      vm_(vm),
      settings_(settings),
      qmp_(io),
      dump_timer_(io),
      reap_timer_(io) {
  vm_.set_disc_listener([this, alive = std::weak_ptr<int>(alive_)](bool present,
                                                                    std::uint64_t blocks) {
    if (!alive.expired()) disc_changed(present, blocks);
  });
  vm_.usb().set_medium_listener([this, alive = std::weak_ptr<int>(alive_)](
                                    bool present, std::uint64_t blocks, bool read_only) {
    if (!alive.expired()) key_changed(present, blocks, read_only);
  });
}

QemuMachine::~QemuMachine() {
  vm_.set_disc_listener(nullptr);
  vm_.usb().set_medium_listener(nullptr);
  stop();
  for (auto& p : queue_)
    if (p.fd >= 0) ::close(p.fd);
  if (screen_fd_ >= 0) ::close(screen_fd_);
  if (disk_fd_ >= 0) ::close(disk_fd_);
}

std::error_code QemuMachine::start(std::string& error) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    const std::error_code ec{errno, std::generic_category()};
    error = "QEMU: socketpair: " + ec.message();
    return ec;
  }
  screen_fd_ = ::memfd_create("ilo-sim-screen", MFD_CLOEXEC);
  disk_fd_ = ::memfd_create("ilo-sim-disk", MFD_CLOEXEC);
  const auto sector = boot_sector();
  if (screen_fd_ < 0 || disk_fd_ < 0 ||
      ::pwrite(disk_fd_, sector.data(), sector.size(), 0) != static_cast<ssize_t>(sector.size()) ||
      ::ftruncate(disk_fd_, static_cast<off_t>(kDiskBytes)) != 0) {
    const std::error_code ec{errno, std::generic_category()};
    ::close(pair[0]);
    ::close(pair[1]);
    error = "QEMU: the screen or disk memfd: " + ec.message();
    return ec;
  }
  accel_ = kvm_usable() ? "kvm" : "tcg";
  const std::vector<std::string> argv{
      options_.qemu_path, "-name", "ilo-sim", "-nodefaults", "-no-user-config",
      "-accel", accel_, "-m", std::to_string(options_.memory_mb),
      "-display", "none", "-nic", "none", "-vga", "std",
      "-S", "-no-shutdown",  // paused until powered on; a guest power-off stops, not quits
      "-chardev", "socket,id=qmp,fd=" + std::to_string(kChildQmpFd),
      "-mon", "chardev=qmp,mode=control",
      // The hard disk: a boot sector saying no OS is installed (what "hdd" boots).
      "-drive", "if=none,id=hdd,format=raw,file=/proc/self/fd/" + std::to_string(kChildDiskFd),
      "-device", "ide-hd,drive=hdd,bus=ide.0",
      "-device", std::string("ide-cd,id=") + kCdDevice + ",bus=ide.1",
      "-usb", "-device", "usb-tablet",
      "-boot", "order=" + boot_letters(BootDevice::normal, settings_.boot_order()) + ",menu=off"};
  const auto ec = process_.spawn(argv, {pair[1], screen_fd_, disk_fd_});
  ::close(pair[1]);
  if (ec) {
    ::close(pair[0]);
    error = "cannot start " + options_.qemu_path + ": " + ec.message();
    return ec;
  }
  std::error_code assign_error;
  qmp_.assign(asio::local::stream_protocol(), pair[0], assign_error);
  if (assign_error) {
    ::close(pair[0]);
    error = "QEMU: " + assign_error.message();
    return assign_error;
  }
  execute("qmp_capabilities", nullptr);
  read_qmp();
  return {};
}

void QemuMachine::stop() {
  if (stopped_) return;
  stopped_ = true;
  dump_timer_.cancel();
  reap_timer_.cancel();
  std::error_code ignored;
  qmp_.close(ignored);
  if (cd_) cd_->nbd->close();
  if (key_) key_->nbd->close();
  for (auto& [id, drive] : unplugging_) drive->nbd->close();
  process_.kill();
}

// ---- QMP ----

void QemuMachine::execute(const std::string& name, const nlohmann::json& arguments, Reply reply,
                          int fd) {
  if (stopped_ || gone_ || !error_.empty()) {
    if (fd >= 0) ::close(fd);
    if (reply) reply(false, {{"desc", "QEMU is not running"}});
    return;
  }
  Pending p;
  p.line = channel_.command(name, arguments, p.id);
  p.fd = fd;
  if (reply) replies_[p.id] = std::move(reply);
  ++commands_;
  queue_.push_back(std::move(p));
  write_next();
}

void QemuMachine::write_next() {
  if (writing_ || queue_.empty() || stopped_) return;
  Pending& p = queue_.front();
  if (p.fd >= 0) {
    // The fd rides on the command's first byte (SCM_RIGHTS); the command is small, so the
    // socket takes it whole or the channel is unusable.
    const auto ec = rcd::send_packet(
        qmp_.native_handle(),
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(p.line.data()),
                                      p.line.size()),
        p.fd, std::chrono::milliseconds{0});
    ::close(p.fd);
    p.fd = -1;
    if (ec) {
      qemu_gone("cannot pass a file descriptor to QEMU: " + ec.message());
      return;
    }
    queue_.pop_front();
    write_next();
    return;
  }
  writing_ = true;
  asio::async_write(qmp_, asio::buffer(p.line),
                    [this, alive = std::weak_ptr<int>(alive_)](std::error_code ec, std::size_t) {
                      if (alive.expired()) return;
                      writing_ = false;
                      if (ec) {
                        if (!stopped_) qemu_gone("QMP write: " + ec.message());
                        return;
                      }
                      queue_.pop_front();
                      write_next();
                    });
}

void QemuMachine::read_qmp() {
  qmp_.async_read_some(asio::buffer(qmp_buffer_), [this, alive = std::weak_ptr<int>(alive_)](
                                                      std::error_code ec, std::size_t n) {
    if (alive.expired() || stopped_) return;
    if (ec) {
      qemu_gone("QMP read: " + ec.message());
      return;
    }
    channel_.feed(std::span<const std::uint8_t>(qmp_buffer_.data(), n));
    while (auto m = channel_.next()) on_qmp(std::move(*m));
    if (channel_.broken()) {
      failed("QMP: " + channel_.error());
      return;
    }
    read_qmp();
  });
}

void QemuMachine::on_qmp(QmpMessage m) {
  switch (m.kind) {
    case QmpMessage::Kind::greeting: break;
    case QmpMessage::Kind::event:
      ++events_;
      // A guest powering off (with -no-shutdown QEMU stops instead of exiting).
      if (m.event == "RESET" && m.body.is_object() && m.body.value("guest", false)) {
        ++guest_resets_;
      } else if (m.event == "SHUTDOWN") {
        if (m.body.is_object() && m.body.value("guest", false)) ++guest_shutdowns_;
        set_powered(false);
      } else if (m.event == "DEVICE_DELETED" && m.body.is_object()) {
        // A key's USB device is gone: its node can go (QEMU's client then disconnects).
        const auto it = unplugging_.find(m.body.value("device", ""));
        if (it != unplugging_.end()) {
          const auto drive = it->second;
          unplugging_.erase(it);
          execute("blockdev-del", {{"node-name", drive->node}},
                  [drive](bool, const nlohmann::json&) { drive->nbd->close(); });
        }
      }
      break;
    case QmpMessage::Kind::reply: {
      if (!m.ok) {
        ++command_errors_;
        last_command_error_ = m.body.is_object() ? m.body.value("desc", "?") : "?";
      }
      const auto it = replies_.find(m.id);
      if (it == replies_.end()) break;
      Reply reply = std::move(it->second);
      replies_.erase(it);
      reply(m.ok, m.body);
      break;
    }
  }
}

// The QMP socket failed (either way round, whichever QEMU's end showed first): QEMU is gone
// or unusable. It gets up to a second to end by itself, so the error says how it ended (its exit
// status or signal); then it is killed.
void QemuMachine::qemu_gone(const std::string& what) {
  if (gone_ || !error_.empty()) return;
  gone_ = true;
  std::error_code ignored;
  qmp_.close(ignored);
  reap(what, 100);
}

void QemuMachine::reap(const std::string& what, int tries_left) {
  if (process_.poll_exit()) {
    failed("QEMU " + process_.exit_text());
    return;
  }
  if (tries_left == 0 || stopped_) {
    process_.kill();
    failed("QEMU stopped answering (" + what + "); killed");
    return;
  }
  reap_timer_.expires_after(std::chrono::milliseconds(10));
  reap_timer_.async_wait([this, what, tries_left, alive = std::weak_ptr<int>(alive_)](
                             std::error_code ec) {
    if (alive.expired() || ec) return;
    reap(what, tries_left - 1);
  });
}

void QemuMachine::failed(const std::string& why) {
  if (!error_.empty()) return;
  error_ = why;
  std::error_code ignored;
  qmp_.close(ignored);
  set_powered(false);
  auto replies = std::move(replies_);
  replies_.clear();
  for (auto& [id, reply] : replies) reply(false, {{"desc", why}});
  if (cd_) cd_->nbd->close();
  if (key_) key_->nbd->close();
}

// ---- Power and screen ----

void QemuMachine::power(PowerAction action, TimePoint) {
  if (gone_ || !error_.empty()) return;
  switch (action) {
    case PowerAction::momentary_press:
      if (!powered_)
        power_on();
      else
        execute("system_powerdown", nullptr);  // ACPI power button; GRUB ignores it
      break;
    case PowerAction::press_and_hold:
      if (powered_) {
        execute("stop", nullptr);
        set_powered(false);
      }
      break;
    case PowerAction::cold_boot: power_on(); break;
    case PowerAction::reset:
      if (powered_) boot();
      break;
    default: break;
  }
}

// Every boot reads the boot order from the CMOS (boot_set): the one-time boot, if RIBCL set one,
// first, then --boot-order. A one-time order stays in the CMOS until the guest reads the CD
// (SeaBIOS has chosen by then; its own reboot right after a reset reads the CMOS again) or the
// next boot here; then the persistent order is back for the guest's own reboots.
void QemuMachine::boot() {
  const std::string normal = boot_letters(BootDevice::normal, settings_.boot_order());
  boot_order_ = boot_letters(settings_.one_time_boot(), settings_.boot_order());
  settings_.set_one_time_boot(BootDevice::normal);
  restore_order_ = boot_order_ != normal;
  ++boots_;
  execute("human-monitor-command", {{"command-line", "boot_set " + boot_order_}});
  execute("system_reset", nullptr);
  execute("cont", nullptr);
}

void QemuMachine::power_on() {
  boot();
  if (!powered_) set_powered(true);
}

void QemuMachine::set_powered(bool on) {
  if (powered_ == on) return;
  powered_ = on;
  ++power_generation_;
  if (on) {
    schedule_dump();
  } else {
    dump_timer_.cancel();
    fb_.resize(0, 0);  // no picture until the next power-on's first dump
    ++screen_generation_;
  }
}

void QemuMachine::schedule_dump() {
  dump_timer_.expires_after(options_.frame_interval);
  dump_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](std::error_code ec) {
    if (alive.expired() || ec || stopped_ || !powered_) return;
    if (!dump_in_flight_) {
      dump_in_flight_ = true;
      const nlohmann::json args{{"filename", "/proc/self/fd/" + std::to_string(kChildScreenFd)}};
      execute("screendump", args, [this](bool ok, const nlohmann::json&) {
        dump_in_flight_ = false;
        if (ok) on_dump();
      });
    }
    schedule_dump();
  });
}

// The dump is complete when QEMU answers. Its pixels are quantised to the video stream's 5 bits
// per colour (what a client decodes; /sim/state hashes the same) and padded with black to a
// width of whole 16-pixel columns (MODE counts columns).
void QemuMachine::on_dump() {
  if (!powered_) return;
  ++screendumps_;
  struct stat st{};
  if (::fstat(screen_fd_, &st) != 0 || st.st_size <= 0 ||
      static_cast<std::size_t>(st.st_size) > rc::Framebuffer::kMaxBytes + 64)
    return;
  dump_.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < dump_.size()) {
    const ssize_t n = ::pread(screen_fd_, dump_.data() + got, dump_.size() - got,
                              static_cast<off_t>(got));
    if (n <= 0) return;
    got += static_cast<std::size_t>(n);
  }
  std::error_code ec;
  const image::RgbImage img = image::decode_ppm(dump_, ec);
  if (ec) return;
  const int w = (img.width + 15) / 16 * 16;
  const int h = img.height;
  if (w > rc::Framebuffer::kMaxWidth || h > rc::Framebuffer::kMaxHeight) return;
  next_.assign(std::size_t(w) * std::size_t(h) * 3, 0);
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* src = img.pixels.data() + std::size_t(y) * std::size_t(img.width) * 3;
    std::uint8_t* dst = next_.data() + std::size_t(y) * std::size_t(w) * 3;
    for (std::size_t i = 0; i < std::size_t(img.width) * 3; ++i)
      dst[i] = static_cast<std::uint8_t>(src[i] & 0xF8);
  }
  const auto now = static_cast<const rc::Framebuffer&>(fb_).pixels();
  if (fb_.width() == w && fb_.height() == h && std::equal(now.begin(), now.end(), next_.begin()))
    return;
  if ((fb_.width() != w || fb_.height() != h) && !fb_.resize(w, h)) return;
  std::copy(next_.begin(), next_.end(), fb_.pixels().begin());
  fb_.mark({0, 0, w, h});
  ++screen_generation_;
}

// ---- Input ----

void QemuMachine::keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys) {
  std::vector<std::uint8_t> now;
  for (int bit = 0; bit < 8; ++bit)
    if ((modifiers & (1u << bit)) != 0) now.push_back(static_cast<std::uint8_t>(0xE0 + bit));
  for (const std::uint8_t k : keys)
    if (k != 0 && std::find(now.begin(), now.end(), k) == now.end()) now.push_back(k);
  nlohmann::json events = nlohmann::json::array();
  for (const std::uint8_t k : held_) {
    if (std::find(now.begin(), now.end(), k) != now.end()) continue;
    if (const auto q = hid_to_qcode(k); !q.empty()) events.push_back(key_event(q, false));
  }
  for (const std::uint8_t k : now) {
    if (std::find(held_.begin(), held_.end(), k) != held_.end()) continue;
    if (k < 0xE0) ++keys_typed_;
    if (const auto q = hid_to_qcode(k); !q.empty()) events.push_back(key_event(q, true));
  }
  held_ = std::move(now);
  if (!events.empty() && powered_) execute("input-send-event", {{"events", events}});
}

void QemuMachine::pointer(int abs_x, int abs_y, std::uint8_t buttons) {
  const std::array<int, 2> abs{std::clamp(abs_x, 0, 3000), std::clamp(abs_y, 0, 3000)};
  const std::array<int, 2> size{fb_.width(), fb_.height()};
  nlohmann::json events = nlohmann::json::array();
  const char* const axes[] = {"x", "y"};
  for (int i = 0; i < 2; ++i) {
    // The smallest pixel HP's client scales to this value (see Machine::pointer).
    pointer_px_[std::size_t(i)] = static_cast<int>((static_cast<long long>(abs[std::size_t(i)]) *
                                                    size[std::size_t(i)] + 2999) / 3000);
    if (abs[std::size_t(i)] == pointer_abs_[std::size_t(i)]) continue;
    pointer_abs_[std::size_t(i)] = abs[std::size_t(i)];
    const int value = abs[std::size_t(i)] * kAbsMax / 3000;
    events.push_back({{"type", "abs"}, {"data", {{"axis", axes[i]}, {"value", value}}}});
  }
  const char* const names[] = {"left", "right", "middle"};
  for (int b = 0; b < 3; ++b) {
    const bool was = (buttons_ & (1u << b)) != 0, is = (buttons & (1u << b)) != 0;
    if (was != is)
      events.push_back({{"type", "btn"}, {"data", {{"down", is}, {"button", names[b]}}}});
  }
  buttons_ = buttons;
  if (!events.empty() && powered_) execute("input-send-event", {{"events", events}});
}

// ---- The drives ----

// A medium's NBD link: a socket pair, the server on our end, the other end passed to QEMU
// (getfd) and made a block node. Requests go to serve() in order.
std::shared_ptr<QemuMachine::Drive> QemuMachine::open_drive(DriveKind kind, std::uint64_t bytes,
                                                            bool read_only) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return nullptr;
  auto drive = std::make_shared<Drive>();
  drive->kind = kind;
  drive->counters = kind == DriveKind::cd ? &cd_counters_ : &key_counters_;
  drive->node = (kind == DriveKind::cd ? "cd" : "key") + std::to_string(++media_);
  drive->block_size = kind == DriveKind::cd ? vm::mmc::kBlockSize : vm::kFloppyBlockSize;
  drive->blocks = bytes / drive->block_size;
  drive->read_only = read_only;
  drive->nbd = std::make_shared<NbdConnection>(
      io_, NbdExport{.size = bytes, .read_only = read_only});
  if (drive->nbd->assign(pair[0])) {
    ::close(pair[1]);
    return nullptr;
  }
  drive->nbd->start([this, alive = std::weak_ptr<int>(alive_),
                     weak = std::weak_ptr<Drive>(drive)](NbdRequest request) {
    const auto d = weak.lock();
    if (alive.expired() || !d || (d != cd_ && d != key_)) return;
    d->requests.push_back(std::move(request));
    serve(d);
  });
  execute("getfd", {{"fdname", drive->node}}, {}, pair[1]);
  execute("blockdev-add", {{"driver", "nbd"},
                           {"node-name", drive->node},
                           {"read-only", read_only},
                           {"server", {{"type", "fd"}, {"str", drive->node}}}});
  return drive;
}

void QemuMachine::disc_changed(bool present, std::uint64_t blocks) {
  if (!error_.empty() || stopped_) return;
  if (!present) {
    if (!cd_) return;
    auto drive = std::move(cd_);
    // Out of the guest's drive, then the node goes (QEMU's client sends NBD_CMD_DISC).
    execute("blockdev-open-tray", {{"id", kCdDevice}, {"force", true}});
    execute("blockdev-remove-medium", {{"id", kCdDevice}});
    execute("blockdev-del", {{"node-name", drive->node}},
            [drive](bool, const nlohmann::json&) { drive->nbd->close(); });
    return;
  }
  if (cd_ || blocks == 0) return;
  cd_ = open_drive(DriveKind::cd, blocks * vm::mmc::kBlockSize, true);
  if (!cd_) return;
  execute("blockdev-open-tray", {{"id", kCdDevice}, {"force", true}});
  execute("blockdev-insert-medium", {{"id", kCdDevice}, {"node-name", cd_->node}});
  execute("blockdev-close-tray", {{"id", kCdDevice}});
}

// The key is a USB storage device plugged in with its medium and unplugged when the medium
// goes, as a USB key is; a write-protected one is read-only to the guest.
void QemuMachine::key_changed(bool present, std::uint64_t blocks, bool read_only) {
  if (!error_.empty() || stopped_) return;
  if (!present) {
    if (!key_) return;
    auto drive = std::move(key_);
    unplugging_[drive->device] = drive;  // the node goes at DEVICE_DELETED
    execute("device_del", {{"id", drive->device}});
    return;
  }
  if (key_ || blocks == 0) return;
  key_ = open_drive(DriveKind::key, blocks * vm::kFloppyBlockSize, read_only);
  if (!key_) return;
  key_->device = key_->node + "-usb";
  execute("device_add", {{"driver", "usb-storage"},
                         {"id", key_->device},
                         {"drive", key_->node},
                         {"removable", true}});
}

// Serves a drive's requests in order: READs from the window, reading the window anew (64 blocks
// from the first missing one) when it does not hold them; a WRITE (the key only: the CD's node
// is read-only, and the NBD core refuses writes to it) as WRITE(10)s; FLUSH has nothing to
// write back.
void QemuMachine::serve(const std::shared_ptr<Drive>& drive) {
  if (drive->nbd->closed()) return;
  DriveCounters& count = *drive->counters;
  const std::uint64_t bs = drive->block_size;
  while (!drive->requests.empty()) {
    NbdRequest& r = drive->requests.front();
    if (r.type == nbd::Command::write) {
      if (drive->writing) return;
      if (r.offset % bs != 0 || r.data.size() % bs != 0 || r.data.empty()) {
        ++count.errors;
        drive->nbd->reply(r.handle, nbd::kEinval);
        drive->requests.pop_front();
        continue;
      }
      drive->writing = true;
      ++count.writes;
      const std::uint64_t lba = r.offset / bs;
      const std::uint64_t end = lba + r.data.size() / bs;
      // What the window holds of these blocks is stale from now on.
      if (lba < drive->window_lba + drive->window.size() / bs && end > drive->window_lba)
        drive->window.clear();
      vm_.usb().write(static_cast<std::uint32_t>(lba), std::move(r.data),
                      [this, drive, alive = std::weak_ptr<int>(alive_)](UsbWriteOutcome out) {
                        if (alive.expired()) return;
                        drive->writing = false;
                        if (drive->nbd->closed() || drive->requests.empty()) return;
                        DriveCounters& c = *drive->counters;
                        const NbdRequest& w = drive->requests.front();
                        std::uint32_t error = nbd::kOk;
                        if (out.status == UsbWriteOutcome::Status::written) {
                          c.bytes_written += w.length;
                        } else if (out.status == UsbWriteOutcome::Status::refused) {
                          ++c.writes_refused;
                          error = nbd::kEperm;
                        } else {
                          ++c.errors;
                          error = nbd::kEio;
                        }
                        drive->nbd->reply(w.handle, error);
                        drive->requests.pop_front();
                        serve(drive);
                      });
      return;
    }
    if (r.type != nbd::Command::read) {
      drive->nbd->reply(r.handle, nbd::kOk);
      drive->requests.pop_front();
      continue;
    }
    if (!drive->serving) {
      drive->serving = true;
      drive->data.clear();
      ++count.reads;
      if (drive->kind == DriveKind::cd && restore_order_) {
        restore_order_ = false;
        const auto normal = boot_letters(BootDevice::normal, settings_.boot_order());
        execute("human-monitor-command", {{"command-line", "boot_set " + normal}});
      }
    }
    while (drive->data.size() < r.length) {
      const std::uint64_t at = r.offset + drive->data.size();
      const std::uint64_t lba = at / bs;
      const std::uint64_t window_end = drive->window_lba + drive->window.size() / bs;
      if (drive->window.empty() || lba < drive->window_lba || lba >= window_end) {
        if (drive->window_reading) return;
        drive->window_reading = true;
        const auto blocks = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(kWindowBlocks, drive->blocks - lba));
        ++count.window_reads;
        auto done = [this, drive, lba, alive = std::weak_ptr<int>(alive_)](
                        bool ok, std::span<const std::uint8_t> data) {
          if (alive.expired()) return;
          drive->window_reading = false;
          if (drive->nbd->closed()) return;
          on_window(drive, ok, lba, data);
        };
        if (drive->kind == DriveKind::cd)
          vm_.read_blocks(lba, blocks, std::move(done));
        else
          vm_.usb().read_blocks(lba, blocks, std::move(done));
        return;
      }
      ++count.window_hits;
      const std::uint64_t from = at - drive->window_lba * bs;
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(r.length - drive->data.size(), drive->window.size() - from));
      const auto first = drive->window.begin() + static_cast<std::ptrdiff_t>(from);
      drive->data.insert(drive->data.end(), first, first + static_cast<std::ptrdiff_t>(n));
    }
    count.bytes += drive->data.size();
    drive->nbd->reply(r.handle, nbd::kOk, drive->data);
    drive->serving = false;
    drive->requests.pop_front();
  }
}

void QemuMachine::on_window(const std::shared_ptr<Drive>& drive, bool ok, std::uint64_t lba,
                            std::span<const std::uint8_t> data) {
  if (!ok || data.size() % drive->block_size != 0) {
    // The medium went or the read failed: the guest sees an I/O error.
    ++drive->counters->errors;
    drive->window.clear();
    if (drive->serving && !drive->requests.empty()) {
      drive->nbd->reply(drive->requests.front().handle, nbd::kEio);
      drive->requests.pop_front();
      drive->serving = false;
    }
  } else {
    drive->window_lba = lba;
    drive->window.assign(data.begin(), data.end());
  }
  serve(drive);
}

nlohmann::json QemuMachine::drive_state(const Drive* drive, const DriveCounters& c) {
  const bool in = drive != nullptr && !drive->nbd->closed();
  return {{"inserted", in},
          {"node", drive ? drive->node : ""},
          {"read_only", in && drive->read_only},
          {"nbd_reads", c.reads},
          {"nbd_bytes", c.bytes},
          {"nbd_writes", c.writes},
          {"nbd_bytes_written", c.bytes_written},
          {"nbd_writes_refused", c.writes_refused},
          {"nbd_errors", c.errors},
          {"nbd_rejected", drive ? drive->nbd->core().rejected() : 0},
          {"window_reads", c.window_reads},
          {"window_hits", c.window_hits}};
}

nlohmann::json QemuMachine::state() const {
  nlohmann::json j;
  j["kind"] = "qemu";
  j["pid"] = process_.pid();
  j["accel"] = accel_;
  j["memory_mb"] = options_.memory_mb;
  j["error"] = error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(error_);
  j["qmp"] = {{"commands", commands_},
              {"errors", command_errors_},
              {"last_error", last_command_error_},
              {"events", events_}};
  j["screendumps"] = screendumps_;
  j["guest_shutdowns"] = guest_shutdowns_;
  j["guest_resets"] = guest_resets_;
  j["boots"] = boots_;
  j["boot_order"] = boot_order_;  // SeaBIOS's letters of the last boot: d = CD, c = disk
  j["cd"] = drive_state(cd_.get(), cd_counters_);
  j["usb"] = drive_state(key_.get(), key_counters_);
  return j;
}

}  // namespace ilo::sim
