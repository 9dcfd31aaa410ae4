// Shared helpers of the rc session tests: fixture loading, the captured session's keys, and
// the "whole / one byte at a time / every split" input schedules of
// docs/architecture.md#test-tiers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rc/optional_features.hpp"

namespace ilo::rc::test {

inline constexpr std::string_view kSessionKey = "3973f4196e5e77bff7c6dcc15ab97b92";
inline constexpr std::string_view kEncKey = "bbAcD834680DDca9DE65269512BDdEC2";
inline constexpr std::string_view kFeaturesText = "ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD";

inline OptionalFeatures captured_features() { return parse_optional_features(kFeaturesText); }

inline std::vector<std::uint8_t> fixture(const std::string& name) {
  std::ifstream in(std::string(ILOFS_FIXTURES) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A schedule is the list of cut offsets splitting an input into pieces.
using Cuts = std::vector<std::size_t>;

// Whole input, one byte at a time, and one cut at every offset 1..n-1.
inline std::vector<Cuts> all_schedules(std::size_t n) {
  std::vector<Cuts> out;
  out.push_back({});
  Cuts each;
  for (std::size_t i = 1; i < n; ++i) each.push_back(i);
  out.push_back(each);
  for (std::size_t i = 1; i < n; ++i) out.push_back({i});
  return out;
}

inline std::vector<std::span<const std::uint8_t>> pieces(std::span<const std::uint8_t> data,
                                                          const Cuts& cuts) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t from = 0;
  for (std::size_t c : cuts) {
    out.push_back(data.subspan(from, c - from));
    from = c;
  }
  out.push_back(data.subspan(from));
  return out;
}

// Feeds `data` to `parser` in the pieces `cuts` make, each piece until it is used up; `take`
// gets every feed's result and returns false to stop. Stops too when a feed takes no byte.
// The bytes consumed.
template <typename Parser, typename Take>
std::size_t feed_pieces(Parser& parser, std::span<const std::uint8_t> data, const Cuts& cuts,
                        Take take) {
  std::size_t consumed = 0;
  for (auto piece : pieces(data, cuts)) {
    while (!piece.empty()) {
      const auto r = parser.feed(piece);
      consumed += r.consumed;
      piece = piece.subspan(r.consumed);
      if (!take(r) || r.consumed == 0) return consumed;
    }
  }
  return consumed;
}

inline std::string describe(const Cuts& cuts) {
  if (cuts.empty()) return "whole";
  if (cuts.size() == 1) return "split at " + std::to_string(cuts[0]);
  return std::to_string(cuts.size() + 1) + " pieces";
}

inline std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

}  // namespace ilo::rc::test
