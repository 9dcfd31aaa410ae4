// Server-side incremental parser of the client's console messages
// (docs/rc-input.md#server-parsing), for the simulator: clear-text bytes in (the server transport
// decrypts), one typed message out per completed message. Input may be split at any byte. An
// unknown message number is a protocol error (there is no length field to skip it); the parser then
// stays failed. No I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "rc/input_messages.hpp"

namespace ilo::rc {

struct InputParseResult {
  std::size_t consumed = 0;             // bytes used by this call
  std::optional<InputMessage> message;  // set when a message completed at `consumed`
  std::error_code error;                // RcError::unknown_input_message (sticky)
};

class InputParser {
 public:
  // Consumes bytes up to the end of the next complete message (then returns it) or all of
  // `clear` (need more). Call again with the rest while bytes remain.
  InputParseResult feed(std::span<const std::uint8_t> clear);

  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(error_); }
  // Number of the message that caused the error (valid when failed()).
  [[nodiscard]] std::uint16_t bad_number() const noexcept { return bad_number_; }

 private:
  InputMessage decode() const;

  std::array<std::uint8_t, kMaxInputMessageSize> buffer_{};
  std::size_t have_ = 0;
  std::size_t want_ = 2;  // the number first, then the whole message
  std::uint16_t bad_number_ = 0;
  std::error_code error_;
};

}  // namespace ilo::rc
