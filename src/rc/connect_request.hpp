// The 34-byte connect request of the console and command connections
// (docs/rc-handshake.md#connect-request): builder, structural parser and the server's check against
// the key it issued. It does not run the handshake (client_handshake.hpp, server_handshake.hpp) and
// does not cover the virtual-media request (which shares only key_encoding.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

#include "rc/key_encoding.hpp"
#include "rc/optional_features.hpp"

namespace ilo::rc {

enum class ConnectionType : std::uint8_t { console = 0x01, command = 0x02 };

inline constexpr std::size_t kConnectRequestSize = 34;
inline constexpr std::uint8_t kConnectMarker = 0x20;       // always set in byte 1
inline constexpr std::uint8_t kFlagKeyXorVm = 0x40;        // ENCRYPT_KEY and ENCRYPT_VMKEY
inline constexpr std::uint8_t kFlagKeyXorNoVm = 0x80;      // ENCRYPT_KEY alone
using ConnectRequestBytes = std::array<std::uint8_t, kConnectRequestSize>;

struct ConnectRequest {
  ConnectionType type = ConnectionType::console;
  std::uint8_t flags = kConnectMarker;  // byte 1 as sent, marker included
  EncodedKey key{};                     // the 32 key bytes as sent
};

// Byte 1 for the given features: 0x20, plus 0x40 (ENCRYPT_KEY with ENCRYPT_VMKEY) or 0x80
// (ENCRYPT_KEY alone).
std::uint8_t connect_flags(const OptionalFeatures& features) noexcept;

// Serialises a request.
ConnectRequestBytes encode_connect_request(const ConnectRequest& request) noexcept;

// Builds the request a client sends: type, flags from the features, and the session key
// XOR-ed with enc_key iff ENCRYPT_KEY. RcError::bad_key_text on malformed key texts.
ConnectRequestBytes build_connect_request(ConnectionType type, std::string_view session_key,
                                          std::string_view enc_key,
                                          const OptionalFeatures& features, std::error_code& ec);

// Structural parse of 34 received bytes: type 1 or 2 and the 0x20 marker in byte 1
// (byte 1 & 0x3F == 0x20); anything else is RcError::bad_connect_request.
std::optional<ConnectRequest> parse_connect_request(std::span<const std::uint8_t> bytes,
                                                    std::error_code& ec);

// The server's check of a parsed request against what it issued and advertised:
// RcError::bad_flags if byte 1 differs from connect_flags(features), RcError::bad_key if the
// key bytes differ from the expected encoding (compared in constant time),
// RcError::bad_key_text if the server's own texts are malformed; empty on success.
std::error_code validate_connect_request(const ConnectRequest& request,
                                         std::string_view session_key, std::string_view enc_key,
                                         const OptionalFeatures& features);

}  // namespace ilo::rc
