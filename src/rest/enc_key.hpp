// `enc_key` of /json/rc_info (docs/rest-api.md#keys-and-ports): 32 hex digits in mixed case,
// used twice, differently: as ASCII text, case kept, for the handshake XOR mask, and hex-decoded
// to 16 bytes as the stream cipher key. A validated value type; it is a secret.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ilo::rest {

class EncKey {
 public:
  static constexpr std::size_t kTextLength = 32;
  using KeyBytes = std::array<std::uint8_t, 16>;

  // nullopt unless `text` is exactly 32 characters from [0-9a-fA-F] (no spaces).
  static std::optional<EncKey> from_text(std::string_view text);

  EncKey(const EncKey&) = default;
  EncKey(EncKey&&) noexcept = default;
  EncKey& operator=(const EncKey&) = default;
  EncKey& operator=(EncKey&&) noexcept = default;
  ~EncKey();  // wipes the text and the bytes (OPENSSL_cleanse)

  // Exactly as received, case preserved: the XOR mask of the handshakes.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  // Hex-decoded: the RC4/AES key of the console stream.
  [[nodiscard]] const KeyBytes& bytes() const noexcept { return bytes_; }
  bool operator==(const EncKey&) const = default;

 private:
  EncKey(std::string text, const KeyBytes& bytes) : text_(std::move(text)), bytes_(bytes) {}
  std::string text_;
  KeyBytes bytes_{};
};

}  // namespace ilo::rest
