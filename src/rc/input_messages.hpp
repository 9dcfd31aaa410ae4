// Client -> server messages of the console connection (docs/rc-input.md): their typed form
// and their clear-text encoding. Encryption is the transport's job (client_transport.hpp);
// parsing on the server side is input_parser.hpp; the held-key and pointer bookkeeping that
// produce reports are keyboard_state.hpp and pointer_state.hpp. The handshake-only seize and
// share words are in handshake_codes.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

namespace ilo::rc {

// The 16-bit little-endian message numbers.
enum class InputMessageNumber : std::uint16_t {
  power = 0x0000,
  keyboard = 0x0001,
  pointer = 0x0002,
  refresh = 0x0005,
  ack = 0x000C,
};

// Power button actions (#power). The parser keeps values outside this list as they are.
enum class PowerAction : std::uint16_t {
  momentary_press = 0,
  press_and_hold = 1,
  cold_boot = 2,  // power cycle
  reset = 3,
};

struct PowerMessage {
  PowerAction action = PowerAction::momentary_press;
  friend bool operator==(const PowerMessage&, const PowerMessage&) = default;
};

// USB HID boot-keyboard report: every key currently held (#keyboard).
struct KeyboardReport {
  std::uint8_t modifiers = 0;        // bit n = usage 0xE0 + n (0x01 left Ctrl ... 0x80 right GUI)
  std::uint8_t reserved = 0;         // always 0 from a client
  std::array<std::uint8_t, 6> keys{};  // usages of held non-modifier keys, unused slots 0
  friend bool operator==(const KeyboardReport&, const KeyboardReport&) = default;
};

inline constexpr std::uint8_t kButtonLeft = 0x01;
inline constexpr std::uint8_t kButtonRight = 0x02;
inline constexpr std::uint8_t kButtonMiddle = 0x04;

// Pointer report (#pointer).
struct PointerReport {
  std::uint16_t x = 0;       // absolute, 0..3000 across the screen width
  std::uint16_t y = 0;       // absolute, 0..3000 down the screen height
  std::int8_t dx = 0;        // relative, right positive
  std::int8_t dy = 0;        // relative, **up** positive
  std::uint8_t buttons = 0;  // kButton* bits
  std::uint8_t reserved = 0; // byte 7, never set by Java (wheel? unknown)
  friend bool operator==(const PointerReport&, const PointerReport&) = default;
};

struct RefreshMessage {  // 05 00: restart the video stream
  friend bool operator==(const RefreshMessage&, const RefreshMessage&) = default;
};
struct AckMessage {  // 0C 00: answer to the in-band ping (video command 16)
  friend bool operator==(const AckMessage&, const AckMessage&) = default;
};

using InputMessage =
    std::variant<PowerMessage, KeyboardReport, PointerReport, RefreshMessage, AckMessage>;

inline constexpr std::size_t kMaxInputMessageSize = 10;

// Total size on the wire of a message with this number, or 0 if the number is unknown.
std::size_t input_message_size(std::uint16_t number) noexcept;
std::size_t encoded_size(const InputMessage& message) noexcept;
// Appends the clear-text bytes of `message` to `out`.
void encode_input_message(const InputMessage& message, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode_input_message(const InputMessage& message);

}  // namespace ilo::rc
