// Byte-oriented stream ciphers of the remote-console transport (docs/rc-transport.md): none,
// RC4, AES-128-OFB and the two readings of cipher 3, all over OpenSSL EVP. One instance is one
// keystream: the transport keeps separate send and receive instances, and switching encryption
// off and on resumes where it stopped. No key material is ever formatted into text here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

#include "crypto/stream_key.hpp"

namespace ilo::crypto {

// The cipher numbers of in-band video commands 12 and 13.
enum class CipherId : std::uint8_t { none = 0, rc4 = 1, aes128 = 2, aes256 = 3 };
constexpr std::uint8_t to_byte(CipherId id) noexcept { return static_cast<std::uint8_t>(id); }

// Two readings of cipher 3, which no capture shows (docs/rc-transport.md#cipher-selection).
enum class Cipher3Reading : std::uint8_t {
  java_aes128,     // HP's Java client: AES-128-OFB with the 16-byte key (default)
  ts_aes256_padded // TypeScript library: AES-256-OFB, key zero-padded to 32 bytes
};

enum class CipherError { unavailable = 1, bad_cipher_id };
const std::error_category& cipher_category() noexcept;
inline std::error_code make_error_code(CipherError e) noexcept {
  return {static_cast<int>(e), cipher_category()};
}

class StreamCipher {
 public:
  // Creates a fresh keystream (position 0) for `id`. CipherId::none gives an identity cipher.
  // Fails with CipherError::unavailable if OpenSSL cannot provide the algorithm (RC4 needs the
  // legacy provider module).
  static StreamCipher create(CipherId id, StreamKeyView key, Cipher3Reading reading,
                             std::error_code& ec);
  // AES-128-OFB with an explicit IV. The transport always uses a zero IV (create()); this
  // exists so the mode can be checked against NIST SP 800-38A, whose vectors use a non-zero IV.
  static StreamCipher create_aes128_ofb(StreamKeyView key,
                                        std::span<const std::uint8_t, 16> iv,
                                        std::error_code& ec);

  StreamCipher() = default;  // identity
  StreamCipher(StreamCipher&&) noexcept;
  StreamCipher& operator=(StreamCipher&&) noexcept;
  ~StreamCipher();
  // A copy continues from the same keystream position, independently (EVP_CIPHER_CTX_copy);
  // the transport uses it to take back keystream it consumed for bytes it did not use.
  [[nodiscard]] StreamCipher clone() const;

  [[nodiscard]] CipherId id() const noexcept { return id_; }
  [[nodiscard]] bool is_identity() const noexcept { return ctx_ == nullptr; }

  // XORs the next data.size() keystream bytes into data, in place.
  void apply(std::span<std::uint8_t> data) noexcept;

 private:
  struct Ctx;
  static StreamCipher make(CipherId id, const char* algorithm, std::span<const std::uint8_t> key,
                           std::span<const std::uint8_t, 16> iv, std::error_code& ec);
  CipherId id_ = CipherId::none;
  Ctx* ctx_ = nullptr;
};

}  // namespace ilo::crypto

template <>
struct std::is_error_code_enum<ilo::crypto::CipherError> : std::true_type {};
