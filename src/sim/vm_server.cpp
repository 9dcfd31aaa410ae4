// VmServer and its connection (see vm_server.hpp). Each connection, on the shared shell of
// vm_connection_io.hpp, is two coroutines on the io_context's thread: a reader that feeds every
// received byte to the Initiator, and a writer spawned per request that sends it through the
// connection's FaultInjector. The server's tick watches the machine's CD-ROM boots, polls idle
// drives and enforces handshake and reply timeouts.
#include "sim/vm_server.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

#include "bytes/hex.hpp"
#include "rc/optional_features.hpp"
#include "sim/tcp_listener.hpp"
#include "sim/vm_connection_io.hpp"
#include "vm/initiator.hpp"
#include "vm/mmc_data.hpp"
#include "vm/wire.hpp"

namespace ilo::sim {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;

// The version the simulator announces in `20 00 minor major` (1.0, as in the HP transcript).
inline constexpr vm::ProtocolVersion kServerVersion{1, 0};

std::string status_of(const vm::Initiator::Disc& disc) {
  if (!disc.present) return "no disc";
  if (disc.pvd && !disc.pvd->volume_id.empty()) return disc.pvd->volume_id;
  return "(no ISO 9660 volume)";
}

}  // namespace

// ---- Connection ----

class VmServer::Connection final : public VmInitiatorConnection<vm::Initiator> {
 public:
  Connection(VmServer& server, tcp::socket socket)
      : VmInitiatorConnection(std::move(socket), server.ctx_.faults.open(Channel::vm),
                              {.hash = server.hashing_}, server.options_.request_timeout),
        server_(server) {}

  void start() {
    deadline_ = Clock::now() + server_.options_.handshake_timeout;
    asio::co_spawn(socket_.get_executor(), run(shared_from_this()), asio::detached);
  }

  [[nodiscard]] bool reading_disc() const noexcept { return reading_disc_; }

 private:
  // The server forgets the connection.
  void on_close(bool abnormal) override { server_.on_closed(*this, abnormal); }

  bool start_next_job(Clock::time_point now) override {
    if (server_.eject_wanted_) {
      server_.eject_wanted_ = false;
      server_.read_wanted_ = false;
      initiator_.eject();
    } else if (!server_.block_reads_.empty() && !server_.block_read_busy_) {
      const auto& r = server_.block_reads_.front();
      if (initiator_.read_blocks(r.lba, r.count)) {
        server_.block_read_busy_ = true;
      } else {  // no disc, or not within it
        server_.fail_block_reads();
        return false;
      }
    } else if (server_.read_wanted_ && initiator_.disc().present) {
      if (initiator_.read_disc()) begin_read();
    } else {
      poll_when_quiet(now, server_.options_.poll_interval);
    }
    return true;
  }

  bool take_output(std::vector<std::uint8_t>& out) override {
    const auto request = initiator_.take_request();
    if (!request) return false;
    out.assign(request->begin(), request->end());
    return true;
  }

  // After an eject the client closes without DISCONNECT (docs/virtual-media.md#disconnect):
  // that is the normal end.
  void on_read_failed(const std::error_code& ec) override {
    const bool ejected = initiator_.last_job() == vm::Initiator::Job::eject &&
                         initiator_.last_result() == vm::Initiator::JobResult::done;
    if (ec == asio::error::eof && ejected)
      close("client closed the connection after the eject", false);
    else
      VmConnectionIo::on_read_failed(ec);
  }

  asio::awaitable<void> run(std::shared_ptr<VmConnectionIo> self) {
    std::error_code ec;
    vm::ConnectRequestBytes bytes{};
    co_await asio::async_read(socket_, asio::buffer(bytes),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) co_return;
    if (ec) {
      close("connection closed before its connect request", false);
      co_return;
    }
    deadline_.reset();
    if (co_await handshake(bytes)) co_await serve();
    (void)self;
  }

