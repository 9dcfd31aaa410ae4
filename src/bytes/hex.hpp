// Hexadecimal text <-> bytes, for keys on the command line, test vectors and logs of non-secret
// data. Parsing is strict: an odd length or a non-hex character yields nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ilo {

using Bytes = std::vector<std::uint8_t>;

// Parses hex digits (either case); whitespace between byte pairs is allowed.
std::optional<Bytes> parse_hex(std::string_view text);
// Lower-case hex, no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace ilo
