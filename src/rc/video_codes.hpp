// The numbers of the DVC video stream that both the decoder (client) and the encoder (server)
// must agree on (docs/rc-video.md: #screen-mode, #zero-runs, #in-band-commands): in-band
// command numbers, the 16x8-block rule, the MODE limits and the zero-run bound. Constants only; the state machines are video_decoder.hpp
// and video_encoder.hpp.
#pragma once

#include <cstdint>

namespace ilo::rc {

// In-band command numbers (docs/rc-video.md#in-band-commands): the last byte of a command,
// after its parameters.
enum class VideoCommand : std::uint8_t {
  exit = 1,               // fatal: the client starts over and asks for a refresh
  text = 2,               // a channel byte and a NUL-terminated string follow
  frame_rate = 3,         // p0: rate
  power_on = 4,
  power_off = 5,          // clears the client screen
  no_video = 6,           // clears the client screen
  terminal_services = 7,  // p0
  key_change = 9,         // the stream realigns to a byte
  seized = 10,            // another user took the console; clears the client screen
  colour_depth = 11,      // p0: 5 - bits per colour
  select_cipher = 12,     // p0: cipher; the next byte is read with it
  session_header = 13,    // p0 depth code, p1 cipher, p2 licence, p3 capabilities
  ping = 16,              // the client answers 0C 00
  invalidate = 128,       // the client forgets what it holds and repaints on the next frame
};
constexpr std::uint8_t to_byte(VideoCommand c) noexcept { return static_cast<std::uint8_t>(c); }

// Text on channel 4 replaces the screen.
inline constexpr std::uint8_t kTextChannelScreen = 4;

// docs/rc-video.md#half-height-blocks: a screen wider than this uses 16x8 blocks when the
// session header's capabilities (p3) carry kCapabilityHalfHeight; otherwise blocks stay 16x16.
inline constexpr int kHalfHeightAboveWidth = 1616;
inline constexpr std::uint8_t kCapabilityHalfHeight = 0x08;

// MODE (docs/rc-video.md#screen-mode): W and H count 16-pixel columns and rows in 7 bits each,
// R adds 0..15 rows.
inline constexpr int kMaxModeColumns = 127;
inline constexpr int kMaxModeRows = 127;
inline constexpr int kMaxScreenWidth = kMaxModeColumns * 16;       // 2032
inline constexpr int kMaxScreenHeight = kMaxModeRows * 16 + 15;    // 2047

// docs/rc-video.md#zero-runs: a run of more than this many zero bits is the sync preamble and
// forces HUNT; no ordinary data ever holds a longer one.
inline constexpr unsigned kMaxDataZeroRun = 30;

}  // namespace ilo::rc