  // Validates the connect request and answers it (docs/virtual-media.md#connect-response). False if
  // the connection ends.
  asio::awaitable<bool> handshake(const vm::ConnectRequestBytes& bytes) {
    auto& ctx = server_.ctx_;
    std::error_code ec;
    const auto request = vm::parse_connect_request(bytes, ec);
    if (!request) {
      ++server_.malformed_;
      close("malformed connect request", false);
      co_return false;
    }
    const bool xor_key = rc::parse_optional_features(ctx.config.optional_features).encrypt_vmkey;
    vm::ConnectStatus status = vm::ConnectStatus::accepted;
    if (!ctx.sessions.match_connect_key(request->key, xor_key, Clock::now())) {
      status = vm::ConnectStatus::auth_failed;
      ++server_.refused_auth_;
    } else if (!request->image_file) {  // local drives are not simulated
      status = vm::ConnectStatus::wrong_device_type;
      ++server_.refused_device_;
    } else if (request->device != vm::DeviceType::cdrom) {
      // Floppy / USB key: its own connection beside the CD's (#roles-and-connections), run by the
      // UsbDrive.
      if (server_.usb_.busy()) {
        status = vm::ConnectStatus::busy;
        server_.usb_.count_refused_busy();
      } else {
        closed_ = true;  // no longer this object's socket
        server_.usb_.adopt(std::move(socket_), request->device,
                           vm::build_connect_accept(kServerVersion));
        server_.on_closed(*this, false);
        co_return false;
      }
    } else if (server_.active_ && !server_.active_->closed()) {
      status = vm::ConnectStatus::busy;
      ++server_.refused_busy_;
    }
    if (status != vm::ConnectStatus::accepted) {
      auto refusal = vm::build_connect_refusal(status);
      if (co_await send(refusal)) close("connect request refused", false);
      co_return false;
    }
    server_.on_accepted(std::static_pointer_cast<Connection>(shared_from_this()));
    auto accept = vm::build_connect_accept(kServerVersion);
    co_return co_await send(accept);
  }

  void begin_read() {
    reading_disc_ = true;
    read_started_ = Clock::now();
    decile_ = 0;
    const auto& disc = initiator_.disc();
    server_.ctx_.machine.print("Virtual CD-ROM: reading " + status_of(disc) + ", " +
                               std::to_string(disc.blocks * vm::mmc::kBlockSize) + " bytes");
  }

  // Accounts read progress and notices the end of a whole-disc read.
  void after_feed() override {
    const std::uint64_t read = initiator_.bytes_read();
    if (read < bytes_read_seen_) bytes_read_seen_ = 0;  // a new read started from zero
    server_.stats_.bytes_read_total += read - bytes_read_seen_;
    bytes_read_seen_ = read;
    if (server_.block_read_busy_ && initiator_.job() != vm::Initiator::Job::read_blocks) {
      server_.block_read_busy_ = false;
      BlockRead r = std::move(server_.block_reads_.front());
      server_.block_reads_.pop_front();
      const bool ok = initiator_.last_job() == vm::Initiator::Job::read_blocks &&
                      initiator_.last_result() == vm::Initiator::JobResult::done;
      r.done(ok, ok ? initiator_.read_data() : std::span<const std::uint8_t>{});
    }
    if (!reading_disc_) return;
    if (initiator_.job() == vm::Initiator::Job::read_disc) {
      const std::uint64_t total = initiator_.disc().blocks * vm::mmc::kBlockSize;
      const std::uint64_t decile = total == 0 ? 10 : read * 10 / total;
      if (decile > decile_ && decile < 10) {
        decile_ = decile;
        server_.ctx_.machine.print("Virtual CD-ROM: " + std::to_string(decile * 10) + "% read");
      }
      return;
    }
    reading_disc_ = false;
    if (initiator_.last_job() != vm::Initiator::Job::read_disc) return;
    server_.on_read_finished(initiator_, Clock::now() - read_started_);
  }

