// Strict hex parsing and formatting (see hex.hpp).
#include "bytes/hex.hpp"

namespace ilo {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<Bytes> parse_hex(std::string_view text) {
  Bytes out;
  out.reserve(text.size() / 2);
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_space(text[i])) {
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s.push_back(hex_digit(b >> 4u));
    s.push_back(hex_digit(b));
  }
  return s;
}

std::string to_hex(std::span<const std::uint8_t> bytes, char separator) {
  std::string s;
  s.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) s.push_back(separator);
    s.push_back(hex_digit(bytes[i] >> 4u));
    s.push_back(hex_digit(bytes[i]));
  }
  return s;
}

}  // namespace ilo
