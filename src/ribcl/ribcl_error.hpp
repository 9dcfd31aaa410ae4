// Errors of the RIBCL payload layer (docs/ribcl.md): one std::error_code category. Failures
// travel as rest::Failure (the code plus a one-line detail); a detail may quote an iLO status
// MESSAGE only after sanitise_message() made it short, printable ASCII.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "rest/rest_error.hpp"

namespace ilo::ribcl {

enum class RibclError {
  too_large = 1,     // the reply is larger than kMaxReplyBytes; not parsed
  malformed,         // not a sequence of well-formed <?xml ...?><RIBCL> documents
  no_documents,      // an empty reply (or only white space)
  login_failed,      // the iLO refused the LOGIN (STATUS 0x005F, "Login failed")
  ilo_status,        // the iLO answered a non-zero STATUS (its MESSAGE is in the detail)
  missing_element,   // the expected answer element (e.g. ONE_TIME_BOOT) is absent
  bad_value,         // an element holds a value outside the known set
  bad_request,       // a builder was given a value it cannot send (e.g. a NUL in a password)
};
const std::error_category& ribcl_category() noexcept;
inline std::error_code make_error_code(RibclError e) noexcept {
  return {static_cast<int>(e), ribcl_category()};
}

// A RIBCL failure as the payload parsers return it (rest::Failure: the code and a detail).
inline rest::Failure failure(RibclError code, std::string detail) {
  return rest::Failure{make_error_code(code), std::move(detail)};
}

// The iLO's "Login failed." status (python-hpilo and proliantutils both treat it as such).
inline constexpr unsigned kStatusLoginFailed = 0x005F;

// `message` safe to put in a log line: printable ASCII only (others become '?'), at most
// `limit` characters (then "...").
std::string sanitise_message(std::string_view message, std::size_t limit = 120);

}  // namespace ilo::ribcl

template <>
struct std::is_error_code_enum<ilo::ribcl::RibclError> : std::true_type {};