  // The initiator is idle: show what the drive holds if that changed.
  void settle() override {
    const std::string status = status_of(initiator_.disc());
    if (status == shown_status_) return;
    shown_status_ = status;
    server_.ctx_.machine.set_drive_status(status);
    const auto& disc = initiator_.disc();
    server_.ctx_.machine.set_boot_disc(disc.present, Clock::now());
    server_.disc_changed(disc.present, disc.blocks);
    server_.ctx_.machine.print(
        disc.present ? "Virtual CD-ROM: " + status + " (" + std::to_string(disc.blocks) + " blocks)"
                     : "Virtual CD-ROM: no disc");
  }

  VmServer& server_;
  std::string shown_status_;
  bool reading_disc_ = false;
  Clock::time_point read_started_{};
  std::uint64_t decile_ = 0;
  std::uint64_t bytes_read_seen_ = 0;
};

// ---- VmServer ----

VmServerOptions VmServerOptions::from(const SimConfig& config) {
  VmServerOptions options;
  options.poll_interval = std::chrono::milliseconds(std::max(1, config.vm_poll_interval_ms));
  return options;
}

VmServer::VmServer(asio::io_context& io, SimContext& ctx, Options options)
    : ctx_(ctx), options_(options), acceptor_(io), ticker_(io),
      usb_(ctx, UsbDriveTimeouts{options.poll_interval, options.request_timeout}),
      last_cd_boots_(ctx.machine.cd_boots()),
      last_installer_starts_(ctx.machine.installer_starts()) {}

VmServer::~VmServer() { stop(); }

std::error_code VmServer::listen(const tcp::endpoint& endpoint) {
  std::error_code ec = open_listener(acceptor_, endpoint, options_.receive_buffer_bytes);
  if (ec) return ec;
  port_ = acceptor_.local_endpoint(ec).port();
  accept_next();
  schedule_tick();
  return ec;
}

void VmServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  ticker_.cancel();
  const auto all = connections_;
  for (const auto& c : all) c->close("server stopped", false);
  usb_.stop();
}

void VmServer::accept_next() {
  acceptor_.async_accept([this, alive = std::weak_ptr<int>(alive_)](std::error_code ec,
                                                                      tcp::socket socket) {
    if (alive.expired() || stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto c = std::make_shared<Connection>(*this, std::move(socket));
      connections_.push_back(c);
      c->start();
    }
    accept_next();
  });
}

void VmServer::schedule_tick() {
  ticker_.expires_after(options_.tick);
  ticker_.async_wait([this, alive = std::weak_ptr<int>(alive_)](std::error_code ec) {
    if (alive.expired() || stopped_ || ec) return;
    on_tick();
    schedule_tick();
  });
}

void VmServer::on_tick() {
  const auto now = Clock::now();
  // The machine's POST is over and it boots from the disc: read it all (its progress and
  // result are printed as the boot's), then let the machine go on (on_read_finished).
  const std::uint64_t cd_boots = ctx_.machine.cd_boots();
  if (cd_boots != last_cd_boots_) {
    last_cd_boots_ = cd_boots;
    if (active_ && active_->serving() && active_->initiator().disc().present)
      read_wanted_ = true;
    else
      ctx_.machine.cd_boot_done(now);
  }
  // The installer typed at a bootable disc's `boot:` prompt looks for its USB key: read the
  // whole key (its size and SHA-256 are printed and reported in /sim/state's usb).
  const std::uint64_t installs = ctx_.machine.installer_starts();
  if (installs != last_installer_starts_) {
    last_installer_starts_ = installs;
    if (!usb_.start_read_all()) ctx_.machine.print("Installer: no USB key found");
  }
  const auto all = connections_;  // tick() may close and remove a connection
  for (const auto& c : all) c->tick(now, stats_.timeouts);
  usb_.tick(now);
}

bool VmServer::start_read_all() {
  if (stopped_ || !active_ || !active_->serving() || !active_->initiator().disc().present)
    return false;
  read_wanted_ = true;
  active_->pump();
  return true;
}

bool VmServer::eject_medium() {
  if (stopped_ || !active_ || !active_->serving()) return false;
  eject_wanted_ = true;
  active_->pump();
  return true;
}

