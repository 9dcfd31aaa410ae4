// The floppy/USB-key initiator state machine (see floppy_initiator.hpp). Reply lengths are trusted
// only when they match the outstanding request; keep-alive lengths never (#keep-alive). READ data
// is hashed as it streams through and not stored.
#include "vm/floppy_initiator.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"
#include "vm/floppy_target.hpp"
#include "vm/scsi_opcodes.hpp"

namespace ilo::vm {
namespace {

inline constexpr std::uint32_t kMaxBlocksPerTransfer = 256;
inline constexpr std::uint32_t kMaxFloppyReplyLength = kMaxBlocksPerTransfer * kFloppyBlockSize;
inline constexpr std::uint16_t kFormatCapacitiesAllocation = kReadFormatCapacitiesSize;

// A READ(10) or WRITE(10) CDB of at most 256 blocks.
Request transfer_cdb(std::uint8_t opcode, std::uint32_t lba, std::uint32_t blocks) {
  return transfer10_cdb(opcode, lba, static_cast<std::uint16_t>(blocks));
}

}  // namespace

FloppyInitiator::FloppyInitiator(Options options) : options_(options) {
  options_.blocks_per_transfer =
      std::clamp<std::uint32_t>(options_.blocks_per_transfer, 1, kMaxBlocksPerTransfer);
}

// ---- Jobs ----

bool FloppyInitiator::start(Job job) {
  if (!jobs_.start(job)) return false;
  last_sense_ = sense::kGood;
  return true;
}

void FloppyInitiator::finish(JobResult result) {
  jobs_.finish(result);
  step_ = Step::none;
  pending_.reset();
  write_data_.clear();
  if (result == JobResult::medium_changed) enumerate();
}

bool FloppyInitiator::enumerate() {
  if (!start(Job::enumerate)) return false;
  disk_ = {};
  attention_count_ = 0;
  send_tur(Step::tur);
  return true;
}

bool FloppyInitiator::poll() {
  if (!start(Job::poll)) return false;
  send_tur(Step::poll_tur);
  return true;
}

bool FloppyInitiator::read_all() {
  if (!disk_.present || !start(Job::read_all)) return false;
  next_lba_ = 0;
  end_lba_ = disk_.blocks;
  bytes_read_ = 0;
  read_sha256_.reset();
  sha_.reset();
  send_next_read();
  return true;
}

bool FloppyInitiator::read_blocks(std::uint64_t lba, std::uint32_t count) {
  if (!disk_.present || count == 0 || count > kMaxBlocksPerTransfer || lba >= disk_.blocks ||
      count > disk_.blocks - lba || !start(Job::read_blocks))
    return false;
  next_lba_ = lba;
  end_lba_ = lba + count;
  read_data_.clear();
  read_data_.reserve(std::size_t{count} * kFloppyBlockSize);
  send_next_read();
  return true;
}

bool FloppyInitiator::write(std::uint32_t lba, std::vector<std::uint8_t> data) {
  if (!disk_.present || data.empty() || data.size() % kFloppyBlockSize != 0 ||
      !start(Job::write))
    return false;
  write_data_ = std::move(data);
  next_lba_ = lba;
  end_lba_ = lba + write_data_.size() / kFloppyBlockSize;
  send_next_write();
  return true;
}

// ---- Requests ----

void FloppyInitiator::issue(Step step, const Request& request, std::uint32_t expected_length) {
  pending_.emplace(request.begin(), request.end());
  step_ = step;
  expected_length_ = expected_length;
}

std::optional<std::vector<std::uint8_t>> FloppyInitiator::take_output() {
  if (!pending_ || outstanding_ || jobs_.phase() != Phase::busy) return std::nullopt;
  outstanding_ = true;
  std::optional<std::vector<std::uint8_t>> out;
  out.swap(pending_);
  return out;
}

void FloppyInitiator::send_tur(Step step) { issue(step, Request{}, 0); }  // all fields zero

void FloppyInitiator::send_next_read() {
  chunk_blocks_ = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(end_lba_ - next_lba_, options_.blocks_per_transfer));
  issue(Step::read_chunk,
        transfer_cdb(opcode::kRead10, static_cast<std::uint32_t>(next_lba_), chunk_blocks_),
        chunk_blocks_ * kFloppyBlockSize);
}

// The data-out follows the 12-byte request in the same output (#requests).
void FloppyInitiator::send_next_write() {
  chunk_blocks_ = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(end_lba_ - next_lba_, options_.blocks_per_transfer));
  issue(Step::write_chunk,
        transfer_cdb(opcode::kWrite10, static_cast<std::uint32_t>(next_lba_), chunk_blocks_), 0);
  const std::size_t from =
      static_cast<std::size_t>(next_lba_ - (end_lba_ - write_data_.size() / kFloppyBlockSize)) *
      kFloppyBlockSize;
  const auto chunk = std::span<const std::uint8_t>(write_data_)
                         .subspan(from, std::size_t{chunk_blocks_} * kFloppyBlockSize);
  pending_->insert(pending_->end(), chunk.begin(), chunk.end());
}

// ---- Replies ----

std::size_t FloppyInitiator::feed(std::span<const std::uint8_t> in) {
  return stream_.feed(
      in, [this] { return jobs_.ended(); },
      [this](const ReplyHeaderBytes& bytes) { on_header(bytes); },
      [this](std::span<const std::uint8_t> data) { on_data(data); }, [this] { on_reply(); });
}

