// Connect request building and checking (see connect_request.hpp).
#include "rc/connect_request.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"
#include "bytes/byte_writer.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {

std::uint8_t connect_flags(const OptionalFeatures& features) noexcept {
  if (!features.encrypt_key) return kConnectMarker;
  return static_cast<std::uint8_t>(kConnectMarker |
                                   (features.encrypt_vmkey ? kFlagKeyXorVm : kFlagKeyXorNoVm));
}

ConnectRequestBytes encode_connect_request(const ConnectRequest& request) noexcept {
  ConnectRequestBytes out{};
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(request.type))  // 0: connection type
      .u8(request.flags)                          // 1: 0x20 | key-encoding flag
      .bytes(request.key);                        // 2..33: session key bytes
  return out;
}

ConnectRequestBytes build_connect_request(ConnectionType type, std::string_view session_key,
                                          std::string_view enc_key,
                                          const OptionalFeatures& features, std::error_code& ec) {
  ConnectRequest r;
  r.type = type;
  r.flags = connect_flags(features);
  r.key = encode_session_key(session_key, enc_key, features.encrypt_key, ec);
  if (ec) return {};
  return encode_connect_request(r);
}

std::optional<ConnectRequest> parse_connect_request(std::span<const std::uint8_t> bytes,
                                                    std::error_code& ec) {
  ec = RcError::bad_connect_request;
  if (bytes.size() != kConnectRequestSize) return std::nullopt;
  ByteReader rd(bytes);
  const std::uint8_t type = rd.u8();
  const std::uint8_t flags = rd.u8();
  const auto key = rd.bytes(kKeyTextLength);
  if (!rd.ok()) return std::nullopt;
  if (type != static_cast<std::uint8_t>(ConnectionType::console) &&
      type != static_cast<std::uint8_t>(ConnectionType::command))
    return std::nullopt;
  if ((flags & 0x3F) != kConnectMarker) return std::nullopt;
  ConnectRequest r;
  r.type = static_cast<ConnectionType>(type);
  r.flags = flags;
  std::copy(key.begin(), key.end(), r.key.begin());
  ec.clear();
  return r;
}

std::error_code validate_connect_request(const ConnectRequest& request,
                                         std::string_view session_key, std::string_view enc_key,
                                         const OptionalFeatures& features) {
  std::error_code ec;
  const EncodedKey expected = encode_session_key(session_key, enc_key, features.encrypt_key, ec);
  if (ec) return ec;
  if (request.flags != connect_flags(features)) return RcError::bad_flags;
  if (!encoded_keys_equal(request.key, expected)) return RcError::bad_key;
  return {};
}

}  // namespace ilo::rc
