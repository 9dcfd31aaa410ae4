// Validation of the login session key (see session_key.hpp).
#include "rest/session_key.hpp"

#include <openssl/crypto.h>

namespace ilo::rest {

std::optional<SessionKey> SessionKey::from_text(std::string_view text) {
  if (text.size() != kLength) return std::nullopt;
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    if (!digit && !lower) return std::nullopt;
  }
  return SessionKey(std::string(text));
}

// The whole buffer, not just size(): a moved-in string may have left older bytes past the end.
SessionKey::~SessionKey() { OPENSSL_cleanse(text_.data(), text_.capacity()); }

}  // namespace ilo::rest
