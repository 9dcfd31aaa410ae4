// UsbDrive and its connection (see usb_drive.hpp): on the shared shell of vm_connection_io.hpp,
// a reader coroutine feeds every received byte to the FloppyInitiator; a writer coroutine per
// request sends it (with its data-out) through the usb channel's FaultInjector. The drive's tick
// polls and enforces the reply timeout.
#include "sim/usb_drive.hpp"

#include <span>
#include <utility>

#include "bytes/hex.hpp"
#include "sim/vm_connection_io.hpp"
#include "vm/floppy_target.hpp"

namespace ilo::sim {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;

const char* device_name(vm::DeviceType d) {
  return d == vm::DeviceType::floppy ? "floppy" : "usb-key";
}

std::string sense_hex(vm::Sense s) {
  const std::array<std::uint8_t, 3> b{s.key, s.asc, s.ascq};
  return to_hex(std::span<const std::uint8_t>(b));
}

}  // namespace

class UsbDrive::Connection final : public VmInitiatorConnection<vm::FloppyInitiator> {
 public:
  Connection(UsbDrive& drive, tcp::socket socket, vm::DeviceType device)
      : VmInitiatorConnection(std::move(socket), drive.ctx_.faults.open(Channel::usb),
                              {.hash = drive.hashing_}, drive.timeouts_.request_timeout),
        drive_(drive),
        device_(device) {}

  void start(std::array<std::uint8_t, 4> response) {
    output_.assign(response.begin(), response.end());
    writing_ = true;  // until the accept is out
    asio::co_spawn(socket_.get_executor(), run(shared_from_this()), asio::detached);
  }

  [[nodiscard]] bool reading() const noexcept { return reading_; }
  [[nodiscard]] vm::DeviceType device() const noexcept { return device_; }

 private:
  void on_close(bool abnormal) override { drive_.on_closed(*this, abnormal); }

  bool start_next_job(Clock::time_point now) override {
    if (!drive_.writes_.empty() && !drive_.writing_) {
      auto& w = drive_.writes_.front();
      if (initiator_.write(w.lba, w.data)) {
        drive_.writing_ = true;
      } else {
        drive_.finish_write({UsbWriteOutcome::Status::no_medium, {}, "no medium"});
        pump();
        return false;
      }
    } else if (!drive_.block_reads_.empty() && !drive_.block_reading_) {
      const auto& r = drive_.block_reads_.front();
      if (initiator_.read_blocks(r.lba, r.count)) {
        drive_.block_reading_ = true;
      } else {
        drive_.finish_block_read(false, {});
        pump();
        return false;
      }
    } else if (drive_.read_wanted_ && initiator_.disk().present) {
      drive_.read_wanted_ = false;
      reading_ = initiator_.read_all();
    } else {
      poll_when_quiet(now, drive_.timeouts_.poll_interval);
    }
    return true;
  }

  bool take_output(std::vector<std::uint8_t>& out) override {
    auto output = initiator_.take_output();  // the request, with a WRITE's data-out
    if (!output) return false;
    out = std::move(*output);
    return true;
  }

  asio::awaitable<void> run(std::shared_ptr<VmConnectionIo> self) {
    const bool sent = co_await send(output_);
    writing_ = false;
    if (sent) co_await serve();
    (void)self;
  }

  // Accounts reads and notices finished jobs.
  void after_feed() override {
    const std::uint64_t read = initiator_.bytes_read();
    if (read < bytes_read_seen_) bytes_read_seen_ = 0;
    drive_.stats_.bytes_read_total += read - bytes_read_seen_;
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
        ++drive_.stats_.reads_completed;
        drive_.stats_.last_sha256 = initiator_.read_sha256();
        drive_.ctx_.machine.print("Virtual USB key: read " +
                                  std::to_string(initiator_.bytes_read()) + " bytes");
      } else {
        ++drive_.stats_.reads_failed;
      }
    }
    if (drive_.block_reading_ && job == Job::read_blocks)
      drive_.finish_block_read(result == Result::done, initiator_.read_data());
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

  void settle() override {
    const auto& disk = initiator_.disk();
    drive_.medium_seen(disk.present, disk.blocks, disk.present && initiator_.write_protected());
    const std::string status =
        disk.present ? std::to_string(disk.blocks) + " blocks" : std::string("no medium");
    if (status == shown_status_) return;
    shown_status_ = status;
    drive_.ctx_.machine.print(std::string("Virtual USB key (") + device_name(device_) +
                              "): " + status);
  }

  UsbDrive& drive_;
  vm::DeviceType device_;
  bool reading_ = false;
  std::string shown_status_;
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
  stats_.accepted();
  active_ = std::make_shared<Connection>(*this, std::move(socket), device);
  active_->start(response);
}

void UsbDrive::tick(Clock::time_point now) {
  if (active_) {
    const auto keep = active_;  // tick() may close it
    keep->tick(now, stats_.timeouts);
  }
}

void UsbDrive::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (active_) active_->close("server stopped", false);
  while (!writes_.empty()) finish_write({UsbWriteOutcome::Status::failed, {}, "stopped"});
  while (!block_reads_.empty()) finish_block_read(false, {});
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

void UsbDrive::read_blocks(std::uint64_t lba, std::uint32_t count, BlocksDone done) {
  if (stopped_ || !active_ || !active_->serving() || !active_->initiator().disk().present) {
    done(false, {});
    return;
  }
  block_reads_.push_back({lba, count, std::move(done)});
  active_->pump();
}

void UsbDrive::finish_block_read(bool ok, std::span<const std::uint8_t> data) {
  block_reading_ = false;
  if (block_reads_.empty()) return;
  auto done = std::move(block_reads_.front().done);
  block_reads_.pop_front();
  if (done) done(ok, data);
}

// A changed medium is told as gone first, so the listener never sees one replace another.
void UsbDrive::medium_seen(bool present, std::uint64_t blocks, bool read_only) {
  const Medium now{present, present ? blocks : 0, present && read_only};
  if (now == medium_told_) return;
  if (medium_told_.present && medium_listener_) medium_listener_(false, 0, false);
  medium_told_ = now;
  if (now.present && medium_listener_) medium_listener_(true, now.blocks, now.read_only);
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
  stats_.closed(c.initiator(), abnormal, c.close_reason());
  const auto keep = active_;  // the connection's coroutines hold their own references
  active_.reset();
  if (writing_ || !writes_.empty()) {
    while (!writes_.empty())
      finish_write({UsbWriteOutcome::Status::failed, {},
                    "connection closed: " + stats_.last_close_reason});
  }
  while (!block_reads_.empty()) finish_block_read(false, {});
  medium_seen(false, 0, false);
  if (stopped_) return;
  ctx_.machine.print("Virtual USB key disconnected: " + stats_.last_close_reason);
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
  stats_.put(j, ini);
  j["hashing"] = hashing_;
  j["poll_interval_ms"] = timeouts_.poll_interval.count();
  // Refusals before the device type is known (auth, malformed) are counted in `vm`.
  j["refused"] = {{"busy", refused_busy_}, {"auth", 0}, {"device_type", 0}, {"malformed", 0}};
  j["bytes_written"] = bytes_written_total_;
  j["write_protected"] = ini != nullptr && disk.present && ini->write_protected();
  j["writes_completed"] = writes_completed_;
  j["writes_refused"] = writes_refused_;
  j["last_write_sense"] =
      last_write_sense_ ? nlohmann::json(sense_hex(*last_write_sense_)) : nlohmann::json();
  return j;
}

}  // namespace ilo::sim
