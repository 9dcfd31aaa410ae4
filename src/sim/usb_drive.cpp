// UsbDrive and its connection (see usb_drive.hpp): a reader coroutine feeds every received byte
// to the FloppyInitiator; a writer coroutine per request sends it (with its data-out) through
// the usb channel's FaultInjector. The drive's tick polls and enforces the reply timeout.
#include "sim/usb_drive.hpp"

#include <span>
#include <utility>

#include "bytes/hex.hpp"
#include "vm/floppy_target.hpp"

namespace ilo::sim {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;

// A 256-block READ reply (16 + 131072 bytes) fits twice.
inline constexpr std::size_t kReadBufferSize = 256 * 1024;

const char* device_name(vm::DeviceType d) {
  return d == vm::DeviceType::floppy ? "floppy" : "usb-key";
}

std::string sense_hex(vm::Sense s) {
  const std::array<std::uint8_t, 3> b{s.key, s.asc, s.ascq};
  return to_hex(std::span<const std::uint8_t>(b));
}

}  // namespace

class UsbDrive::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(UsbDrive& drive, tcp::socket socket, vm::DeviceType device)
      : drive_(drive),
        socket_(std::move(socket)),
        stall_timer_(socket_.get_executor()),
        faults_(drive.ctx_.faults.open(Channel::usb)),
        device_(device),
        initiator_(vm::FloppyInitiator::Options{.hash = drive.hashing_}),
        read_buffer_(kReadBufferSize) {}

  void start(std::array<std::uint8_t, 4> response) {
    output_.assign(response.begin(), response.end());
    writing_ = true;  // until the accept is out
    asio::co_spawn(socket_.get_executor(), run(shared_from_this()), asio::detached);
  }

  void close(const std::string& reason, bool abnormal) {
    if (closed_) return;
    closed_ = true;
    std::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    stall_timer_.cancel();
    close_reason_ = reason;
    drive_.on_closed(*this, abnormal);
  }

  void tick(Clock::time_point now) {
    if (closed_) return;
    if (deadline_ && now > *deadline_) {
      ++drive_.timeouts_count_;
      close("no reply within the request timeout", true);
      return;
    }
    pump();
  }

  // Starts the next job when the initiator is idle and sends its next output, if any.
  void pump() {
    if (closed_ || !serving_ || writing_) return;
    if (initiator_.phase() == vm::FloppyInitiator::Phase::idle) {
      deadline_.reset();
      settle();
      const auto now = Clock::now();
      if (!drive_.writes_.empty() && !drive_.writing_) {
        auto& w = drive_.writes_.front();
        if (initiator_.write(w.lba, w.data)) {
          drive_.writing_ = true;
        } else {
          drive_.finish_write({UsbWriteOutcome::Status::no_medium, {}, "no medium"});
          return pump();
        }
      } else if (drive_.read_wanted_ && initiator_.disk().present) {
        drive_.read_wanted_ = false;
        reading_ = initiator_.read_all();
      } else if (now - last_activity_ >= drive_.timeouts_.poll_interval) {
        initiator_.poll();
        last_activity_ = now;
      }
    }
    auto output = initiator_.take_output();
    if (!output) return;
    writing_ = true;
    output_ = std::move(*output);  // a member, as one output is in flight at a time
    asio::co_spawn(socket_.get_executor(), write_output(shared_from_this()), asio::detached);
  }

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] bool serving() const noexcept { return serving_; }
  [[nodiscard]] bool reading() const noexcept { return reading_; }
  [[nodiscard]] vm::DeviceType device() const noexcept { return device_; }
  [[nodiscard]] const vm::FloppyInitiator& initiator() const noexcept { return initiator_; }
  [[nodiscard]] const std::string& close_reason() const noexcept { return close_reason_; }

 private:
  asio::awaitable<void> run(std::shared_ptr<Connection> self) {
    const bool sent = co_await send(output_);
    writing_ = false;
    if (!sent) co_return;
    serving_ = true;
    last_activity_ = Clock::now();
    initiator_.enumerate();
    pump();
    co_await read_loop();
    (void)self;
  }

  asio::awaitable<void> read_loop() {
    for (;;) {
      std::error_code ec;
      const std::size_t n = co_await socket_.async_read_some(
          asio::buffer(read_buffer_), asio::redirect_error(asio::use_awaitable, ec));
      if (closed_) co_return;
      if (ec) {
        close(ec == asio::error::eof ? "client closed the connection without DISCONNECT"
                                     : "read failed: " + ec.message(),
              true);
        co_return;
      }
      initiator_.feed(std::span<const std::uint8_t>(read_buffer_.data(), n));
      last_activity_ = Clock::now();
      after_feed();
      if (initiator_.phase() == vm::FloppyInitiator::Phase::disconnected) {
        close("client sent DISCONNECT", false);
        co_return;
      }
      if (initiator_.phase() == vm::FloppyInitiator::Phase::broken) {
        close("reply stream broken: " + std::string(initiator_.last_violation()), true);
        co_return;
      }
      pump();
    }
  }

  asio::awaitable<void> write_output(std::shared_ptr<Connection> self) {
    const bool ok = co_await send(output_);
    writing_ = false;
    if (!ok) co_return;
    deadline_ = Clock::now() + drive_.timeouts_.request_timeout;
    self->pump();
  }

  asio::awaitable<bool> send(std::span<std::uint8_t> data) {
    while (!data.empty() && !closed_) {
      const auto d = faults_.before_send(data);
      if (d.send > 0) {
        std::error_code ec;
        co_await asio::async_write(socket_, asio::buffer(data.data(), d.send),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (closed_) break;
        if (ec) {
          close("write failed: " + ec.message(), true);
          break;
        }
        faults_.sent(d.send);
        data = data.subspan(d.send);
      }
      if (d.drop) {
        close("fault: dropped after " + std::to_string(faults_.sent_so_far()) + " bytes", true);
        break;
      }
      if (d.stall.count() > 0) {
        std::error_code ec;
        stall_timer_.expires_after(d.stall);
        co_await stall_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    co_return !closed_;
  }

  // Accounts reads and notices finished jobs.
  void after_feed() {
    const std::uint64_t read = initiator_.bytes_read();
    if (read < bytes_read_seen_) bytes_read_seen_ = 0;
    drive_.bytes_read_total_ += read - bytes_read_seen_;
    bytes_read_seen_ = read;
    if (initiator_.phase() != vm::FloppyInitiator::Phase::idle &&
        initiator_.job() != vm::FloppyInitiator::Job::enumerate)
      return;
    using Job = vm::FloppyInitiator::Job;
    using Result = vm::FloppyInitiator::JobResult;
    const Job job = initiator_.last_job();
    const Result result = initiator_.last_result();
    if (job == Job::read_all && reading_) {
      reading_ = false;
      if (result == Result::done) {
        ++drive_.reads_completed_;
        drive_.last_sha256_ = initiator_.read_sha256();
        drive_.ctx_.machine.print("Virtual USB key: read " +
                                  std::to_string(initiator_.bytes_read()) + " bytes");
      } else {
        ++drive_.reads_failed_;
      }
    }
    if (job == Job::write && drive_.writing_) {
      const std::uint64_t written = initiator_.bytes_written();
      drive_.bytes_written_total_ += written - bytes_written_seen_;
      bytes_written_seen_ = written;
      if (result == Result::done)
        drive_.finish_write({UsbWriteOutcome::Status::written, vm::sense::kGood, "written"});
      else if (result == Result::refused)
        drive_.finish_write({UsbWriteOutcome::Status::refused, initiator_.last_sense(),
                             "refused with sense " + sense_hex(initiator_.last_sense())});
      else if (result == Result::no_medium)
        drive_.finish_write({UsbWriteOutcome::Status::no_medium, initiator_.last_sense(),
                             "no medium"});
      else
        drive_.finish_write({UsbWriteOutcome::Status::failed, initiator_.last_sense(),
                             "the write did not complete"});
    }
  }

  void settle() {
    const auto& disk = initiator_.disk();
    const std::string status =
        disk.present ? std::to_string(disk.blocks) + " blocks" : std::string("no medium");
    if (status == shown_status_) return;
    shown_status_ = status;
    drive_.ctx_.machine.print(std::string("Virtual USB key (") + device_name(device_) +
                              "): " + status);
  }

  UsbDrive& drive_;
  tcp::socket socket_;
  asio::steady_timer stall_timer_;
  FaultInjector faults_;
  vm::DeviceType device_;
  vm::FloppyInitiator initiator_;
  std::vector<std::uint8_t> read_buffer_;
  std::vector<std::uint8_t> output_;  // the request (and data-out) being written
  bool serving_ = false;
  bool closed_ = false;
  bool writing_ = false;
  bool reading_ = false;
  std::optional<Clock::time_point> deadline_;
  Clock::time_point last_activity_{};
  std::string shown_status_;
  std::string close_reason_;
  std::uint64_t bytes_read_seen_ = 0;
  std::uint64_t bytes_written_seen_ = 0;
};

// ---- UsbDrive ----

UsbDrive::UsbDrive(SimContext& ctx, UsbDriveTimeouts timeouts)
    : ctx_(ctx), timeouts_(timeouts) {}

UsbDrive::~UsbDrive() { stop(); }

bool UsbDrive::busy() const noexcept { return active_ && !active_->closed(); }

void UsbDrive::adopt(tcp::socket socket, vm::DeviceType device,
                     std::array<std::uint8_t, 4> response) {
  if (stopped_) return;
  if (connections_accepted_ > 0 && last_close_abnormal_) ++reconnects_;
  ++connections_accepted_;
  active_ = std::make_shared<Connection>(*this, std::move(socket), device);
  active_->start(response);
}

void UsbDrive::tick(Clock::time_point now) {
  if (active_) {
    const auto keep = active_;  // tick() may close it
    keep->tick(now);
  }
}

void UsbDrive::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (active_) active_->close("server stopped", false);
  while (!writes_.empty()) finish_write({UsbWriteOutcome::Status::failed, {}, "stopped"});
}

bool UsbDrive::start_read_all() {
  if (stopped_ || !active_ || !active_->serving() || !active_->initiator().disk().present)
    return false;
  read_wanted_ = true;
  active_->pump();
  return true;
}

void UsbDrive::write(std::uint32_t lba, std::vector<std::uint8_t> data, WriteDone done) {
  if (stopped_ || !active_ || !active_->serving() || !active_->initiator().disk().present) {
    done({UsbWriteOutcome::Status::no_medium, {}, "no medium"});
    return;
  }
  writes_.push_back({lba, std::move(data), std::move(done)});
  active_->pump();
}

void UsbDrive::finish_write(UsbWriteOutcome outcome) {
  writing_ = false;
  if (writes_.empty()) return;
  auto done = std::move(writes_.front().done);
  writes_.pop_front();
  if (outcome.status == UsbWriteOutcome::Status::written) ++writes_completed_;
  if (outcome.status == UsbWriteOutcome::Status::refused) ++writes_refused_;
  if (outcome.status != UsbWriteOutcome::Status::no_medium) last_write_sense_ = outcome.sense;
  if (done) done(std::move(outcome));
}

void UsbDrive::on_closed(Connection& c, bool abnormal) {
  if (active_.get() != &c) return;
  const auto& ini = c.initiator();
  violations_closed_ += ini.violations();
  keep_alives_closed_ += ini.keep_alives();
  if (!ini.last_violation().empty()) last_violation_ = std::string(ini.last_violation());
  last_close_abnormal_ = abnormal;
  last_close_reason_ = c.close_reason();
  const auto keep = active_;  // the connection's coroutines hold their own references
  active_.reset();
  if (writing_ || !writes_.empty()) {
    while (!writes_.empty())
      finish_write(
          {UsbWriteOutcome::Status::failed, {}, "connection closed: " + last_close_reason_});
  }
  if (stopped_) return;
  ctx_.machine.print("Virtual USB key disconnected: " + last_close_reason_);
}

nlohmann::json UsbDrive::state(std::uint16_t port) const {
  const vm::FloppyInitiator* ini =
      active_ && active_->serving() ? &active_->initiator() : nullptr;
  const vm::FloppyInitiator::Disk no_disk{};
  const auto& disk = ini ? ini->disk() : no_disk;
  nlohmann::json j;
  j["port"] = port;
  j["connected"] = ini != nullptr;
  j["device"] = ini ? nlohmann::json(device_name(active_->device())) : nlohmann::json();
  j["medium_present"] = disk.present;
  j["capacity_blocks"] = disk.present ? disk.blocks : 0;
  j["capacity_bytes"] = disk.present ? disk.blocks * vm::kFloppyBlockSize : 0;
  j["volume_id"] = nullptr;  // a key has no ISO 9660 volume; the key is kept for the CD's shape
  j["reading"] = active_ && active_->reading();
  j["bytes_read"] = bytes_read_total_;
  j["reads_completed"] = reads_completed_;
  j["reads_interrupted"] = reads_failed_;
  j["last_read_sha256"] = last_sha256_ ? nlohmann::json(to_hex(*last_sha256_)) : nlohmann::json();
  j["hashing"] = hashing_;
  j["violations"] = violations_closed_ + (ini ? ini->violations() : 0);
  j["last_violation"] = ini && !ini->last_violation().empty() ? std::string(ini->last_violation())
                                                               : last_violation_;
  j["keep_alives"] = keep_alives_closed_ + (ini ? ini->keep_alives() : 0);
  j["connections"] = connections_accepted_;
  j["reconnects"] = reconnects_;
  j["timeouts"] = timeouts_count_;
  j["poll_interval_ms"] = timeouts_.poll_interval.count();
  // Refusals before the device type is known (auth, malformed) are counted in `vm`.
  j["refused"] = {{"busy", refused_busy_}, {"auth", 0}, {"device_type", 0}, {"malformed", 0}};
  j["last_close_reason"] = last_close_reason_;
  j["bytes_written"] = bytes_written_total_;
  j["write_protected"] = ini != nullptr && disk.present && ini->write_protected();
  j["writes_completed"] = writes_completed_;
  j["writes_refused"] = writes_refused_;
  j["last_write_sense"] =
      last_write_sense_ ? nlohmann::json(sense_hex(*last_write_sense_)) : nlohmann::json();
  return j;
}

}  // namespace ilo::sim
