// The web session key returned by login (docs/rest-api.md#login): exactly 32 lower-case hex
// characters, sent as the `sessionKey` cookie and, as ASCII, in the console/VM handshakes.
// A validated value type only; it is a secret, so it has no stream or format support.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ilo::rest {

class SessionKey {
 public:
  static constexpr std::size_t kLength = 32;

  // nullopt unless `text` is exactly 32 characters from [0-9a-f].
  static std::optional<SessionKey> from_text(std::string_view text);

  SessionKey(const SessionKey&) = default;
  SessionKey(SessionKey&&) noexcept = default;
  SessionKey& operator=(const SessionKey&) = default;
  SessionKey& operator=(SessionKey&&) noexcept = default;
  ~SessionKey();  // wipes the text (OPENSSL_cleanse)

  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  bool operator==(const SessionKey&) const = default;

 private:
  explicit SessionKey(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace ilo::rest
