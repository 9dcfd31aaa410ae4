// What the video decoder reports besides pixels: plain values, one per in-band command or
// decoder transition (docs/rc-video.md). Consumers implement VideoSink.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace ilo::rc {

// MODE (#screen-mode): a new screen size; width or height 0 means "no video"; block_height 16/8.
struct ScreenMode { int width = 0, height = 0, block_height = 16; };
// Command 13: the session header.
struct SessionHeader {
  int bits_per_colour = 5;       // 5 - (p0 & 3)
  std::uint8_t cipher = 0;       // p1, the same value is also reported as CipherSelected
  std::uint8_t licence = 0;      // p2, bit 0 = remote console licensed
  std::uint8_t capabilities = 0; // p3, bit 3 = 16x8 blocks supported
};
// Commands 12 and 13: from the next byte on, the receive stream uses this cipher number
// (0 none, 1 RC4, 2 AES-128, 3 "AES-256"; anything else: Java turns decryption off).
struct CipherSelected { std::uint8_t cipher = 0; };
struct ColourDepth { int bits_per_colour = 5; };  // command 11
struct FrameRate { std::uint8_t value = 0; };     // command 3 (0 = default 66 ms)
struct PowerState { bool on = false; };           // commands 4 (on) and 5 (off)
struct NoVideo {};                                // command 6
struct TerminalServices { std::uint8_t type = 0; };  // command 7
struct KeyChange {};                              // command 9 (byte alignment only)
struct Seized {};                                 // command 10: another user took the console
// Command 2 (#strings); characters beyond the first 1024 are dropped.
struct Text { std::uint8_t channel = 0; std::string text; };
struct Ping {};                                   // command 16: answer with ACK (0C 00)
struct Invalidate {};                             // command 128
struct UnknownCommand { std::uint8_t command = 0; };
// FRAME_END (#frame-end): everything painted so far forms a complete frame; snapshot now.
struct FrameEnd {};
// The decoder wants the server to restart the stream: send a refresh request (05 00).
struct RefreshRequest {};
// The decoder hit an error and is discarding bits until the next sync preamble (#fatal-state).
struct DecodeError { const char* reason = ""; };
// A sync preamble was found; decoding restarts at the next byte (#zero-runs).
struct Resync {};

using VideoEvent =
    std::variant<ScreenMode, SessionHeader, CipherSelected, ColourDepth, FrameRate, PowerState,
                 NoVideo, TerminalServices, KeyChange, Seized, Text, Ping, Invalidate,
                 UnknownCommand, FrameEnd, RefreshRequest, DecodeError, Resync>;

class VideoSink {
 public:
  virtual void on_video_event(const VideoEvent& event) = 0;

 protected:
  ~VideoSink() = default;
};

}  // namespace ilo::rc
