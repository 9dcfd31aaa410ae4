// Incremental command record framing (see command_record_parser.hpp).
#include "rc/command_record_parser.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {

CommandParseResult CommandRecordParser::feed(std::span<const std::uint8_t> in) {
  CommandParseResult out;
  if (error_) {
    out.error = error_;
    return out;
  }
  if (header_have_ < kCommandHeaderSize) {
    const std::size_t n = std::min(in.size() - out.consumed, kCommandHeaderSize - header_have_);
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(out.consumed), n,
                header_.begin() + static_cast<std::ptrdiff_t>(header_have_));
    header_have_ += n;
    out.consumed += n;
    if (header_have_ < kCommandHeaderSize) return out;
    ByteReader r(header_);
    current_ = RawCommandRecord{};
    current_.type = r.u32le();                 // 0: record type
    const std::uint32_t length = r.u32le();    // 4: payload length
    const auto args = r.bytes(current_.args.size());  // 8: argument bytes
    std::copy(args.begin(), args.end(), current_.args.begin());
    if (length > max_payload_) {
      error_ = RcError::record_too_large;
      out.error = error_;
      return out;
    }
    payload_length_ = length;
    current_.payload.reserve(payload_length_);
  }
  const std::size_t n =
      std::min(in.size() - out.consumed, payload_length_ - current_.payload.size());
  const auto from = in.begin() + static_cast<std::ptrdiff_t>(out.consumed);
  current_.payload.insert(current_.payload.end(), from, from + static_cast<std::ptrdiff_t>(n));
  out.consumed += n;
  if (current_.payload.size() < payload_length_) return out;
  header_have_ = 0;
  std::error_code ec;
  CommandRecord record = interpret_command_record(current_, ec);
  if (ec) {
    out.error = ec;
  } else {
    out.record = std::move(record);
  }
  return out;
}

}  // namespace ilo::rc
