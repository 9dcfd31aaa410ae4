// Errors of the HTTPS JSON payload layer (docs/rest-api.md): one std::error_code category, and
// Result<T>, which holds either a value or a Failure (the code plus a one-line detail that names
// the offending field). Details never quote a value taken from a payload: keys are secrets.
#pragma once

#include <cassert>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace ilo::rest {

enum class RestError {
  body_too_large = 1,  // larger than kMaxBodyBytes; not parsed at all
  not_json,            // not well-formed JSON (this includes strings that are not UTF-8)
  missing_field,       // a required field is absent
  wrong_type,          // a field (or the body) has the wrong JSON type
  bad_value,           // right type, but out of range or in the wrong format
  not_utf8,            // a builder was given text that is not UTF-8 (JSON must be UTF-8)
};
const std::error_category& rest_category() noexcept;
inline std::error_code make_error_code(RestError e) noexcept {
  return {static_cast<int>(e), rest_category()};
}

// Why a payload was refused. `detail` reads like
//   "rc_info: field 'rc_port' must be a number"
//   "vm_status: field 'options[1].vm_connected' must be 0 or 1"
// i.e. "<payload>: field '<path>' <rule>"; it is safe to log.
struct Failure {
  std::error_code code;
  std::string detail;
};

// Either a T or a Failure. Deliberately small (C++20 has no std::expected): construct from
// either side implicitly, test with ok() / operator bool, then read value() or error()/detail().
// Reading value() of a failed result is a programming error (asserted).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Failure failure) : state_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & { return std::get<0>(check()); }
  [[nodiscard]] const T& value() const& { return std::get<0>(check()); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(check())); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The code, or an empty error_code if ok().
  [[nodiscard]] std::error_code error() const noexcept {
    return ok() ? std::error_code{} : std::get<1>(state_).code;
  }
  // The field-level message, or "" if ok().
  [[nodiscard]] const std::string& detail() const noexcept {
    static const std::string empty;
    return ok() ? empty : std::get<1>(state_).detail;
  }
  // The whole Failure, to pass it up unchanged. Precondition: !ok().
  [[nodiscard]] const Failure& failure() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Failure>& check() {
    assert(ok());
    return state_;
  }
  const std::variant<T, Failure>& check() const {
    assert(ok());
    return state_;
  }
  std::variant<T, Failure> state_;
};

}  // namespace ilo::rest

template <>
struct std::is_error_code_enum<ilo::rest::RestError> : std::true_type {};
