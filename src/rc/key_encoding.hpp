// The two uses of the per-session enc_key text (docs/rc-handshake.md#key-encoding,
// docs/rc-transport.md#the-stream-key):
// the 32 key bytes of a connect request (session key as ASCII, optionally XOR-ed with enc_key
// as ASCII text, case preserved) and the 16-byte stream-cipher key (enc_key hex-decoded).
// Shared by the console/command connect request and the virtual-media connect request
// (docs/virtual-media.md#connect-request). It builds no whole request and never formats key
// material as text.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

#include "crypto/stream_key.hpp"

namespace ilo::rc {

inline constexpr std::size_t kKeyTextLength = 32;  // session key and enc_key characters
using EncodedKey = std::array<std::uint8_t, kKeyTextLength>;
using StreamKey = crypto::StreamKey;  // the same type; tests and callers spell it rc::

// The 32 key bytes as sent: the ASCII codes of `session_key`, each XOR-ed with the ASCII code
// of the same position of `enc_key` when `xor_with_enc_key` (features ENCRYPT_KEY for the
// console and command connections, ENCRYPT_VMKEY for virtual media). Both texts must be 32
// hex characters (enc_key is ignored, and may be empty, when not XOR-ing); otherwise
// RcError::bad_key_text and all-zero bytes.
EncodedKey encode_session_key(std::string_view session_key, std::string_view enc_key,
                              bool xor_with_enc_key, std::error_code& ec);

// enc_key decoded as hex (either case) into the key of the transport stream ciphers.
// RcError::bad_key_text unless it is exactly 32 hex characters.
StreamKey stream_key_from_enc_key(std::string_view enc_key, std::error_code& ec);

// Compares two encoded keys in time independent of where they differ (server validation).
bool encoded_keys_equal(std::span<const std::uint8_t, kKeyTextLength> a,
                        std::span<const std::uint8_t, kKeyTextLength> b) noexcept;

}  // namespace ilo::rc
