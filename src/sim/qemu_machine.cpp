// QemuMachine (see qemu_machine.hpp): the QEMU command line, the QMP queue (one write at a
// time, replies matched by id), the screendump loop, power, input and the CD's NBD link.
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
#include "sim/hid_qcode.hpp"
#include "sim/vm_server.hpp"
#include "vm/mmc_data.hpp"

namespace ilo::sim {
namespace {


constexpr int kChildQmpFd = 3;
constexpr int kChildScreenFd = 4;
constexpr const char* kCdDevice = "cd0";
constexpr std::uint32_t kWindowBlocks = 64;  // read-ahead, as a host's USB storage stack
constexpr int kAbsMax = 0x7FFF;              // QEMU's absolute axis range (INPUT_EVENT_ABS_MAX)

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

// ---- The CD: one NBD connection per inserted disc, and the read-ahead window ----

struct QemuMachine::CdDrive {
  std::shared_ptr<NbdConnection> nbd;
  std::string node;  // the block node's name (and the getfd name of its socket)
  std::uint64_t blocks = 0;
  std::uint64_t window_lba = 0;
  std::vector<std::uint8_t> window;  // up to 64 blocks from window_lba
  bool window_reading = false;
  std::deque<NbdRequest> requests;   // served in order; the first one is being assembled
  bool serving = false;
  std::vector<std::uint8_t> data;    // the first request's data so far
};

// ---- Life ----

QemuMachine::QemuMachine(asio::io_context& io, Options options, VmServer& vm)
    : io_(io), options_(std::move(options)), vm_(vm), qmp_(io), dump_timer_(io), reap_timer_(io) {
  vm_.set_disc_listener([this, alive = std::weak_ptr<int>(alive_)](bool present,
                                                                    std::uint64_t blocks) {
    if (!alive.expired()) disc_changed(present, blocks);
  });
}

QemuMachine::~QemuMachine() {
  vm_.set_disc_listener(nullptr);
  stop();
  for (auto& p : queue_)
    if (p.fd >= 0) ::close(p.fd);
  if (screen_fd_ >= 0) ::close(screen_fd_);
}

std::error_code QemuMachine::start(std::string& error) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    const std::error_code ec{errno, std::generic_category()};
    error = "QEMU: socketpair: " + ec.message();
    return ec;
  }
  screen_fd_ = ::memfd_create("ilo-sim-screen", MFD_CLOEXEC);
  if (screen_fd_ < 0) {
    const std::error_code ec{errno, std::generic_category()};
    ::close(pair[0]);
    ::close(pair[1]);
    error = "QEMU: memfd_create: " + ec.message();
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
      "-device", std::string("ide-cd,id=") + kCdDevice + ",bus=ide.1",
      "-usb", "-device", "usb-tablet",
      "-boot", "order=d,menu=off"};
  const auto ec = process_.spawn(argv, {pair[1], screen_fd_});
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
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{p.line.data(), p.line.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &p.fd, sizeof(int));
    const ssize_t n = ::sendmsg(qmp_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(p.fd);
    p.fd = -1;
    if (n != static_cast<ssize_t>(p.line.size())) {
      qemu_gone("cannot pass a file descriptor to QEMU: " +
                std::string(n < 0 ? std::strerror(errno) : "short write"));
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
      if (m.event == "SHUTDOWN") {
        if (m.body.is_object() && m.body.value("guest", false)) ++guest_shutdowns_;
        set_powered(false);
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
      if (powered_) execute("system_reset", nullptr);
      break;
    default: break;
  }
}

void QemuMachine::power_on() {
  execute("system_reset", nullptr);
  execute("cont", nullptr);
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

// ---- The CD ----

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
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return;
  auto drive = std::make_shared<CdDrive>();
  drive->node = "cd" + std::to_string(++discs_);
  drive->blocks = blocks;
  drive->nbd = std::make_shared<NbdConnection>(
      io_, NbdExport{.size = blocks * vm::mmc::kBlockSize, .read_only = true});
  if (drive->nbd->assign(pair[0])) {
    ::close(pair[1]);
    return;
  }
  cd_ = drive;
  drive->nbd->start([this, alive = std::weak_ptr<int>(alive_),
                     weak = std::weak_ptr<CdDrive>(drive)](NbdRequest request) {
    const auto d = weak.lock();
    if (alive.expired() || !d || d != cd_) return;
    d->requests.push_back(std::move(request));
    serve_cd();
  });
  execute("getfd", {{"fdname", drive->node}}, {}, pair[1]);
  execute("blockdev-add", {{"driver", "nbd"},
                           {"node-name", drive->node},
                           {"read-only", true},
                           {"server", {{"type", "fd"}, {"str", drive->node}}}});
  execute("blockdev-open-tray", {{"id", kCdDevice}, {"force", true}});
  execute("blockdev-insert-medium", {{"id", kCdDevice}, {"node-name", drive->node}});
  execute("blockdev-close-tray", {{"id", kCdDevice}});
}

// Serves the CD's requests in order: READs from the window, reading the window anew (64 blocks
// from the first missing one) when it does not hold them; FLUSH has nothing to write back.
void QemuMachine::serve_cd() {
  const auto drive = cd_;
  if (!drive || drive->nbd->closed()) return;
  while (!drive->requests.empty()) {
    const NbdRequest& r = drive->requests.front();
    if (r.type != nbd::Command::read) {
      drive->nbd->reply(r.handle, nbd::kOk);
      drive->requests.pop_front();
      continue;
    }
    if (!drive->serving) {
      drive->serving = true;
      drive->data.clear();
      ++nbd_reads_;
    }
    while (drive->data.size() < r.length) {
      const std::uint64_t at = r.offset + drive->data.size();
      const std::uint64_t lba = at / vm::mmc::kBlockSize;
      const std::uint64_t window_end =
          drive->window_lba + drive->window.size() / vm::mmc::kBlockSize;
      if (drive->window.empty() || lba < drive->window_lba || lba >= window_end) {
        if (drive->window_reading) return;
        drive->window_reading = true;
        const auto count = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(kWindowBlocks, drive->blocks - lba));
        ++window_reads_;
        vm_.read_blocks(lba, count,
                        [this, drive, lba, alive = std::weak_ptr<int>(alive_)](
                            bool ok, std::span<const std::uint8_t> data) {
                          if (alive.expired()) return;
                          drive->window_reading = false;
                          if (drive != cd_ || drive->nbd->closed()) return;
                          on_window(ok, lba, data);
                        });
        return;
      }
      ++window_hits_;
      const std::uint64_t from = at - drive->window_lba * vm::mmc::kBlockSize;
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(r.length - drive->data.size(), drive->window.size() - from));
      const auto first = drive->window.begin() + static_cast<std::ptrdiff_t>(from);
      drive->data.insert(drive->data.end(), first, first + static_cast<std::ptrdiff_t>(n));
    }
    nbd_bytes_ += drive->data.size();
    drive->nbd->reply(r.handle, nbd::kOk, drive->data);
    drive->serving = false;
    drive->requests.pop_front();
  }
}

void QemuMachine::on_window(bool ok, std::uint64_t lba, std::span<const std::uint8_t> data) {
  const auto drive = cd_;
  if (!ok) {
    // The disc went or the read failed: the guest sees an I/O error.
    ++nbd_errors_;
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
  serve_cd();
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
  j["cd"] = {{"inserted", cd_ != nullptr && !cd_->nbd->closed()},
             {"node", cd_ ? cd_->node : ""},
             {"nbd_reads", nbd_reads_},
             {"nbd_bytes", nbd_bytes_},
             {"nbd_errors", nbd_errors_},
             {"nbd_rejected", cd_ ? cd_->nbd->core().rejected() : 0},
             {"window_reads", window_reads_},
             {"window_hits", window_hits_}};
  return j;
}

}  // namespace ilo::sim
