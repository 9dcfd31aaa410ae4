// Validation and decoding of enc_key (see enc_key.hpp). parse_hex() also accepts spaces, so
// the strict 32-digit shape is checked here first.
#include "rest/enc_key.hpp"

#include <algorithm>

#include "bytes/hex.hpp"

namespace ilo::rest {

std::optional<EncKey> EncKey::from_text(std::string_view text) {
  if (text.size() != kTextLength) return std::nullopt;
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    const bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !upper) return std::nullopt;
  }
  const auto decoded = parse_hex(text);
  if (!decoded || decoded->size() != KeyBytes{}.size()) return std::nullopt;
  KeyBytes bytes{};
  std::copy(decoded->begin(), decoded->end(), bytes.begin());
  return EncKey(std::string(text), bytes);
}

}  // namespace ilo::rest
