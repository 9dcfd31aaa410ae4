// The floppy / USB-key target: a table of small per-command functions behind one dispatcher (medium
// presence, unit attention, sense, the WP flag on every reply), and a framer that reads each
// command's data-out before the command runs, as Java does
// (docs/virtual-media.md#floppy-and-usb-key-model).
//
// Deviations from the Java client (SCSI-correct or defensive; Java behaviour named in each):
//  1. Opcodes the model does not handle (INQUIRY, REQUEST SENSE, MODE SENSE, VERIFY, ...) get
//     ILLEGAL REQUEST 5/20/00 (invalid command operation code). Java sends no reply at all,
//     which leaves an initiator that waits for one hanging until its timeout.
//  2. SEND DIAGNOSTIC gets GOOD. Java sends no reply (and resets its media state, which the
//     next request's step undoes anyway).
//  3. READ(12) and WRITE(12) take their transfer length from CDB bytes 6-9. Java takes bytes
//     7-8 (the signed-byte bug of the CD model): its WRITE(12) reads a wrong amount of
//     data-out and loses the framing.
//  4. A READ or WRITE must lie wholly on the medium (else 5/21/00); Java checks only the first
//     block. A final partial block (size not a multiple of 512) is a block: reads pad it with
//     zeros, writes keep the bytes that fit. READ CAPACITY and READ FORMAT CAPACITIES count it
//     (Java rounds the size down there).
//  5. A READ or WRITE of more than Options::max_transfer_blocks (256 = Java's 131072-byte
//     buffer) gets 5/24/00; a WRITE's data-out is still read (and discarded) first, so the
//     stream stays framed. Java's connection fails on it.
//  6. READ, WRITE and FORMAT UNIT without a medium get NOT READY 2/3A/00. Java (no medium only
//     as a 0-byte image) answers 5/21/00 and formats nothing.
//  7. READ FORMAT CAPACITIES reporting the unit attention carries no data, and its data is cut
//     to the allocation length (CDB bytes 7-8). Java sends all 20 bytes in both cases.
//  8. A write that fails in the medium gets 3/10/00 as in Java; so does a READ whose medium
//     fails (the network layer answers it with medium_error_reply()).
//  9. The WP flag follows the medium in the drive (a writable one after a read-only one is
//     writable again). Java ORs it in for the life of the connection.
// Kept from Java: the unit attention is seen only by the first request after an insertion (if
// it is TEST UNIT READY, READ FORMAT CAPACITIES or READ CAPACITY); READ and WRITE skip it;
// START STOP UNIT refuses to eject (5/24/00) and PREVENT refuses to lock (5/24/00); FORMAT UNIT
// of an image is a no-op for a valid 1440/2880 x 512 list, else 5/26/00.
#include "vm/floppy_target.hpp"

#include <algorithm>
#include <iterator>

#include "bytes/byte_reader.hpp"
#include "bytes/byte_writer.hpp"
#include "vm/scsi_opcodes.hpp"

