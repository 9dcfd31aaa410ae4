// Session-key encoding and enc_key decoding (see key_encoding.hpp).
#include "rc/key_encoding.hpp"

#include "bytes/hex.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {
namespace {

bool is_key_text(std::string_view s) noexcept {
  if (s.size() != kKeyTextLength) return false;
  for (char c : s)
    if (hex_value(c) < 0) return false;
  return true;
}

}  // namespace

EncodedKey encode_session_key(std::string_view session_key, std::string_view enc_key,
                              bool xor_with_enc_key, std::error_code& ec) {
  EncodedKey out{};
  if (!is_key_text(session_key) || (xor_with_enc_key && !is_key_text(enc_key))) {
    ec = RcError::bad_key_text;
    return out;
  }
  ec.clear();
  for (std::size_t i = 0; i < kKeyTextLength; ++i) {
    auto b = static_cast<std::uint8_t>(session_key[i]);
    if (xor_with_enc_key) b = static_cast<std::uint8_t>(b ^ static_cast<std::uint8_t>(enc_key[i]));
    out[i] = b;
  }
  return out;
}

StreamKey stream_key_from_enc_key(std::string_view enc_key, std::error_code& ec) {
  StreamKey out{};
  if (!is_key_text(enc_key)) {
    ec = RcError::bad_key_text;
    return out;
  }
  ec.clear();
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(hex_value(enc_key[2 * i]) << 4 | hex_value(enc_key[2 * i + 1]));
  return out;
}

bool encoded_keys_equal(std::span<const std::uint8_t, kKeyTextLength> a,
                        std::span<const std::uint8_t, kKeyTextLength> b) noexcept {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kKeyTextLength; ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace ilo::rc
