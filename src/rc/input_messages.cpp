// Clear-text encoding of console input messages (see input_messages.hpp, docs/rc-input.md).
#include "rc/input_messages.hpp"

#include <iterator>

#include "bytes/byte_writer.hpp"

namespace ilo::rc {
namespace {

struct Encoder {
  ByteWriter& w;
  void operator()(const PowerMessage& m) const {
    w.u16le(static_cast<std::uint16_t>(InputMessageNumber::power))  // message number
        .u16le(static_cast<std::uint16_t>(m.action));                // action p, then 0
  }
  void operator()(const KeyboardReport& m) const {
    w.u16le(static_cast<std::uint16_t>(InputMessageNumber::keyboard))  // message number
        .u8(m.modifiers)                                               // modifier bits
        .u8(m.reserved)                                                // reserved
        .bytes(m.keys);                                                // six usage slots
  }
  void operator()(const PointerReport& m) const {
    w.u16le(static_cast<std::uint16_t>(InputMessageNumber::pointer))  // message number
        .u16le(m.x)                                                   // absolute X
        .u16le(m.y)                                                   // absolute Y
        .u8(static_cast<std::uint8_t>(m.dx))                          // relative dX
        .u8(static_cast<std::uint8_t>(m.dy))                          // relative dY (up +)
        .u8(m.buttons)                                                // buttons
        .u8(m.reserved);                                              // byte 7
  }
  void operator()(const RefreshMessage&) const {
    w.u16le(static_cast<std::uint16_t>(InputMessageNumber::refresh));  // message number
  }
  void operator()(const AckMessage&) const {
    w.u16le(static_cast<std::uint16_t>(InputMessageNumber::ack));  // message number
  }
};

std::uint16_t number_of(const InputMessage& message) noexcept {
  static constexpr InputMessageNumber kNumbers[] = {
      InputMessageNumber::power, InputMessageNumber::keyboard, InputMessageNumber::pointer,
      InputMessageNumber::refresh, InputMessageNumber::ack};
  static_assert(std::size(kNumbers) == std::variant_size_v<InputMessage>);
  return static_cast<std::uint16_t>(kNumbers[message.index()]);
}

}  // namespace

std::size_t input_message_size(std::uint16_t number) noexcept {
  switch (static_cast<InputMessageNumber>(number)) {
    case InputMessageNumber::power: return 4;
    case InputMessageNumber::keyboard:
    case InputMessageNumber::pointer: return 10;
    case InputMessageNumber::refresh:
    case InputMessageNumber::ack: return 2;
  }
  return 0;
}

std::size_t encoded_size(const InputMessage& message) noexcept {
  return input_message_size(number_of(message));
}

void encode_input_message(const InputMessage& message, std::vector<std::uint8_t>& out) {
  std::array<std::uint8_t, kMaxInputMessageSize> buf{};
  ByteWriter w(buf);
  std::visit(Encoder{w}, message);
  const auto bytes = w.written();
  out.insert(out.end(), bytes.begin(), bytes.end());
}

std::vector<std::uint8_t> encode_input_message(const InputMessage& message) {
  std::vector<std::uint8_t> out;
  out.reserve(kMaxInputMessageSize);
  encode_input_message(message, out);
  return out;
}

}  // namespace ilo::rc