namespace ilo::vm {
namespace {

using namespace opcode;  // the floppy/USB-key model's commands (#floppy-and-usb-key-model)

// FORMAT UNIT parameter list (UFI): the formats an image accepts.
inline constexpr std::size_t kFormatListSize = 12;
inline constexpr std::uint32_t kFormatBlocks144 = 2880;  // 1.44 MB
inline constexpr std::uint32_t kFormatBlocks720 = 1440;  // 720 KB

bool is_write(std::uint8_t opcode) noexcept {
  return opcode == kWrite10 || opcode == kWriteAndVerify10 || opcode == kWrite12;
}

}  // namespace

// clang-format off
const FloppyTarget::Command FloppyTarget::kCommands[] = {
  // opcode                     medium attention handler
  {kTestUnitReady,              true,  true,     &FloppyTarget::test_unit_ready},
  {kFormatUnit,                 true,  false,    &FloppyTarget::format_unit},
  {kStartStopUnit,              false, false,    &FloppyTarget::start_stop_unit},
  {kSendDiagnostic,             false, false,    &FloppyTarget::send_diagnostic},
  {kPreventAllowMediumRemoval,  false, false,    &FloppyTarget::prevent_allow_medium_removal},
  {kReadFormatCapacities,       false, true,     &FloppyTarget::read_format_capacities},
  {kReadCapacity10,             true,  true,     &FloppyTarget::read_capacity10},
  {kRead10,                     true,  false,    &FloppyTarget::read},
  {kWrite10,                    true,  false,    &FloppyTarget::write},
  {kWriteAndVerify10,           true,  false,    &FloppyTarget::write},
  {kRead12,                     true,  false,    &FloppyTarget::read},
  {kWrite12,                    true,  false,    &FloppyTarget::write},
};
// clang-format on

const FloppyTarget::Command* FloppyTarget::find_command(std::uint8_t opcode) noexcept {
  return find_opcode(kCommands, opcode);
}

// Blocks of a READ/WRITE: bytes 7-8 for the 10-byte CDBs, 6-9 for the 12-byte ones (dev. 3).
std::uint32_t FloppyTarget::transfer_blocks(const Request& cdb) noexcept {
  return cdb[0] == kRead12 || cdb[0] == kWrite12 ? cdb_u32(cdb, 6) : cdb_u16(cdb, 7);
}

std::uint64_t FloppyTarget::data_out_length(const Request& request) noexcept {
  if (is_write(request[0])) return std::uint64_t{transfer_blocks(request)} * kFloppyBlockSize;
  if (request[0] == kFormatUnit) return cdb_u16(request, 7);  // parameter list length
  return 0;
}

FloppyTarget::FloppyTarget(Options options) : options_(options) {}

FloppyTarget::FloppyTarget(std::shared_ptr<const Medium> medium, Options options)
    : options_(options) {
  insert(std::move(medium));
}

void FloppyTarget::insert(std::shared_ptr<const Medium> medium) {
  if (!slot_.insert(std::move(medium))) {
    eject();
    return;
  }
  writer_ = options_.write_protect ? nullptr : writable(slot_.medium().get());
}

void FloppyTarget::eject() {
  slot_.eject();
  writer_ = nullptr;
  dirty_ = false;  // the owner of the medium flushes it (it holds the last reference)
}

std::error_code FloppyTarget::flush() {
  if (!dirty_ || writer_ == nullptr) return {};
  if (const auto ec = writer_->flush()) return ec;
  dirty_ = false;
  return {};
}

std::uint32_t FloppyTarget::flags() const noexcept {
  return write_protected() ? kFlagWriteProtected : 0;
}

// ---- Framing: request, then data-out ----

std::size_t FloppyTarget::feed(std::span<const std::uint8_t> in) {
  std::size_t used = 0;
  while (used < in.size() && !reply_) {
    if (!framer_.complete()) {
      used += framer_.feed(in.subspan(used));
      if (!framer_.complete()) break;
      data_out_left_ = data_out_length(framer_.bytes());
      const std::uint64_t limit = std::uint64_t{options_.max_transfer_blocks} * kFloppyBlockSize;
      discarding_ = data_out_left_ > std::max<std::uint64_t>(limit, 0xFFFF);
      data_out_.clear();
      if (!discarding_) data_out_.reserve(static_cast<std::size_t>(data_out_left_));
    } else {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(data_out_left_, in.size() - used));
      const auto part = in.subspan(used, n);
      if (!discarding_) data_out_.insert(data_out_.end(), part.begin(), part.end());
      used += n;
      data_out_left_ -= n;
    }
    if (framer_.complete() && data_out_left_ == 0) {
      reply_ = handle(framer_.bytes(), data_out_);
      framer_.clear();
      data_out_.clear();
      discarding_ = false;
    }
  }
  return used;
}

std::optional<Reply> FloppyTarget::take_reply() {
  std::optional<Reply> out;
  out.swap(reply_);
  return out;
}

// ---- Dispatcher ----

Reply FloppyTarget::handle(const Request& request, std::span<const std::uint8_t> data_out) {
  Reply reply;
  if (is_echo_request(request)) {  // #echo: no state change, current flags
    reply.header = build_echo_reply(request, flags());
    return reply;
  }
  slot_.advance();
  ReplyHeader header;
  header.flags = flags();
  header.media = slot_.present() ? kMediaFloppyPresent : kMediaNone;

  const Command* command = find_command(request[0]);
  Sense status;
  if (command == nullptr)
    status = sense::kInvalidOperationCode;  // deviation 1
  else if (command->needs_medium && !slot_.present())
    status = sense::kMediumNotPresent;  // deviation 6 for READ, WRITE, FORMAT UNIT
  else if (command->reports_attention && slot_.state() == MediaState::changed)
    status = sense::kNotReadyToReadyChange;  // deviation 7 for READ FORMAT CAPACITIES
  else
    status = (this->*command->handler)(request, data_out, reply);

  last_ = finish_reply(reply, header, status);
  return reply;
}

bool FloppyTarget::transfer_fits(std::uint32_t lba, std::uint32_t count) const noexcept {
  return lba < slot_.blocks() && std::uint64_t{lba} + count <= slot_.blocks();  // deviation 4
}

// ---- Commands. Each runs only after the dispatcher's checks passed. ----

Sense FloppyTarget::test_unit_ready(const Request&, std::span<const std::uint8_t>, Reply&) {
  return sense::kGood;
}

