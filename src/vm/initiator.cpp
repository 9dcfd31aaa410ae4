// The virtual-media initiator state machine (see initiator.hpp). Buffers are fixed: the
// 16-byte header, 32 bytes of small data and one 2048-byte block; read_disc() data is hashed
// as it streams through and never stored; read_blocks() keeps its (at most 64 blocks). Length
// fields are trusted only after they match what the outstanding request asked for; keep-alive
// lengths are never trusted (docs/virtual-media.md#keep-alive).
#include "vm/initiator.hpp"

#include <algorithm>
#include <initializer_list>

#include "bytes/byte_reader.hpp"
#include "vm/scsi_opcodes.hpp"

namespace ilo::vm {
namespace {

// The largest reply any request of ours can get: a 64-block READ. A longer length field is
// not a reply this initiator asked for, so the stream cannot be trusted any more.
inline constexpr std::uint32_t kMaxCdReplyLength = 64 * mmc::kBlockSize;
inline constexpr std::uint32_t kMaxBlocksPerRead = 64;
inline constexpr std::uint16_t kTocAllocation = 20;   // format 0: header + 2 descriptors
inline constexpr std::uint16_t kGesnAllocation = 8;   // header + media event

// The fixed bytes 0-15 of the format-0 TOC in LBA form (docs/virtual-media.md#read-toc).
inline constexpr std::array<std::uint8_t, 16> kTocPrefix{
    0x00, 0x12, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0xAA, 0x00};

// A request from the leading CDB bytes; the rest stays zero.
Request cdb(std::initializer_list<std::uint8_t> bytes) {
  Request r{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), r.size()), r.begin());
  return r;
}

}  // namespace

Initiator::Initiator(Options options) : options_(options) {
  options_.blocks_per_read = std::clamp<std::uint32_t>(options_.blocks_per_read, 1,
                                                       kMaxBlocksPerRead);
}

// ---- Jobs ----

void Initiator::finish(JobResult result) {
  jobs_.finish(result);
  step_ = Step::none;
  pending_.reset();
  if (result == JobResult::medium_changed) enumerate();  // the medium must be looked at anew
}

bool Initiator::enumerate() {
  if (!jobs_.start(Job::enumerate)) return false;
  disc_ = {};
  attention_count_ = 0;
  send_tur();
  return true;
}

bool Initiator::poll() {
  if (!jobs_.start(Job::poll)) return false;
  send_gesn(Step::poll_gesn);
  return true;
}

bool Initiator::read_disc() {
  if (!disc_.present || !jobs_.start(Job::read_disc)) return false;
  next_lba_ = 0;
  bytes_read_ = 0;
  disc_sha256_.reset();
  sha_.reset();
  boot_record_.fill(0);
  bootable_ = false;
  send_next_chunk();
  return true;
}

bool Initiator::read_blocks(std::uint64_t lba, std::uint32_t count) {
  if (!disc_.present || count == 0 || count > options_.blocks_per_read || lba >= disc_.blocks ||
      count > disc_.blocks - lba || !jobs_.start(Job::read_blocks))
    return false;
  read_data_.clear();
  read_data_.reserve(std::size_t{count} * mmc::kBlockSize);
  issue(Step::read_blocks,
        transfer10_cdb(opcode::kRead10, static_cast<std::uint32_t>(lba),
                       static_cast<std::uint16_t>(count)),
        count * mmc::kBlockSize);
  return true;
}

bool Initiator::eject() {
  if (!jobs_.start(Job::eject)) return false;
  issue(Step::start_stop,
        cdb({opcode::kStartStopUnit,
             0x00,          // 1: IMMED = 0
             0x00, 0x00,    // 2-3: reserved, power condition modifier
             0x02}),        // 4: LoEj = 1, Start = 0: eject
        0);
  return true;
}

bool Initiator::echo(std::span<const std::uint8_t, 8> cookie) {
  if (!jobs_.start(Job::echo)) return false;
  std::copy(cookie.begin(), cookie.end(), cookie_.begin());
  issue(Step::echo, build_echo_request(cookie), 0);
  return true;
}

void Initiator::forget_disc() { disc_ = {}; }

// ---- Requests ----

void Initiator::issue(Step step, const Request& request, std::uint32_t expected_length) {
  pending_ = request;
  step_ = step;
  expected_length_ = expected_length;
}

