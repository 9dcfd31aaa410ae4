// Reply header sorting and the transfer CDB of reply_stream.hpp.
#include "vm/reply_stream.hpp"

#include "bytes/byte_writer.hpp"

namespace ilo::vm {

ReplyKind sort_reply_header(const ReplyHeaderBytes& bytes, ReplyHeader& header,
                            ViolationLog& log) {
  std::error_code ec;
  const auto parsed = parse_reply_header(bytes, ec);
  if (!parsed) {
    log.add("reply header without the 0x0BADC0DE magic");
    return ReplyKind::bad_magic;
  }
  header = *parsed;
  if ((header.flags & ~kKnownFlags) != 0) log.add("unknown flag bits in a reply header");
  if ((header.flags & kFlagDisconnect) != 0) return ReplyKind::disconnect;
  if ((header.flags & kFlagKeepAlive) != 0) return ReplyKind::keep_alive;
  return ReplyKind::reply;
}

Request transfer10_cdb(std::uint8_t opcode, std::uint32_t lba, std::uint16_t blocks) noexcept {
  Request r{};
  ByteWriter(r)
      .u8(opcode)   // 0: READ(10) 0x28 / WRITE(10) 0x2A
      .u8(0x00)     // 1: flags
      .u32be(lba)   // 2-5: LBA
      .u8(0x00)     // 6: group number
      .u16be(blocks)  // 7-8: transfer length
      .u8(0x00);    // 9: control
  return r;
}

}  // namespace ilo::vm
