// Hexadecimal text <-> bytes, for keys on the command line, test vectors, certificate
// fingerprints and logs of non-secret data: the one place the tree spells hex digits. Parsing is
// strict: an odd length or a non-hex character yields nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ilo {

using Bytes = std::vector<std::uint8_t>;

// The lower-case digit of the low four bits of `value`.
constexpr char hex_digit(unsigned value) noexcept { return "0123456789abcdef"[value & 0xFu]; }
// The value of one hex digit (either case), or -1 for any other character.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses hex digits (either case); whitespace between byte pairs is allowed.
std::optional<Bytes> parse_hex(std::string_view text);
// Lower-case hex, no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);
// Lower-case hex with `separator` between bytes: "ab:cd:ef" (certificate fingerprints).
std::string to_hex(std::span<const std::uint8_t> bytes, char separator);

}  // namespace ilo