std::optional<Request> Initiator::take_request() {
  if (!pending_ || outstanding_ || jobs_.phase() != Phase::busy) return std::nullopt;
  outstanding_ = true;
  ++requests_sent_;
  const Request r = *pending_;
  pending_.reset();
  return r;
}

void Initiator::send_tur() {
  issue(Step::tur, cdb({opcode::kTestUnitReady}), 0);  // all fields zero
}

void Initiator::send_read_capacity() {
  issue(Step::read_capacity, cdb({opcode::kReadCapacity10}), mmc::kReadCapacitySize);
}

void Initiator::send_read_toc() {
  issue(Step::read_toc,
        cdb({opcode::kReadToc,
             0x00,                        // 1: MSF = 0 (LBA form)
             0x00,                        // 2: MMC format field (ignored by Java)
             0x00, 0x00, 0x00,            // 3-5: reserved
             0x00,                        // 6: starting track
             0x00, kTocAllocation,        // 7-8: allocation length
             0x00}),                      // 9: bits 7-6 = format 0 (TOC)
        kTocAllocation);
}

void Initiator::send_gesn(Step step) {
  issue(step,
        cdb({opcode::kGetEventStatusNotification,
             0x01,                        // 1: Polled = 1
             0x00, 0x00,                  // 2-3: reserved
             mmc::kMediaClassRequest,     // 4: notification class request: media
             0x00, 0x00,                  // 5-6: reserved
             0x00, kGesnAllocation,       // 7-8: allocation length
             0x00}),                      // 9: control
        kGesnAllocation);
}

void Initiator::send_read_pvd() {
  issue(Step::read_pvd, transfer10_cdb(opcode::kRead10, kPrimaryVolumeDescriptorLba, 1),
        mmc::kBlockSize);
}

void Initiator::send_next_chunk() {
  const std::uint64_t left = disc_.blocks - next_lba_;
  chunk_blocks_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(left,
                                                                     options_.blocks_per_read));
  issue(Step::read_chunk,  // READ(10) of at most 64 blocks
        transfer10_cdb(opcode::kRead10, static_cast<std::uint32_t>(next_lba_),
                       static_cast<std::uint16_t>(chunk_blocks_)),
        chunk_blocks_ * mmc::kBlockSize);
}

// ---- Replies ----

std::size_t Initiator::feed(std::span<const std::uint8_t> in) {
  return stream_.feed(
      in, [this] { return jobs_.ended(); },
      [this](const ReplyHeaderBytes& bytes) { on_header(bytes); },
      [this](std::span<const std::uint8_t> data) { on_data(data); }, [this] { on_reply(); });
}

void Initiator::on_header(const ReplyHeaderBytes& bytes) {
  ReplyHeader h;
  const ReplyKind kind = sort_reply_header(bytes, h, log_);
  if (kind == ReplyKind::bad_magic) {
    jobs_.break_stream();
    return;
  }
  if (kind == ReplyKind::disconnect) {
    jobs_.disconnect(JobResult::no_medium);
    pending_.reset();
    outstanding_ = false;
    forget_disc();
    return;
  }
  if (kind == ReplyKind::keep_alive) {
    ++keep_alives_;
    return;
  }
  if (!outstanding_) {
    log_.add("reply without an outstanding request");
    if (h.length > kMaxCdReplyLength) {
      jobs_.break_stream();
      return;
    }
    sink_ = Sink::skip;
    stream_.expect(h.length, false);
    return;
  }
  header_ = h;
  if (step_ == Step::echo) {  // bytes 8-15 are the cookie, not media/sense/length
    reply_ok_ = true;
    stream_.expect(0, false);
    on_reply();
    return;
  }
  if ((h.flags & kFlagWriteProtected) != 0) log_.add("WP flag on a CD-ROM reply");
  if (h.sense.good() && h.sense != sense::kGood)
    log_.add("sense key 0 with a non-zero ASC/ASCQ");
  if (h.length > kMaxCdReplyLength) {
    log_.add("reply length above any request's");
    jobs_.break_stream();
    return;
  }
  const std::uint32_t expected = h.sense.good() ? expected_length_ : 0;
  reply_ok_ = h.length == expected;
  if (!reply_ok_) log_.add("reply length differs from the request's");

  // Media byte: 0 without a medium, 1 with one (CD image model).
  if (h.media != kMediaNone && h.media != kMediaCdPresent)
    log_.add("media byte neither 0 nor 1");
  else if (h.sense == sense::kMediumNotPresent && h.media != kMediaNone)
    log_.add("media byte 1 with NOT READY, medium not present");
  else if (h.sense != sense::kMediumNotPresent && h.media != kMediaCdPresent &&
           (step_ == Step::tur || step_ == Step::read_capacity || step_ == Step::read_toc ||
            step_ == Step::read_pvd || step_ == Step::read_chunk ||
            step_ == Step::read_blocks))
    log_.add("media byte 0 in a reply that implies a medium");

  small_size_ = 0;
  pvd_size_ = 0;
  if (!reply_ok_ || h.length == 0)
    sink_ = Sink::skip;
  else if (step_ == Step::read_pvd)
    sink_ = Sink::pvd;
  else if (step_ == Step::read_chunk)
    sink_ = Sink::hash;
  else if (step_ == Step::read_blocks)
    sink_ = Sink::keep;
  else
    sink_ = Sink::small;
  stream_.expect(h.length, true);  // on_reply() once the data is through
  if (h.length == 0) on_reply();
}