void FloppyInitiator::on_data(std::span<const std::uint8_t> data) {
  if (reply_ok_ && step_ == Step::read_chunk) {
    if (jobs_.job() == Job::read_blocks)
      read_data_.insert(read_data_.end(), data.begin(), data.end());
    else if (options_.hash)
      sha_.update(data);
    bytes_read_ += data.size();
  } else if (reply_ok_) {
    const std::size_t k = std::min(data.size(), small_.size() - small_size_);
    std::copy_n(data.begin(), k, small_.begin() + static_cast<std::ptrdiff_t>(small_size_));
    small_size_ += k;
  }
}

void FloppyInitiator::on_header(const ReplyHeaderBytes& bytes) {
  ReplyHeader h;
  const ReplyKind kind = sort_reply_header(bytes, h, log_);
  if (kind == ReplyKind::bad_magic) {
    jobs_.break_stream();
    return;
  }
  write_protected_ = (h.flags & kFlagWriteProtected) != 0;
  if (kind == ReplyKind::disconnect) {
    jobs_.disconnect(JobResult::no_medium);
    pending_.reset();
    outstanding_ = false;
    disk_ = {};
    return;
  }
  if (kind == ReplyKind::keep_alive) {
    ++keep_alives_;
    return;
  }
  if (!outstanding_ || h.length > kMaxFloppyReplyLength) {
    log_.add(outstanding_ ? "reply length above any request's"
                           : "reply without an outstanding request");
    jobs_.break_stream();
    return;
  }
  header_ = h;
  if (h.sense.good() && h.sense != sense::kGood)
    log_.add("sense key 0 with a non-zero ASC/ASCQ");
  const std::uint32_t expected = h.sense.good() ? expected_length_ : 0;
  reply_ok_ = h.length == expected;
  if (!reply_ok_) log_.add("reply length differs from the request's");
  if (h.media != kMediaNone && h.media != kMediaFloppyPresent)
    log_.add("media byte neither 0 nor 0x24");
  else if (h.sense == sense::kMediumNotPresent && h.media != kMediaNone)
    log_.add("media byte 0x24 with NOT READY, medium not present");
  small_size_ = 0;
  stream_.expect(h.length, true);  // on_reply() once the data is through
  if (h.length == 0) on_reply();
}

bool FloppyInitiator::check_sense() {
  const Sense s = header_.sense;
  if (s.good()) return false;
  last_sense_ = s;
  if (s == sense::kNotReadyToReadyChange) {
    if (jobs_.job() != Job::enumerate) {
      finish(JobResult::medium_changed);
    } else if (++attention_count_ > options_.max_attention_retries) {
      log_.add("unit attention does not clear");
      finish(JobResult::failed);
    } else {
      send_tur(Step::tur);
    }
    return true;
  }
  if (s == sense::kMediumNotPresent) {
    disk_ = {};
    finish(JobResult::no_medium);
    return true;
  }
  if (step_ == Step::write_chunk) {  // write-protected, out of range, medium error
    finish(JobResult::refused);
    return true;
  }
  log_.add("unexpected sense for the request");
  finish(JobResult::failed);
  return true;
}

void FloppyInitiator::on_reply() {
  outstanding_ = false;
  if (!reply_ok_) {
    finish(JobResult::failed);
    return;
  }
  if (check_sense()) return;
  switch (step_) {
    case Step::tur:
      issue(Step::read_format_capacities,
            make_request(std::array<std::uint8_t, 10>{
                opcode::kReadFormatCapacities,
                0, 0, 0, 0, 0, 0,                  // 1-6: reserved
                0x00, kFormatCapacitiesAllocation, // 7-8: allocation length
                0x00}),                            // 9: control
            kFormatCapacitiesAllocation);
      break;
    case Step::read_format_capacities: {
      ByteReader r{std::span<const std::uint8_t>(small_).first(small_size_)};
      const std::uint32_t list_length = r.u32be();
      disk_.format_blocks = r.u32be();
      if (list_length != 16 || r.u8() != 0x02) log_.add("READ FORMAT CAPACITIES data malformed");
      issue(Step::read_capacity,
            make_request(std::array<std::uint8_t, 1>{opcode::kReadCapacity10}), 8);
      break;
    }
    case Step::read_capacity: {
      ByteReader r{std::span<const std::uint8_t>(small_).first(small_size_)};
      disk_.blocks = std::uint64_t{r.u32be()} + 1;
      disk_.block_length = r.u32be();
      if (disk_.block_length != kFloppyBlockSize) log_.add("READ CAPACITY block length not 512");
      if (disk_.format_blocks != disk_.blocks)
        log_.add("READ FORMAT CAPACITIES and READ CAPACITY disagree");
      disk_.present = true;
      finish(JobResult::done);
      break;
    }
    case Step::poll_tur:
      finish(disk_.present ? JobResult::done : JobResult::medium_changed);
      break;
    case Step::read_chunk:
      next_lba_ += chunk_blocks_;
      if (next_lba_ < end_lba_) {
        send_next_read();
      } else {
        if (options_.hash && jobs_.job() == Job::read_all) read_sha256_ = sha_.finish();
        finish(JobResult::done);
      }
      break;
    case Step::write_chunk:
      bytes_written_ += std::uint64_t{chunk_blocks_} * kFloppyBlockSize;
      next_lba_ += chunk_blocks_;
      if (next_lba_ < end_lba_)
        send_next_write();
      else
        finish(JobResult::done);
      break;
    case Step::none: finish(JobResult::failed); break;
  }
}

}  // namespace ilo::vm
