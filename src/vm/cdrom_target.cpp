// The CD-ROM target: a table of small per-command functions behind one dispatcher that applies
// the medium-presence and unit-attention checks, cuts data to the allocation length and turns
// failures into sense data (docs/architecture.md#scsi-targets-as-tables). Replies follow HP's Java
// client (docs/virtual-media.md#cd-image-model) except for the deliberate deviations listed here,
// numbered as in docs/virtual-media.md#deviations.
//
// Deviations from the Java client (SCSI-correct fixes; Java behaviour named in each):
//  1. READ(12) takes its transfer length from CDB bytes 6-9. Java takes bytes 7-8 (a
//     signed-byte comparison makes it parse READ(12) like READ(10)), so it answers a READ(12)
//     of fewer than 256 blocks GOOD with no data.
//  2. GET EVENT STATUS NOTIFICATION without the Polled bit gets one reply, 5/24/00. Java sends
//     that error and then a second reply with the event data for the same request.
//  3. SEND DIAGNOSTIC gets a GOOD reply without data. Java sends no reply at all.
//  4. The READ TOC lead-out in MSF form is exact (N + 150 frames). Java computes it in floating
//     point and truncates the frame: 00:23:72 instead of 00:23:73 for N = 1648 blocks.
//  5. NEW MEDIA is reported exactly once after each insertion, by the first GET EVENT STATUS
//     NOTIFICATION (media class, allocation length > 4), whatever requests came before. Java
//     advances its event state on every request, so only a GESN that is the very first request
//     ever sees it. Likewise MEDIA REMOVAL is reported once after a removal (Java: on every
//     GESN while its image is empty).
//  6. A READ must lie wholly on the medium: if its last block is past the end it gets 5/21/00.
//     Java range-checks only the first block and sends whatever its buffer held past the end.
//     A final partial block (size not a multiple of 2048) is a block whose missing bytes are
//     zeros, counted by READ CAPACITY and READ TOC (Java rounds the size down there, yet
//     serves the partial block).
//  7. A READ of more than Options::max_transfer_blocks (64 = Java's 128 KiB buffer) gets
//     5/24/00. Java's connection fails on it.
//  8. MODE SENSE(10) data is cut to the allocation length. Java ignores the allocation length
//     and always sends 8 bytes.
//  9. Without a medium READ TOC gets NOT READY 2/3A/00 and MODE SENSE(10) carries media byte 0.
//     Java (which has no medium only with a 0-byte image) answers READ TOC GOOD with a
//     lead-out of 0, and forces media byte 1 in MODE SENSE(10).
// 10. START STOP UNIT with LoEj=1, Start=0 is answered GOOD, takes the medium out and is
//     reported as TargetEvent::eject_requested; the caller closes the connection as Java does
//     (Java closes right after the reply) or keeps it open (then NOT READY until insert()).
// 11. A request that arrives while the medium is being changed is answered with the new
//     medium's state. Java drops it without a reply (#changing-the-medium).
// 12. The lead-out LBA of READ TOC is a 32-bit field. Java writes 00 and 24 bits, the same
//     below 2^24 blocks (32 GiB).
// Kept from Java although not SCSI-correct: unknown opcodes (INQUIRY, REQUEST SENSE, MODE
// SENSE(6), ...) get 5/24/00 rather than 5/20/00; PREVENT ALLOW MEDIUM REMOVAL is ignored; the
// unit attention is seen only by the first request after an insertion (if it is TEST UNIT
// READY, READ or READ CAPACITY); the media byte is 1/0 and flags are 0 (no WP for a CD).
#include "vm/cdrom_target.hpp"

#include <algorithm>
#include <iterator>

#include "vm/scsi_opcodes.hpp"