void Initiator::on_data(std::span<const std::uint8_t> data) {
  switch (sink_) {
    case Sink::small: {
      const std::size_t n = std::min(data.size(), small_.size() - small_size_);
      std::copy_n(data.begin(), n, small_.begin() + static_cast<std::ptrdiff_t>(small_size_));
      small_size_ += n;
      break;
    }
    case Sink::pvd: {
      const std::size_t n = std::min(data.size(), pvd_.size() - pvd_size_);
      std::copy_n(data.begin(), n, pvd_.begin() + static_cast<std::ptrdiff_t>(pvd_size_));
      pvd_size_ += n;
      break;
    }
    case Sink::hash: {
      if (options_.hash) sha_.update(data);
      // Keep the head of block 17 as it passes (the reads run from block 0 in order).
      const std::uint64_t head = std::uint64_t{kBootRecordLba} * mmc::kBlockSize;
      const std::uint64_t end = bytes_read_ + data.size();
      if (end > head && bytes_read_ < head + boot_record_.size()) {
        const std::uint64_t from = std::max(bytes_read_, head);
        const std::uint64_t to = std::min<std::uint64_t>(end, head + boot_record_.size());
        std::copy(data.begin() + static_cast<std::ptrdiff_t>(from - bytes_read_),
                  data.begin() + static_cast<std::ptrdiff_t>(to - bytes_read_),
                  boot_record_.begin() + static_cast<std::ptrdiff_t>(from - head));
      }
      bytes_read_ += data.size();
      break;
    }
    case Sink::keep:  // the header's length was checked against the request's
      read_data_.insert(read_data_.end(), data.begin(), data.end());
      bytes_read_ += data.size();
      break;
    case Sink::skip: break;
  }
}

// A failed SCSI command: UNIT ATTENTION and NOT READY are a host's daily bread, anything else
// is a violation for the requests this initiator sends.
bool Initiator::check_common_sense(Step step) {
  const Sense s = header_.sense;
  if (s.good()) return false;
  if (s == sense::kNotReadyToReadyChange) {
    if (jobs_.job() != Job::enumerate) {
      finish(JobResult::medium_changed);
    } else if (++attention_count_ > options_.max_attention_retries) {
      log_.add("unit attention does not clear");
      finish(JobResult::failed);
    } else {
      send_tur();
    }
    return true;
  }
  if (s == sense::kMediumNotPresent && step != Step::echo) {
    forget_disc();
    finish(JobResult::no_medium);
    return true;
  }
  log_.add("unexpected sense for the request");
  finish(JobResult::failed);
  return true;
}

