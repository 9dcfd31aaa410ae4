// The simulator's side of a floppy / USB-key connection
// (docs/virtual-media.md#floppy-and-usb-key-model, #the-simulators-initiator): a SCSI initiator
// like a host's USB storage stack, as a sans-I/O state machine. It produces requests (with WRITE
// data-out) one at a time and consumes reply headers and data, checking every reply. Jobs:
// enumerate (TEST UNIT READY, READ FORMAT CAPACITIES, READ CAPACITY), poll for medium changes, read
// the whole medium (SHA-256), read a block range (a real guest's read; the data is kept), write
// blocks. No handshake, no timing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "vm/job_tracker.hpp"
#include "vm/sense.hpp"
#include "vm/reply_stream.hpp"
#include "vm/sha256.hpp"
#include "vm/wire.hpp"

namespace ilo::vm {

struct FloppyInitiatorOptions {
  bool hash = true;                         // SHA-256 of read_all() data
  std::uint32_t blocks_per_transfer = 256;  // READ(10)/WRITE(10) size, 1..256 (128 KiB)
  unsigned max_attention_retries = 8;       // UNIT ATTENTIONs one enumeration tolerates
};

class FloppyInitiator {
 public:
  using Options = FloppyInitiatorOptions;

  using Phase = InitiatorPhase;
  enum class Job : std::uint8_t { none, enumerate, poll, read_all, read_blocks, write };
  enum class JobResult : std::uint8_t {
    none,
    done,
    no_medium,       // NOT READY: the medium is forgotten
    medium_changed,  // UNIT ATTENTION: an enumeration follows automatically
    refused,         // the target answered a WRITE with a sense (last_sense())
    failed,          // the reply broke the rules (see violations())
  };

  struct Disk {
    bool present = false;            // enumeration completed on this medium
    std::uint64_t blocks = 0;        // READ CAPACITY last LBA + 1
    std::uint32_t block_length = 0;  // READ CAPACITY block length (512)
    std::uint32_t format_blocks = 0; // READ FORMAT CAPACITIES current capacity
  };

  FloppyInitiator() : FloppyInitiator(Options{}) {}
  explicit FloppyInitiator(Options options);

  // Jobs; each returns false and does nothing unless the phase is idle (read_all and write
  // also need an enumerated medium; write needs whole blocks, at least one).
  bool enumerate();
  bool poll();  // one TEST UNIT READY: enumerates after a change, forgets a removed medium
  bool read_all();
  // `count` (1..256) blocks from `lba`, all on the medium; the data is kept in read_data().
  bool read_blocks(std::uint64_t lba, std::uint32_t count);
  bool write(std::uint32_t lba, std::vector<std::uint8_t> data);

  // The next bytes to send (a 12-byte request, plus the data-out of a WRITE), once.
  std::optional<std::vector<std::uint8_t>> take_output();
  // Bytes from the client, cut anywhere. Uses all of them, except once the phase is
  // disconnected or broken.
  std::size_t feed(std::span<const std::uint8_t> in);

  [[nodiscard]] Phase phase() const noexcept { return jobs_.phase(); }
  [[nodiscard]] Job job() const noexcept { return jobs_.job(); }
  [[nodiscard]] Job last_job() const noexcept { return jobs_.last_job(); }
  [[nodiscard]] JobResult last_result() const noexcept { return jobs_.last_result(); }
  // The sense of the reply that ended the last job (GOOD after success).
  [[nodiscard]] Sense last_sense() const noexcept { return last_sense_; }
  [[nodiscard]] const Disk& disk() const noexcept { return disk_; }
  // The WP flag of the last reply (#reply-header).
  [[nodiscard]] bool write_protected() const noexcept { return write_protected_; }
  [[nodiscard]] const std::optional<Sha256::Digest>& read_sha256() const noexcept {
    return read_sha256_;
  }
  // The data of the last read_blocks() job (complete only if it ended done).
  [[nodiscard]] std::span<const std::uint8_t> read_data() const noexcept { return read_data_; }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  [[nodiscard]] std::uint64_t keep_alives() const noexcept { return keep_alives_; }
  [[nodiscard]] std::uint64_t violations() const noexcept { return log_.count; }
  [[nodiscard]] std::string_view last_violation() const noexcept { return log_.last; }

 private:
  enum class Step : std::uint8_t {
    none, tur, read_format_capacities, read_capacity, poll_tur, read_chunk, write_chunk,
  };

  bool start(Job job);
  void finish(JobResult result);
  void issue(Step step, const Request& request, std::uint32_t expected_length);
  void on_header(const ReplyHeaderBytes& bytes);
  void on_data(std::span<const std::uint8_t> data);
  void on_reply();
  bool check_sense();  // a failed command: true if it ended or redirected the job
  void send_tur(Step step);
  void send_next_read();
  void send_next_write();

  Options options_;
  JobTracker<Job, JobResult> jobs_;
  Sense last_sense_{};
  Disk disk_;
  unsigned attention_count_ = 0;
  bool write_protected_ = false;

  std::optional<std::vector<std::uint8_t>> pending_;
  bool outstanding_ = false;
  Step step_ = Step::none;
  std::uint32_t expected_length_ = 0;

  ReplyStream stream_;
  ReplyHeader header_{};
  bool reply_ok_ = false;
  std::array<std::uint8_t, 20> small_{};
  std::size_t small_size_ = 0;

  std::uint64_t next_lba_ = 0;  // read_all() and write()
  std::uint64_t end_lba_ = 0;
  std::uint32_t chunk_blocks_ = 0;
  std::vector<std::uint8_t> write_data_;
  std::vector<std::uint8_t> read_data_;  // read_blocks()
  Sha256 sha_;
  std::optional<Sha256::Digest> read_sha256_;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t keep_alives_ = 0;
  ViolationLog log_;
};

}  // namespace ilo::vm
