// Client-side incremental parser of the command connection's record stream
// (docs/command-session.md#records): frames records by their length field (never by type, unlike
// Java) and returns them typed, one per completed record. Input may be split at any byte. A length
// above the bound is a protocol error that stops the parser; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "rc/command_records.hpp"

namespace ilo::rc {

struct CommandParseResult {
  std::size_t consumed = 0;              // bytes used by this call
  std::optional<CommandRecord> record;   // set when a record completed at `consumed`
  // RcError::record_too_large: sticky, close the connection. RcError::malformed_record: the
  // record at `consumed` was too short for its type (record unset); framing is intact and
  // parsing may continue.
  std::error_code error;
};

class CommandRecordParser {
 public:
  explicit CommandRecordParser(std::size_t max_payload = kMaxCommandPayload) noexcept
      : max_payload_(max_payload) {}

  // Consumes bytes up to the end of the next complete record (then returns it) or all of
  // `in`. Call again with the rest while bytes remain.
  CommandParseResult feed(std::span<const std::uint8_t> in);

  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(error_); }

 private:
  std::size_t max_payload_;
  std::array<std::uint8_t, kCommandHeaderSize> header_{};
  std::size_t header_have_ = 0;
  RawCommandRecord current_;
  std::size_t payload_length_ = 0;
  std::error_code error_;
};

}  // namespace ilo::rc