namespace ilo::vm {
namespace {

using namespace opcode;  // the CD image model's commands (#cd-commands) are in the table below

// Allocation length of READ TOC, GET EVENT STATUS NOTIFICATION and MODE SENSE(10).
std::uint16_t allocation_length(const Request& cdb) noexcept { return cdb_u16(cdb, 7); }

}  // namespace

// clang-format off
const CdromTarget::Command CdromTarget::kCommands[] = {
  // opcode                     medium attention alloc  handler
  {kTestUnitReady,              true,  true,     false, &CdromTarget::test_unit_ready},
  {kStartStopUnit,              false, false,    false, &CdromTarget::start_stop_unit},
  {kSendDiagnostic,             false, false,    false, &CdromTarget::send_diagnostic},
  {kPreventAllowMediumRemoval,  false, false,    false,
   &CdromTarget::prevent_allow_medium_removal},
  {kReadCapacity10,             true,  true,     false, &CdromTarget::read_capacity10},
  {kRead10,                     true,  true,     false, &CdromTarget::read10},
  {kReadToc,                    true,  false,    true,  &CdromTarget::read_toc},
  {kGetEventStatusNotification, false, false,    true,
   &CdromTarget::get_event_status_notification},
  {kModeSense10,                false, false,    true,  &CdromTarget::mode_sense10},
  {kRead12,                     true,  true,     false, &CdromTarget::read12},
};
// clang-format on

const CdromTarget::Command* CdromTarget::find_command(std::uint8_t opcode) noexcept {
  return find_opcode(kCommands, opcode);
}

CdromTarget::CdromTarget(Options options) noexcept : options_(options) {}

CdromTarget::CdromTarget(std::shared_ptr<const Medium> medium, Options options)
    : options_(options) {
  insert(std::move(medium));
}

void CdromTarget::insert(std::shared_ptr<const Medium> medium) {
  if (slot_.insert(std::move(medium)))
    event_ = mmc::MediaEvent::new_media;  // replaces a removal the host has not seen yet
  else
    eject();
}

void CdromTarget::eject() {
  if (slot_.eject()) event_ = mmc::MediaEvent::media_removal;
}

Reply CdromTarget::handle(const Request& request) {
  Reply reply;
  if (is_echo_request(request)) {  // #echo: no state change, current flags (0 for a CD)
    reply.header = build_echo_reply(request, 0);
    return reply;
  }
  // The #per-request-step: the first request after an insertion sees `changed`, later ones
  // `ready`. (The NEW MEDIA event is kept apart in event_, deviation 5.)
  slot_.advance();
  const bool present = slot_.present();
  ReplyHeader header;
  header.media = present ? kMediaCdPresent : kMediaNone;  // before a possible eject

  const Command* command = find_command(request[0]);
  Sense status;
  if (command == nullptr)
    status = sense::kInvalidFieldInCdb;  // Java's answer to every opcode it does not know
  else if (command->needs_medium && !present)
    status = sense::kMediumNotPresent;
  else if (command->reports_attention && slot_.state() == MediaState::changed)
    status = sense::kNotReadyToReadyChange;
  else
    status = (this->*command->handler)(request, reply);

  if (status.good() && command->has_allocation_length)
    reply.data_length = std::min<std::uint32_t>(reply.data_length, allocation_length(request));
  last_ = finish_reply(reply, header, status);
  return reply;
}

// ---- Commands. Each runs only after the dispatcher's checks passed. ----

Sense CdromTarget::test_unit_ready(const Request&, Reply&) { return sense::kGood; }

Sense CdromTarget::start_stop_unit(const Request& cdb, Reply& reply) {
  const bool load_eject = (cdb[4] & 0x02) != 0;
  const bool start = (cdb[4] & 0x01) != 0;
  if (load_eject && !start) {  // eject (deviation 10)
    eject();
    reply.event = TargetEvent::eject_requested;
  }
  return sense::kGood;
}

// Deviation 3: Java sends nothing.
Sense CdromTarget::send_diagnostic(const Request&, Reply&) { return sense::kGood; }

// The prevent bit is ignored, as in Java.
Sense CdromTarget::prevent_allow_medium_removal(const Request&, Reply&) { return sense::kGood; }

Sense CdromTarget::read_capacity10(const Request&, Reply& reply) {
  reply.set_inline(mmc::read_capacity_data(slot_.blocks()));
  return sense::kGood;
}

Sense CdromTarget::read10(const Request& cdb, Reply& reply) {
  return read_blocks(cdb_u32(cdb, 2), cdb_u16(cdb, 7), reply);
}

// Deviation 1: the transfer length is bytes 6-9. Java reads bytes 7-8.
Sense CdromTarget::read12(const Request& cdb, Reply& reply) {
  return read_blocks(cdb_u32(cdb, 2), cdb_u32(cdb, 6), reply);
}

Sense CdromTarget::read_blocks(std::uint32_t lba, std::uint32_t count, Reply& reply) noexcept {
  // 64-bit arithmetic: lba + count cannot wrap.
  if (lba >= slot_.blocks() || std::uint64_t{lba} + count > slot_.blocks())
    return sense::kLbaOutOfRange;  // deviation 6: the whole transfer must fit
  if (count > options_.max_transfer_blocks) return sense::kInvalidFieldInCdb;  // deviation 7
  reply.from_medium = true;
  reply.extent = {std::uint64_t{lba} * mmc::kBlockSize, count * mmc::kBlockSize};
  reply.data_length = reply.extent.length;
  reply.medium = slot_.medium();
  return sense::kGood;
}

Sense CdromTarget::read_toc(const Request& cdb, Reply& reply) {
  const bool msf = (cdb[1] & 0x02) != 0;
  const auto format = static_cast<mmc::TocFormat>(cdb[9] >> 6);  // old-style format field
  reply.set_inline(mmc::read_toc_data(format, msf, slot_.blocks()));  // deviations 4 and 12
  return sense::kGood;
}

Sense CdromTarget::get_event_status_notification(const Request& cdb, Reply& reply) {
  const bool polled = (cdb[1] & 0x01) != 0;
  if (!polled) return sense::kInvalidFieldInCdb;  // deviation 2: one reply only
  if ((cdb[4] & mmc::kMediaClassRequest) == 0) {
    reply.set_inline(mmc::no_event_data());
    return sense::kGood;
  }
  reply.set_inline(mmc::media_event_data(event_, slot_.present()));
  // The event is delivered only if the host asked for more than the 4-byte header (as Java).
  if (allocation_length(cdb) > 4) event_ = mmc::MediaEvent::none;  // deviation 5
  return sense::kGood;
}

Sense CdromTarget::mode_sense10(const Request&, Reply& reply) {
  reply.set_inline(mmc::mode_sense10_data());  // deviation 8: cut by the dispatcher
  return sense::kGood;
}

}  // namespace ilo::vm
