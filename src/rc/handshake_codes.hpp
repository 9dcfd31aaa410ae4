// The single-byte status codes and the 2-byte busy answers of the console and command
// handshakes (docs/rc-handshake.md#status-byte, #busy-seize-and-share). Constants only; the state
// machines that use them are client_handshake.hpp and server_handshake.hpp.
#pragma once

#include <array>
#include <cstdint>

namespace ilo::rc {

enum class HandshakeByte : std::uint8_t {
  hello = 0x50,             // 'P': sent by the server on accept
  denied = 0x51,            // 'Q': access denied (or seize refused)
  ok = 0x52,                // 'R': granted; the stream starts with the next byte
  busy = 0x53,              // 'S': console in use, variant 1
  no_licence = 0x57,        // 'W'
  no_free_sessions = 0x58,  // 'X'
  busy_alt = 0x59,          // 'Y': console in use, variant 2
};

constexpr std::uint8_t to_byte(HandshakeByte b) noexcept { return static_cast<std::uint8_t>(b); }
constexpr bool is_busy(std::uint8_t b) noexcept {
  return b == to_byte(HandshakeByte::busy) || b == to_byte(HandshakeByte::busy_alt);
}

// Answers to a busy status, little-endian message numbers 0x0055 and 0x0056; never encrypted.
inline constexpr std::array<std::uint8_t, 2> kSeizeWord{0x55, 0x00};
inline constexpr std::array<std::uint8_t, 2> kShareWord{0x56, 0x00};

}  // namespace ilo::rc
