// Shared JSON helpers of src/rest (see json_fields.hpp). nlohmann is used without exceptions:
// parse() with allow_exceptions = false, dump() with the replacing error handler, and every
// typed read guarded by a type test.
#include "rest/json_fields.hpp"

#include <limits>

namespace ilo::rest::detail {
namespace {

std::string range_rule(std::int64_t lo, std::int64_t hi) {
  return "must be an integer in " + std::to_string(lo) + "-" + std::to_string(hi);
}

// Reads `v` (known to be a JSON number) as an integer in [lo, hi].
std::optional<std::int64_t> to_integer(const Json& v, std::int64_t lo, std::int64_t hi) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (hi < 0 || u > static_cast<std::uint64_t>(hi)) return std::nullopt;
    const auto s = static_cast<std::int64_t>(u);
    if (s < lo) return std::nullopt;
    return s;
  }
  if (v.is_number_integer()) {
    const auto s = v.get<std::int64_t>();
    if (s < lo || s > hi) return std::nullopt;
    return s;
  }
  return std::nullopt;  // a float, even an integral one
}

}  // namespace

Result<Json> parse_object(std::string_view body, std::string_view context) {
  const std::string ctx(context);
  if (body.size() > kMaxBodyBytes)
    return Failure{RestError::body_too_large,
                   ctx + ": body larger than " + std::to_string(kMaxBodyBytes) + " bytes"};
  Json value = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Failure{RestError::not_json, ctx + ": body is not valid JSON"};
  if (!value.is_object())
    return Failure{RestError::wrong_type, ctx + ": body must be a JSON object"};
  return value;
}

FieldReader::FieldReader(const Json& object, std::string_view context, std::string prefix)
    : object_(object), context_(context), prefix_(std::move(prefix)) {}

void FieldReader::fail(RestError code, std::string_view key, std::string_view rule) {
  if (failure_) return;
  std::string detail = context_;
  detail += ": field '";
  detail += prefix_;
  detail += key;
  detail += "' ";
  detail += rule;
  failure_ = Failure{code, std::move(detail)};
}

void FieldReader::adopt(const FieldReader& nested) {
  if (!failure_ && nested.failure_) failure_ = nested.failure_;
}

const Json* FieldReader::field(std::string_view key) {
  if (failure_) return nullptr;
  const auto it = object_.find(key);
  if (it == object_.end()) {
    fail(RestError::missing_field, key, "is missing");
    return nullptr;
  }
  return &*it;
}

void FieldReader::string(std::string_view key, std::string& out) {
  const Json* v = field(key);
  if (v == nullptr) return;
  if (!v->is_string()) return fail(RestError::wrong_type, key, "must be a string");
  out = v->get_ref<const std::string&>();
}

void FieldReader::optional_string(std::string_view key, std::optional<std::string>& out) {
  if (failure_) return;
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    out.reset();
    return;
  }
  if (!it->is_string()) return fail(RestError::wrong_type, key, "must be a string or null");
  out = it->get_ref<const std::string&>();
}

void FieldReader::integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                          std::int64_t& out) {
  const Json* v = field(key);
  if (v == nullptr) return;
  if (!v->is_number()) return fail(RestError::wrong_type, key, "must be a number");
  const auto n = to_integer(*v, lo, hi);
  if (!n) return fail(RestError::bad_value, key, range_rule(lo, hi));
  out = *n;
}

void FieldReader::optional_integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                                   std::optional<std::int64_t>& out) {
  if (failure_) return;
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    out.reset();
    return;
  }
  if (!it->is_number()) return fail(RestError::wrong_type, key, "must be a number or null");
  const auto n = to_integer(*it, lo, hi);
  if (!n) return fail(RestError::bad_value, key, range_rule(lo, hi));
  out = *n;
}

void FieldReader::port(std::string_view key, std::uint16_t& out) {
  std::int64_t n = 0;
  integer(key, 1, std::numeric_limits<std::uint16_t>::max(), n);
  if (ok()) out = static_cast<std::uint16_t>(n);
}

void FieldReader::flag(std::string_view key, bool& out) {
  const Json* v = field(key);
  if (v == nullptr) return;
  if (!v->is_number()) return fail(RestError::wrong_type, key, "must be a number");
  const auto n = to_integer(*v, 0, 1);
  if (!n) return fail(RestError::bad_value, key, "must be 0 or 1");
  out = *n == 1;
}

bool is_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;        // continuation bytes that follow the lead byte
    std::uint32_t cp = 0;         // the code point being assembled
    std::uint32_t smallest = 0;   // below this the form is overlong
    if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      cp = lead & 0x1Fu;
      smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      cp = lead & 0x0Fu;
      smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      cp = lead & 0x07u;
      smallest = 0x10000;
    } else {
      return false;  // a stray continuation byte or 0xF8..0xFF
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<std::uint8_t>(text[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if (cp < smallest || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::string dump_compact(const OrderedJson& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, OrderedJson::error_handler_t::replace);
}

}  // namespace ilo::rest::detail
