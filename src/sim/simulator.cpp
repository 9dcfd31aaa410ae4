// Wiring of the simulated iLO (see simulator.hpp): the machine ticker, the three servers and the
// /sim/state document.
#include "sim/simulator.hpp"

#include <array>
#include <future>
#include <iterator>
#include <span>

#include "bytes/hex.hpp"
#include "rc/framebuffer.hpp"
#include "sim/console_server.hpp"
#include "sim/https_api.hpp"
#include "sim/qemu_machine.hpp"
#include "sim/ribcl_commands.hpp"
#include "sim/vm_server.hpp"
#include "vm/sha256.hpp"

namespace ilo::sim {
namespace {

constexpr std::chrono::milliseconds kTickPeriod{20};

const char* phase_name(PowerPhase p) {
  switch (p) {
    case PowerPhase::off: return "off";
    case PowerPhase::booting: return "booting";
    case PowerPhase::boot_prompt: return "boot-prompt";
    case PowerPhase::running: return "running";
    case PowerPhase::shutting_down: return "shutting-down";
    case PowerPhase::cycling: return "cycling";
  }
  return "?";
}

nlohmann::json boot_order_words(const std::vector<BootDevice>& order) {
  nlohmann::json words = nlohmann::json::array();
  for (const auto d : order) words.push_back(ribcl::boot_word(d));
  return words;
}

}  // namespace

Simulator::Simulator(asio::io_context& io, SimConfig config)
    : io_(io),
      ctx_(std::move(config), Machine::Clock::now()),
      ticker_(io),
      started_(std::chrono::steady_clock::now()) {}

Simulator::~Simulator() { stop(); }

template <typename F>
auto Simulator::on_network_thread(F&& f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(std::forward<F>(f));
  auto result = task.get_future();
  asio::post(io_, [&task] { task(); });
  return result.get();
}

// Runs the write on the network thread and waits (on the HTTPS worker) for the drive's answer:
// the last GOOD, a refusal, or the connection's end.
UsbWriteResult Simulator::usb_write(std::uint32_t lba, std::vector<std::uint8_t> data) {
  auto promise = std::make_shared<std::promise<UsbWriteOutcome>>();
  auto future = promise->get_future();
  asio::post(io_, [this, lba, data = std::move(data), promise]() mutable {
    UsbDrive::WriteDone done = [promise](UsbWriteOutcome o) { promise->set_value(std::move(o)); };
    vm_->usb().write(lba, std::move(data), std::move(done));
  });
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
    return {UsbWriteResult::Status::failed, "", "no answer within 60 s"};
  UsbWriteOutcome o;
  try {
    o = future.get();
  } catch (const std::future_error&) {  // the network thread ended first
    return {UsbWriteResult::Status::failed, "", "the simulator stopped"};
  }
  UsbWriteResult r;
  r.detail = o.detail;
  if (o.status == UsbWriteOutcome::Status::refused) {
    const std::array<std::uint8_t, 3> sense{o.sense.key, o.sense.asc, o.sense.ascq};
    r.sense = to_hex(std::span<const std::uint8_t>(sense));
  }
  switch (o.status) {
    case UsbWriteOutcome::Status::written: r.status = UsbWriteResult::Status::written; break;
    case UsbWriteOutcome::Status::no_medium: r.status = UsbWriteResult::Status::no_medium; break;
    case UsbWriteOutcome::Status::refused: r.status = UsbWriteResult::Status::refused; break;
    case UsbWriteOutcome::Status::failed: r.status = UsbWriteResult::Status::failed; break;
  }
  return r;
}

std::error_code Simulator::start(std::string& error) {
  const auto& c = ctx_.config;
  console_ = std::make_unique<ConsoleServer>(io_, ctx_);
  if (const auto replay_error = console_->load_replay(); replay_error) {
    error = replay_error == ReplayError::bad_key
                ? replay_error.message()
                : "--replay " + *c.replay_path + ": " + replay_error.message();
    return replay_error;
  }
  // The recording's keystream is fixed: every login must report its enc_key.
  if (c.replay_path) ctx_.sessions.set_fixed_enc_key(c.replay_key);

  std::error_code ec;
  const auto address = asio::ip::make_address(c.address, ec);
  if (ec) {
    error = "bad --address " + c.address + ": " + ec.message();
    return ec;
  }
  if ((ec = console_->listen({address, c.rc_port}))) {
    error = "cannot listen on the console port " + std::to_string(c.rc_port) + ": " + ec.message();
    return ec;
  }
  vm_ = std::make_unique<VmServer>(io_, ctx_, VmServerOptions::from(c));
  if ((ec = vm_->listen({address, c.vm_port}))) {
    error = "cannot listen on the virtual-media port " + std::to_string(c.vm_port) + ": " + ec.message();
    return ec;
  }
  if (c.qemu) {
    qemu_ = std::make_unique<QemuMachine>(
        io_,
        QemuMachineOptions{.qemu_path = c.qemu_path,
                           .memory_mb = c.qemu_memory_mb,
                           .frame_interval = std::chrono::milliseconds(c.frame_interval_ms)},
        *vm_, ctx_.machine);
    if ((ec = qemu_->start(error))) return ec;
    ctx_.host = qemu_.get();
  }
  // The HTTPS threads reach the network thread's objects only through on_network_thread.
  HttpsApi::Hooks hooks;
  hooks.state = [this] { return on_network_thread([this] { return state(); }); };
  hooks.vm_read_all = [this] { return on_network_thread([this] { return vm_->start_read_all(); }); };
  hooks.add_fault = [this](const std::string& spec, std::string& why) {
    return on_network_thread([&] { return ctx_.faults.add(spec, why); });
  };
  hooks.usb_read_all = [this] {
    return on_network_thread([this] { return vm_->usb().start_read_all(); });
  };
  hooks.usb_write = [this](std::uint32_t lba, std::vector<std::uint8_t> data) {
    return usb_write(lba, std::move(data));
  };
  hooks.ribcl = [this](const ribcl::Command& command) {
    return on_network_thread(
        [this, &command] {
          // The QEMU machine's power is its own; the built-in machine answers for itself.
          const auto powered = qemu_ ? std::optional<bool>(ctx_.host->powered()) : std::nullopt;
          return run_ribcl_command(ctx_.machine, command, powered);
        });
  };
  // rc_info reports the ports actually bound (they may have been 0 = any).
  hooks.ports = [this] { return std::pair{console_->port(), vm_->port()}; };
  hooks.resolution = [this](int width, int height) {
    return on_network_thread([&] { return ctx_.machine.set_resolution(width, height); });
  };
  https_ = std::make_unique<HttpsApi>(ctx_, std::move(hooks));
  if ((ec = https_->listen(c.address, c.https_port))) {
    error = "cannot start the HTTPS API on port " + std::to_string(c.https_port) + ": " + ec.message();
    return ec;
  }
  schedule_tick();
  return {};
}

void Simulator::schedule_tick() {
  ticker_.expires_after(kTickPeriod);
  ticker_.async_wait([this](std::error_code ec) {
    if (ec || stopped_) return;  // operation_aborted on stop
    ctx_.machine.tick(Machine::Clock::now());
    schedule_tick();
  });
}

void Simulator::stop() {
  if (stopped_) return;
  stopped_ = true;
  // The HTTPS server first: its handlers post to the network thread and wait.
  if (https_) https_->stop();
  asio::post(io_, [this] {
    ticker_.cancel();
    if (console_) console_->stop();
    if (vm_) vm_->stop();
    if (qemu_) qemu_->stop();
  });
}

nlohmann::json Simulator::ready_line() const {
  return {
      {"address", ctx_.config.address},
      {"https_port", https_ ? https_->port() : 0},
      {"rc_port", console_ ? console_->port() : 0},
      {"vm_port", vm_ ? vm_->port() : 0},
      {"fingerprint", https_ ? https_->fingerprint() : ""},
      {"user", ctx_.config.user},
  };
}

std::string Simulator::screen_sha256() const {
  // What a client's decoded framebuffer must equal once it has caught up: the console as the
  // machine renders it (its palette is exact at 5 bits per colour); when the host is off the
  // console port sends a 0x0 "no video" mode, so no pixels at all.
  Host& host = *ctx_.host;
  if (!host.powered()) return to_hex(vm::Sha256::of({}));
  return to_hex(vm::Sha256::of(host.screen().pixels()));
}

nlohmann::json Simulator::state() const {
  const auto& m = ctx_.machine;
  const auto now = std::chrono::steady_clock::now();
  // What the servers and the web sessions report, whichever machine is behind them.
  const nlohmann::json servers = {
      {"console", console_ ? console_->state() : nlohmann::json{}},
      {"vm", vm_ ? vm_->state() : nlohmann::json{}},
      {"usb", vm_ ? vm_->usb().state(vm_->port()) : nlohmann::json{}},
      {"web",
       {{"sessions", ctx_.sessions.live_sessions(now)},
        {"failed_logins", ctx_.sessions.failed_logins()}}},
      {"uptime_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()},
  };
  if (qemu_) {
    // The real machine: its own power, picture, input and process; no text rows.
    Host& host = *ctx_.host;
    const rc::Framebuffer& fb = host.screen();
    nlohmann::json j = {
        {"power", host.powered() ? "on" : "off"},
        {"machine", qemu_->state()},
        {"screen",
         {{"width", host.powered() ? fb.width() : 0},
          {"height", host.powered() ? fb.height() : 0},
          {"sha256", screen_sha256()}}},
        {"pointer",
         {{"x", qemu_->pointer_x()}, {"y", qemu_->pointer_y()},
          {"buttons", qemu_->pointer_buttons()}}},
        {"keys_typed", qemu_->keys_typed()},
        {"boot_order", boot_order_words(m.boot_order())},
        {"one_time_boot", ribcl::boot_word(m.one_time_boot())},
    };
    j.update(servers);
    return j;
  }
  nlohmann::json j = {
      {"power", m.powered() ? "on" : "off"},
      {"phase", phase_name(m.phase())},
      {"boots", m.boots()},
      {"machine", {{"kind", "builtin"}}},
      {"screen",
       {{"width", m.width()},
        {"height", m.height()},
        {"rows", m.console().text_rows()},
        {"sha256", screen_sha256()}}},
      {"pointer", {{"x", m.pointer_x()}, {"y", m.pointer_y()}, {"buttons", m.pointer_buttons()}}},
      {"keys_typed", m.keys_typed()},
      {"layout", m.layout_name()},
      {"boot_order", boot_order_words(m.boot_order())},
      {"one_time_boot", ribcl::boot_word(m.one_time_boot())},
      {"last_boot_device", m.last_boot_device() ? nlohmann::json(ribcl::boot_word(
                                                      *m.last_boot_device()))
                                                : nlohmann::json(nullptr)},
      {"installer_command_line", m.installer_command_line() ? nlohmann::json(
                                                                  *m.installer_command_line())
                                                            : nlohmann::json(nullptr)},
      {"installer_starts", m.installer_starts()},
  };
  j.update(servers);
  return j;
}

}  // namespace ilo::sim