void VmServer::on_accepted(const std::shared_ptr<Connection>& c) {
  stats_.accepted();
  active_ = c;
}

void VmServer::on_read_finished(const vm::Initiator& initiator, Clock::duration took) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  if (initiator.last_result() == vm::Initiator::JobResult::done) {
    ++stats_.reads_completed;
    read_wanted_ = false;
    stats_.last_sha256 = initiator.disc_sha256();
    ctx_.machine.print("Virtual CD-ROM: read " + std::to_string(initiator.bytes_read()) +
                       " bytes in " + std::to_string(ms) + " ms, SHA-256 " +
                       (stats_.last_sha256 ? to_hex(*stats_.last_sha256)
                                           : std::string("not computed")));
    ctx_.machine.cd_boot_done(Clock::now(), initiator.bootable()
                                                ? Machine::CdBoot::bootable_disc
                                                : Machine::CdBoot::data_disc);
    return;
  }
  ++stats_.reads_failed;
  // A new medium is read anew (the enumeration that follows leaves read_wanted_ set); a
  // missing medium or a broken reply ends the boot.
  const bool again = initiator.last_result() == vm::Initiator::JobResult::medium_changed;
  if (!again) read_wanted_ = false;
  ctx_.machine.print("Virtual CD-ROM: read interrupted");
  if (!again) ctx_.machine.cd_boot_done(Clock::now());
}

void VmServer::on_closed(Connection& c, bool abnormal) {
  std::erase_if(connections_, [&](const auto& p) { return p.get() == &c; });
  if (active_.get() != &c) return;
  stats_.closed(c.initiator(), abnormal, c.close_reason());
  active_.reset();
  if (stopped_) return;
  fail_block_reads();
  disc_changed(false, 0);
  ctx_.machine.set_boot_disc(false, Clock::now());  // ends a CD-ROM boot waiting for it
  ctx_.machine.set_drive_status("no disc");
  ctx_.machine.print("Virtual CD-ROM disconnected: " + stats_.last_close_reason);
}

void VmServer::read_blocks(std::uint64_t lba, std::uint32_t count, BlocksDone done) {
  block_reads_.push_back({lba, count, std::move(done)});
  if (!active_ || !active_->serving() || stopped_) {
    fail_block_reads();
    return;
  }
  active_->pump();
}

void VmServer::fail_block_reads() {
  block_read_busy_ = false;
  auto reads = std::move(block_reads_);
  block_reads_.clear();
  for (auto& r : reads) r.done(false, {});
}

void VmServer::disc_changed(bool present, std::uint64_t blocks) {
  // A different disc is a removal first, so the listener never mixes two discs' blocks.
  if (disc_told_ && disc_listener_) disc_listener_(false, 0);
  disc_told_ = present;
  if (present && disc_listener_) disc_listener_(true, blocks);
}

nlohmann::json VmServer::state() const {
  const vm::Initiator* ini = active_ && active_->serving() ? &active_->initiator() : nullptr;
  const vm::Initiator::Disc no_disc{};
  const auto& disc = ini ? ini->disc() : no_disc;
  nlohmann::json j;
  j["port"] = port_;
  j["connected"] = ini != nullptr;
  j["medium_present"] = disc.present;
  j["capacity_blocks"] = disc.present ? disc.blocks : 0;
  j["capacity_bytes"] = disc.present ? disc.blocks * vm::mmc::kBlockSize : 0;
  j["volume_id"] = disc.present && disc.pvd ? nlohmann::json(disc.pvd->volume_id) : nlohmann::json();
  j["reading"] = active_ && active_->reading_disc();
  stats_.put(j, ini);
  j["hashing"] = hashing_;
  j["poll_interval_ms"] = options_.poll_interval.count();
  j["refused"] = {{"busy", refused_busy_},
                  {"auth", refused_auth_},
                  {"device_type", refused_device_},
                  {"malformed", malformed_}};
  return j;
}

}  // namespace ilo::sim
