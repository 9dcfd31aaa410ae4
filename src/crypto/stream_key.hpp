// The 16-byte key of the remote-console stream ciphers (docs/rc-transport.md#the-stream-key: the
// session's enc_key, hex-decoded). Not the web session key (rest::SessionKey), which is text that
// names a login. Types only; the ciphers are in stream_cipher.hpp, the decoding in
// rc/key_encoding.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ilo::crypto {

inline constexpr std::size_t kStreamKeyBytes = 16;
using StreamKey = std::array<std::uint8_t, kStreamKeyBytes>;
// How functions take a stream key without copying it.
using StreamKeyView = std::span<const std::uint8_t, kStreamKeyBytes>;

}  // namespace ilo::crypto