Sense FloppyTarget::format_unit(const Request& cdb, std::span<const std::uint8_t> list,
                                Reply&) {
  if (list.size() != data_out_length(cdb)) return sense::kInvalidFieldInCdb;
  if (write_protected()) return sense::kWriteProtected;
  if (list.size() < kFormatListSize) return sense::kInvalidFieldInParameterList;
  ByteReader r(list);
  r.skip(4);
  const std::uint32_t blocks = r.u32be();  // 4-7: number of blocks
  r.skip(1);
  const std::uint32_t length_high = r.u8();  // 9-11: block length, BE24
  const std::uint32_t block_length = (length_high << 16) | r.u16be();
  if ((blocks != kFormatBlocks144 && blocks != kFormatBlocks720) ||
      block_length != kFloppyBlockSize)
    return sense::kInvalidFieldInParameterList;
  return sense::kGood;  // an image needs no formatting (as Java)
}

Sense FloppyTarget::start_stop_unit(const Request& cdb, std::span<const std::uint8_t>, Reply&) {
  const bool load_eject = (cdb[4] & 0x02) != 0;
  return load_eject ? sense::kInvalidFieldInCdb : sense::kGood;  // the drive keeps its medium
}

Sense FloppyTarget::send_diagnostic(const Request&, std::span<const std::uint8_t>, Reply&) {
  return sense::kGood;  // deviation 2
}

Sense FloppyTarget::prevent_allow_medium_removal(const Request& cdb,
                                                 std::span<const std::uint8_t>, Reply&) {
  const bool prevent = (cdb[4] & 0x01) != 0;
  return prevent ? sense::kInvalidFieldInCdb : sense::kGood;
}

// #read-format-capacities: the current capacity, then the one formattable capacity (2880 x 512).
Sense FloppyTarget::read_format_capacities(const Request& cdb, std::span<const std::uint8_t>,
                                           Reply& reply) {
  const bool present = slot_.present();
  std::array<std::uint8_t, kReadFormatCapacitiesSize> data{};
  ByteWriter w(data);
  w.u32be(16)                                                      // 0-3: list length
      .u32be(static_cast<std::uint32_t>(std::min<std::uint64_t>(slot_.blocks(), 0xFFFFFFFF)))
      .u8(0x02)                                                    // 8: formatted media
      .u8(0x00)                                                    // 9-11: block length
      .u16be(present ? std::uint16_t{kFloppyBlockSize} : std::uint16_t{0})
      .u32be(kFormatBlocks144)                                     // 12-15: formattable
      .u8(0x00)                                                    // 16
      .u8(0x00)                                                    // 17-19: 512
      .u16be(kFloppyBlockSize);
  reply.set_inline(std::span<const std::uint8_t>(data).first(
                        std::min<std::size_t>(data.size(), cdb_u16(cdb, 7))));  // deviation 7
  return sense::kGood;
}

Sense FloppyTarget::read_capacity10(const Request&, std::span<const std::uint8_t>,
                                    Reply& reply) {
  std::array<std::uint8_t, 8> data{};
  ByteWriter(data)
      .u32be(static_cast<std::uint32_t>(std::min<std::uint64_t>(slot_.blocks() - 1, 0xFFFFFFFF)))
      .u32be(kFloppyBlockSize);  // 4-7: block length 512
  reply.set_inline(data);
  return sense::kGood;
}

Sense FloppyTarget::read(const Request& cdb, std::span<const std::uint8_t>, Reply& reply) {
  const std::uint32_t lba = cdb_u32(cdb, 2);
  const std::uint32_t count = transfer_blocks(cdb);
  if (!transfer_fits(lba, count)) return sense::kLbaOutOfRange;
  if (count > options_.max_transfer_blocks) return sense::kInvalidFieldInCdb;  // deviation 5
  reply.from_medium = true;
  reply.extent = {std::uint64_t{lba} * kFloppyBlockSize, count * kFloppyBlockSize};
  reply.data_length = reply.extent.length;
  reply.medium = slot_.medium();
  return sense::kGood;
}

// The data-out has been read whatever the outcome (#floppy-and-usb-key-model: "first read exactly
// count x 512").
Sense FloppyTarget::write(const Request& cdb, std::span<const std::uint8_t> data, Reply&) {
  if (write_protected()) return sense::kWriteProtected;
  const std::uint32_t lba = cdb_u32(cdb, 2);
  const std::uint32_t count = transfer_blocks(cdb);
  if (count > options_.max_transfer_blocks || data.size() != data_out_length(cdb))
    return sense::kInvalidFieldInCdb;  // deviation 5 (the data-out was discarded)
  if (!transfer_fits(lba, count)) return sense::kLbaOutOfRange;
  const std::uint64_t offset = std::uint64_t{lba} * kFloppyBlockSize;
  const std::uint64_t room = slot_.medium()->size() - offset;  // > 0: lba < blocks()
  const auto bytes =
      data.first(static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size())));
  dirty_ = true;
  if (writer_->write(bytes, offset)) {
    ++write_errors_;
    return sense::kIdCrcOrEccError;  // deviation 8
  }
  bytes_written_ += bytes.size();
  return sense::kGood;
}

}  // namespace ilo::vm
