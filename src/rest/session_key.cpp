// Validation of the login session key (see session_key.hpp).
#include "rest/session_key.hpp"

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

}  // namespace ilo::rest
