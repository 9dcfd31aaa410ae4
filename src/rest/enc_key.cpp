// Validation and decoding of enc_key (see enc_key.hpp). The shape check and the hex decoding
// are the console core's (rc/key_encoding.hpp), so the REST value and the stream-cipher key
// can never disagree on what a valid enc_key is.
#include "rest/enc_key.hpp"

#include <openssl/crypto.h>

#include "rc/key_encoding.hpp"

namespace ilo::rest {

std::optional<EncKey> EncKey::from_text(std::string_view text) {
  std::error_code ec;
  const rc::StreamKey bytes = rc::stream_key_from_enc_key(text, ec);
  if (ec) return std::nullopt;
  return EncKey(std::string(text), bytes);
}

// The whole text buffer, not just size(): a moved-in string may have left older bytes past it.
EncKey::~EncKey() {
  OPENSSL_cleanse(text_.data(), text_.capacity());
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

}  // namespace ilo::rest
