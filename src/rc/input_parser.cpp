// Incremental console input parser (see input_parser.hpp).
#include "rc/input_parser.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {

InputMessage InputParser::decode() const {
  ByteReader r(std::span<const std::uint8_t>(buffer_).first(have_));
  const auto number = static_cast<InputMessageNumber>(r.u16le());
  switch (number) {
    case InputMessageNumber::power: {
      PowerMessage m;
      m.action = static_cast<PowerAction>(r.u16le());
      return m;
    }
    case InputMessageNumber::keyboard: {
      KeyboardReport m;
      m.modifiers = r.u8();
      m.reserved = r.u8();
      const auto keys = r.bytes(m.keys.size());
      std::copy(keys.begin(), keys.end(), m.keys.begin());
      return m;
    }
    case InputMessageNumber::pointer: {
      PointerReport m;
      m.x = r.u16le();
      m.y = r.u16le();
      m.dx = static_cast<std::int8_t>(r.u8());
      m.dy = static_cast<std::int8_t>(r.u8());
      m.buttons = r.u8();
      m.reserved = r.u8();
      return m;
    }
    case InputMessageNumber::refresh: return RefreshMessage{};
    case InputMessageNumber::ack: break;
  }
  return AckMessage{};
}

InputParseResult InputParser::feed(std::span<const std::uint8_t> clear) {
  InputParseResult out;
  if (error_) {
    out.error = error_;
    return out;
  }
  while (out.consumed < clear.size()) {
    const std::size_t n = std::min(clear.size() - out.consumed, want_ - have_);
    std::copy_n(clear.begin() + static_cast<std::ptrdiff_t>(out.consumed), n,
                buffer_.begin() + static_cast<std::ptrdiff_t>(have_));
    have_ += n;
    out.consumed += n;
    if (have_ < want_) break;
    if (have_ == 2) {
      const auto number = static_cast<std::uint16_t>(buffer_[0] | buffer_[1] << 8);
      const std::size_t size = input_message_size(number);
      if (size == 0) {
        bad_number_ = number;
        error_ = RcError::unknown_input_message;
        out.error = error_;
        return out;
      }
      want_ = size;
      if (want_ > have_) continue;
    }
    out.message = decode();
    have_ = 0;
    want_ = 2;
    break;
  }
  return out;
}

}  // namespace ilo::rc
