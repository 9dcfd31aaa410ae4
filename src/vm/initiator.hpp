// The simulator's side of a virtual-media CD connection
// (docs/virtual-media.md#the-simulators-initiator): a SCSI initiator like a host's USB storage
// stack, as a sans-I/O state machine. It produces 12-byte requests one at a time and consumes reply
// headers and data, checking every reply strictly. Jobs: enumerate a medium, poll for medium
// changes, read the whole disc (running SHA-256), eject, echo. It does not run the connect
// handshake (wire.hpp) or time anything. One job keeps data: read_blocks() (a guest's read for a
// real machine behind the simulator), at most 64 blocks, into a buffer the caller then takes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/iso9660.hpp"
#include "vm/job_tracker.hpp"
#include "vm/mmc_data.hpp"
#include "vm/reply_stream.hpp"
#include "vm/sha256.hpp"
#include "vm/wire.hpp"

namespace ilo::vm {

struct InitiatorOptions {
  bool hash = true;                    // SHA-256 of read_disc() data
  std::uint32_t blocks_per_read = 64;  // READ(10) size of read_disc(), 1..64 (#cd-commands)
  unsigned max_attention_retries = 8;  // UNIT ATTENTIONs one enumeration tolerates
};

class Initiator {
 public:
  using Options = InitiatorOptions;

  using Phase = InitiatorPhase;  // idle: take_request() yields nothing
  enum class Job : std::uint8_t { none, enumerate, poll, read_disc, eject, echo, read_blocks };
  enum class JobResult : std::uint8_t {
    none,
    done,
    no_medium,       // NOT READY / media removal: the disc is forgotten
    medium_changed,  // UNIT ATTENTION or NEW MEDIA: an enumeration follows automatically
    failed,          // the reply broke the rules (see violations())
  };

  struct Disc {
    bool present = false;          // enumeration completed on this medium
    std::uint64_t blocks = 0;      // READ CAPACITY last LBA + 1
    std::uint32_t block_length = 0;
    std::uint64_t toc_lead_out = 0;  // READ TOC lead-out LBA
    bool new_media_event = false;  // the enumeration's GESN reported NEW MEDIA
    std::optional<PrimaryVolumeDescriptor> pvd;  // block 16, if it is ISO 9660
  };

  Initiator() : Initiator(Options{}) {}
  explicit Initiator(Options options);

  // Jobs. Each returns false and does nothing unless the phase is idle (or for read_disc,
  // unless a disc is present).
  bool enumerate();  // TEST UNIT READY until ready, READ CAPACITY, READ TOC, GESN, block 16
  bool poll();       // one polled GESN; enumerates on NEW MEDIA, forgets the disc on removal
  // Every block, at most blocks_per_read per READ(10); on the way it notes whether block 17
  // is an El Torito boot record (bootable()).
  bool read_disc();
  bool eject();      // START STOP UNIT, LoEj=1 Start=0
  // One READ(10) of `count` blocks (1..blocks_per_read) from `lba`, wholly on the disc; the
  // data is kept for read_data() once the job is done.
  bool read_blocks(std::uint64_t lba, std::uint32_t count);
  bool echo(std::span<const std::uint8_t, 8> cookie);  // 0xFE request

  // The next request to send, once; nullopt while a reply is outstanding or no job runs.
  std::optional<Request> take_request();
  // Bytes from the client, cut anywhere. Uses all of them, except once the phase is
  // disconnected or broken (then it stops where that happened).
  std::size_t feed(std::span<const std::uint8_t> in);

  [[nodiscard]] Phase phase() const noexcept { return jobs_.phase(); }
  [[nodiscard]] Job job() const noexcept { return jobs_.job(); }
  // How the last finished job ended (job() is then the one that followed, if any).
  [[nodiscard]] Job last_job() const noexcept { return jobs_.last_job(); }
  [[nodiscard]] JobResult last_result() const noexcept { return jobs_.last_result(); }
  [[nodiscard]] const Disc& disc() const noexcept { return disc_; }
  // SHA-256 of the last complete read_disc() (nullopt if hashing is off or none completed).
  [[nodiscard]] const std::optional<Sha256::Digest>& disc_sha256() const noexcept {
    return disc_sha256_;
  }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  // The last complete read_disc() found an El Torito boot record (a disc a BIOS boots).
  [[nodiscard]] bool bootable() const noexcept { return bootable_; }
  // The data of the last read_blocks() job (complete only if it ended done).
  [[nodiscard]] std::span<const std::uint8_t> read_data() const noexcept { return read_data_; }
  [[nodiscard]] std::uint64_t requests_sent() const noexcept { return requests_sent_; }
  [[nodiscard]] std::uint64_t keep_alives() const noexcept { return keep_alives_; }
  // Replies that broke a rule of docs/virtual-media.md, and a fixed text naming the last one.
  [[nodiscard]] std::uint64_t violations() const noexcept { return log_.count; }
  [[nodiscard]] std::string_view last_violation() const noexcept { return log_.last; }

 private:
  enum class Step : std::uint8_t {
    none, tur, read_capacity, read_toc, gesn, read_pvd, poll_gesn, read_chunk, start_stop, echo,
    read_blocks,
  };
  enum class Sink : std::uint8_t { small, pvd, hash, keep, skip };

  void finish(JobResult result);
  void issue(Step step, const Request& request, std::uint32_t expected_length);

  void on_header(const ReplyHeaderBytes& bytes);
  void on_data(std::span<const std::uint8_t> data);
  void on_reply();  // the outstanding request's reply is complete

  // Enumeration and job steps.
  void send_tur();
  void send_read_capacity();
  void send_read_toc();
  void send_gesn(Step step);
  void send_read_pvd();
  void send_next_chunk();
  void enumeration_done();
  void handle_media_event(bool in_enumeration);
  bool check_common_sense(Step step);  // NOT READY / UNIT ATTENTION / unexpected; true = handled
  void forget_disc();

  Options options_;
  JobTracker<Job, JobResult> jobs_;
  Disc disc_;
  unsigned attention_count_ = 0;

  // Request side.
  std::optional<Request> pending_;
  bool outstanding_ = false;
  Step step_ = Step::none;
  std::uint32_t expected_length_ = 0;
  std::array<std::uint8_t, 8> cookie_{};

  // Reply side: header framing, then the announced data into sink_.
  ReplyStream stream_;
  ReplyHeader header_{};
  bool reply_ok_ = false;  // header matched what the step expects; data is usable
  Sink sink_ = Sink::skip;
  std::array<std::uint8_t, kBootRecordIdSize> boot_record_{};  // block 17's head, read_disc
  bool bootable_ = false;
  std::array<std::uint8_t, 32> small_{};  // READ CAPACITY, READ TOC (20), GESN data
  std::size_t small_size_ = 0;
  std::array<std::uint8_t, kIsoBlockSize> pvd_{};
  std::size_t pvd_size_ = 0;

  // read_disc().
  std::uint64_t next_lba_ = 0;
  std::uint32_t chunk_blocks_ = 0;
  Sha256 sha_;
  std::optional<Sha256::Digest> disc_sha256_;
  std::vector<std::uint8_t> read_data_;  // read_blocks()

  std::uint64_t bytes_read_ = 0;
  std::uint64_t requests_sent_ = 0;
  std::uint64_t keep_alives_ = 0;
  ViolationLog log_;
};

}  // namespace ilo::vm