void Initiator::on_reply() {
  outstanding_ = false;
  const Step step = step_;
  if (!reply_ok_) {
    finish(JobResult::failed);
    return;
  }
  if (step == Step::echo) {
    if (echo_cookie(header_) != cookie_) {
      log_.add("echo reply does not return the request's bytes 4-11");
      finish(JobResult::failed);
    } else {
      finish(JobResult::done);
    }
    return;
  }
  if (check_common_sense(step)) return;
  switch (step) {
    case Step::tur: send_read_capacity(); break;
    case Step::read_capacity: {
      ByteReader r{std::span<const std::uint8_t>(small_).first(small_size_)};
      const std::uint32_t last_lba = r.u32be();
      disc_.block_length = r.u32be();
      disc_.blocks = std::uint64_t{last_lba} + 1;
      if (disc_.block_length != mmc::kBlockSize) log_.add("READ CAPACITY block length not 2048");
      send_read_toc();
      break;
    }
    case Step::read_toc: {
      ByteReader r{std::span<const std::uint8_t>(small_).first(small_size_)};
      const auto prefix = r.bytes(kTocPrefix.size());
      disc_.toc_lead_out = r.u32be();
      if (!std::equal(prefix.begin(), prefix.end(), kTocPrefix.begin(), kTocPrefix.end()))
        log_.add("READ TOC data is not a one-track data disc");
      if (disc_.toc_lead_out != disc_.blocks) log_.add("READ TOC lead-out differs from capacity");
      send_gesn(Step::gesn);
      break;
    }
    case Step::gesn:
    case Step::poll_gesn: handle_media_event(step == Step::gesn); break;
    case Step::read_pvd:
      disc_.pvd = parse_primary_volume_descriptor(std::span(pvd_).first(pvd_size_));
      enumeration_done();
      break;
    case Step::read_chunk:
      next_lba_ += chunk_blocks_;
      if (next_lba_ < disc_.blocks) {
        send_next_chunk();
      } else {
        if (options_.hash) disc_sha256_ = sha_.finish();
        bootable_ = is_el_torito_boot_record(boot_record_);
        finish(JobResult::done);
      }
      break;
    case Step::read_blocks: finish(JobResult::done); break;
    case Step::start_stop:
      forget_disc();
      finish(JobResult::done);
      break;
    case Step::echo:
    case Step::none: finish(JobResult::failed); break;
  }
}

void Initiator::handle_media_event(bool in_enumeration) {
  ByteReader r{std::span<const std::uint8_t>(small_).first(small_size_)};
  const std::uint16_t length = r.u16be();  // 0-1: 6
  const std::uint8_t klass = r.u8();       // 2: 4 (media), NEA clear
  const std::uint8_t supported = r.u8();   // 3: 0x10
  const std::uint8_t event = r.u8();       // 4: event code
  const std::uint8_t status = r.u8();      // 5: media status
  const std::uint16_t slots = r.u16be();   // 6-7: 0
  const bool known_event = event == static_cast<std::uint8_t>(mmc::MediaEvent::none) ||
                           event == static_cast<std::uint8_t>(mmc::MediaEvent::new_media) ||
                           event == static_cast<std::uint8_t>(mmc::MediaEvent::media_removal);
  if (!r.ok() || length != 6 || klass != 0x04 || supported != mmc::kMediaClassRequest ||
      slots != 0 || !known_event || (status & ~mmc::kMediaStatusPresent) != 0) {
    log_.add("GET EVENT STATUS NOTIFICATION data is not a media event");
    finish(JobResult::failed);
    return;
  }
  const bool present = (status & mmc::kMediaStatusPresent) != 0;
  if ((header_.media == kMediaCdPresent) != present)
    log_.add("media byte disagrees with the GESN media status");
  const bool removal = event == static_cast<std::uint8_t>(mmc::MediaEvent::media_removal);
  const bool new_media = event == static_cast<std::uint8_t>(mmc::MediaEvent::new_media);
  if (removal || !present) {
    if (new_media) log_.add("NEW MEDIA without a medium");
    forget_disc();
    finish(JobResult::no_medium);
    return;
  }
  if (in_enumeration) {
    disc_.new_media_event = new_media;
    if (disc_.blocks > kPrimaryVolumeDescriptorLba)
      send_read_pvd();
    else
      enumeration_done();
    return;
  }
  // Poll: a new medium, or one present that was never enumerated, needs an enumeration.
  finish(new_media || !disc_.present ? JobResult::medium_changed : JobResult::done);
}

void Initiator::enumeration_done() {
  disc_.present = true;
  finish(JobResult::done);
}

}  // namespace ilo::vm
