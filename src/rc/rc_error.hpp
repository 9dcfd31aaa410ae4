// The error vocabulary of the remote-console protocol: handshakes (docs/rc-handshake.md),
// transport (docs/rc-transport.md), input messages (docs/rc-input.md), command records
// (docs/command-session.md) and the video encoder's arguments (docs/rc-video.md). One category,
// "ilo.rc"; each code names its portable condition in rc_error.cpp. The stream ciphers have
// their own (crypto::CipherError).
#pragma once

#include <system_error>

namespace ilo::rc {

enum class RcError {
  // Handshake, client side (docs/rc-handshake.md#status-byte, #busy-seize-and-share).
  bad_hello = 1,          // the first byte from the server was not 'P'
  access_denied,          // 'Q'
  busy,                   // 'S' / 'Y' where busy negotiation is not possible (command conn.)
  no_licence,             // 'W'
  no_free_sessions,       // 'X'
  unexpected_status,      // a status byte the chosen reading does not accept
  seize_refused,          // 'Q' after the seize word 55 00
  share_unsupported,      // share chosen; Java treats the connection as failed
  cancelled,              // the user declined to seize a busy console
  // Handshake, server side (connect request validation, docs/rc-handshake.md#server-side).
  bad_connect_request,    // type byte not 1/2 or byte 1 without the 0x20 marker
  bad_flags,              // key-encoding flags differ from the advertised features
  bad_key,                // the 32 key bytes do not match the issued session key
  bad_busy_answer,        // after S/Y the client sent neither 55 00 nor 56 00
  // Local arguments.
  bad_key_text,           // session key or enc_key is not 32 characters of ASCII hex
  bad_state,              // an operation not valid in the current state (caller bug)
  // Transport and messages.
  protocol_error,         // peer bytes that cannot be parsed
  unknown_input_message,  // client message number not in docs/rc-input.md#messages
  record_too_large,       // command record length field above the bound
  malformed_record,       // command record payload too short for its type
  decoder_stalled,        // the video decoder used no byte of a non-empty input
  // Video encoder arguments (server side).
  bad_screen_size,        // width not a multiple of 16, or larger than a MODE can describe
  bad_bits_per_colour,    // outside 2..5
  bad_text,               // string command with a NUL character or longer than kMaxText
  no_mode,                // painting before a MODE, or the framebuffer size differs from it
};

const std::error_category& rc_category() noexcept;
inline std::error_code make_error_code(RcError e) noexcept {
  return {static_cast<int>(e), rc_category()};
}

}  // namespace ilo::rc

template <>
struct std::is_error_code_enum<ilo::rc::RcError> : std::true_type {};
