// Internal to src/rest: what every payload parser and builder shares. Strict, exception-free
// JSON parsing with a size limit; a sticky field reader whose errors name the field (never its
// value); compact serialisation as the iLO sends it. Other folders use the payload headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rest/rest_error.hpp"

namespace ilo::rest::detail {

// Parsed input uses std::map objects (O(log n) lookups on untrusted input); output uses
// insertion-ordered objects so the key order matches the iLO's.
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Every body the iLO sends for these endpoints is well under 2 KiB.
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

// Parses `body` (at most kMaxBodyBytes) and requires a JSON object at the top level.
// `context` names the payload in the failure detail ("rc_info", ...).
Result<Json> parse_object(std::string_view body, std::string_view context);

// Reads typed fields of one JSON object. The first failure is kept (sticky, like ByteReader):
// read every field, then check ok() once. Absent and null are the same for optional_* fields.
class FieldReader {
 public:
  // `prefix` is prepended to field names in messages, e.g. "options[1]." for nested objects.
  FieldReader(const Json& object, std::string_view context, std::string prefix = {});

  [[nodiscard]] bool ok() const noexcept { return !failure_; }
  // Precondition: !ok().
  [[nodiscard]] const Failure& failure() const { return *failure_; }

  void string(std::string_view key, std::string& out);
  void optional_string(std::string_view key, std::optional<std::string>& out);
  // An integer in [lo, hi]; JSON floats are refused.
  void integer(std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t& out);
  void optional_integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                        std::optional<std::int64_t>& out);
  void port(std::string_view key, std::uint16_t& out);  // 1-65535
  void flag(std::string_view key, bool& out);           // the iLO's "N-boolean": 0 or 1

  // The value of a present field, or nullptr (and a missing-field failure).
  const Json* field(std::string_view key);
  // Records "<context>: field '<prefix><key>' <rule>" unless a failure is already recorded.
  void fail(RestError code, std::string_view key, std::string_view rule);
  // Takes over the failure of a reader of a nested object, unless one is already recorded.
  void adopt(const FieldReader& nested);

 private:
  const Json& object_;
  std::string context_;
  std::string prefix_;
  std::optional<Failure> failure_;
};

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or values > U+10FFFF).
bool is_utf8(std::string_view text) noexcept;

// Compact JSON: no whitespace at all. Strings the simulator configured that are not UTF-8 are
// written with U+FFFD replacements instead of throwing; builders check is_utf8() first.
std::string dump_compact(const OrderedJson& value);

}  // namespace ilo::rest::detail
