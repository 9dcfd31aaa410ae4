// Text that came from a user or a peer, made safe to log and to put in JSON: valid UTF-8 without
// control characters. It checks and replaces bytes; it does not parse or re-encode anything.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ilo::fs {

// True if `text` is well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF) and
// holds no C0 control character and no DEL.
bool is_clean_text(std::string_view text) noexcept;

// `text` with each byte of a malformed UTF-8 sequence and each control character replaced by
// '?', cut after `max_bytes` bytes of input.
std::string clean_text(std::string_view text, std::size_t max_bytes = 4096);

}  // namespace ilo::fs
