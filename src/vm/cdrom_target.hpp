// The CD-ROM device of the virtual-media connection (docs/virtual-media.md#cd-image-model): a SCSI
// target over a Medium, answering each 12-byte request with one Reply (header + data description).
// Sans-I/O: it neither reads sockets nor the medium; the network layer sends the Reply and preads
// READ data itself (reply_data()). Not the floppy model or drive pass-through.
#pragma once

#include <cstdint>
#include <memory>

#include "vm/medium.hpp"
#include "vm/mmc_data.hpp"
#include "vm/reply.hpp"
#include "vm/target_table.hpp"
#include "vm/wire.hpp"

namespace ilo::vm {

struct CdromTargetOptions {
  // Largest READ answered, in 2048-byte blocks. Java's buffer holds 64 (128 KiB); larger
  // reads get 5/24/00 here, so the send buffer never needs more than 16 + 64 * 2048 bytes.
  std::uint32_t max_transfer_blocks = 64;
};

// Not thread-safe: the connection that owns it calls handle(), insert() and eject() from one
// strand (a front end posts medium changes to it).
class CdromTarget {
 public:
  using Options = CdromTargetOptions;

  // The medium's media/attention/event state as the per-request step leaves it (#per-request-step).
  using MediaState = vm::MediaState;

  CdromTarget() : CdromTarget(Options{}) {}
  explicit CdromTarget(Options options) noexcept;
  // Connecting with a medium counts as its insertion (Java: NEW MEDIA and unit attention).
  CdromTarget(std::shared_ptr<const Medium> medium, Options options = {});

  // Puts a medium in (or replaces the one in) the drive on a live connection
  // (#changing-the-medium): the next request sees unit attention as HP's client shows it, and
  // exactly one NEW MEDIA event is reported by a later GET EVENT STATUS NOTIFICATION. A null or
  // empty medium is an eject().
  void insert(std::shared_ptr<const Medium> medium);
  // Takes the medium out: NOT READY from the next request, one MEDIA REMOVAL event.
  void eject();

  // Answers one request. Total on every input: status and sense are data in the Reply.
  Reply handle(const Request& request);

  [[nodiscard]] bool medium_present() const noexcept { return slot_.present(); }
  [[nodiscard]] const std::shared_ptr<const Medium>& medium() const noexcept {
    return slot_.medium();
  }
  // Size in 2048-byte blocks, a final partial block included.
  [[nodiscard]] std::uint64_t blocks() const noexcept { return slot_.blocks(); }
  [[nodiscard]] MediaState media_state() const noexcept { return slot_.state(); }
  [[nodiscard]] mmc::MediaEvent pending_media_event() const noexcept { return event_; }

  // Headers the connection sends on its own (#keep-alive, #disconnect), built from the last reply.
  [[nodiscard]] ReplyHeaderBytes keep_alive() const noexcept { return build_keep_alive(last_); }
  [[nodiscard]] ReplyHeaderBytes disconnect() const noexcept { return build_disconnect(last_); }

 private:
  // One row of the command table: which checks the dispatcher applies, then the command.
  using Handler = Sense (CdromTarget::*)(const Request&, Reply&);
  struct Command {
    std::uint8_t opcode;
    bool needs_medium;       // NOT READY 2/3A/00 without a medium
    bool reports_attention;  // UNIT ATTENTION 6/28/00 on the first request after insertion
    bool has_allocation_length;  // data cut to CDB bytes 7-8
    Handler handler;
  };
  static const Command* find_command(std::uint8_t opcode) noexcept;

  Sense read_blocks(std::uint32_t lba, std::uint32_t count, Reply& reply) noexcept;

  Sense test_unit_ready(const Request& cdb, Reply& reply);
  Sense start_stop_unit(const Request& cdb, Reply& reply);
  Sense send_diagnostic(const Request& cdb, Reply& reply);
  Sense prevent_allow_medium_removal(const Request& cdb, Reply& reply);
  Sense read_capacity10(const Request& cdb, Reply& reply);
  Sense read10(const Request& cdb, Reply& reply);
  Sense read12(const Request& cdb, Reply& reply);
  Sense read_toc(const Request& cdb, Reply& reply);
  Sense get_event_status_notification(const Request& cdb, Reply& reply);
  Sense mode_sense10(const Request& cdb, Reply& reply);

  static const Command kCommands[];

  Options options_;
  MediumSlot slot_{mmc::kBlockSize};
  mmc::MediaEvent event_ = mmc::MediaEvent::none;  // reported once by GESN, then none
  ReplyHeader last_{};                             // the last SCSI reply's header
};

}  // namespace ilo::vm
