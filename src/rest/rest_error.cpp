// The error category of the REST payload layer (see rest_error.hpp). The messages describe the
// kind of failure; the field-level detail travels in Failure::detail.
#include "rest/rest_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::rest {
namespace {

ErrorInfo describe(RestError e) noexcept {
  switch (e) {
    case RestError::body_too_large: return {"JSON body too large", EMSGSIZE};
    case RestError::not_json: return {"body is not valid JSON", EBADMSG};
    case RestError::missing_field: return {"required JSON field missing", EBADMSG};
    case RestError::wrong_type: return {"JSON field has the wrong type", EBADMSG};
    case RestError::bad_value: return {"JSON field value out of range or malformed", EBADMSG};
    case RestError::not_utf8: return {"text to send is not valid UTF-8", EILSEQ};
  }
  return {};
}

}  // namespace

const std::error_category& rest_category() noexcept {
  return enum_category<RestError, describe>("ilo.rest", "unknown REST payload error");
}

}  // namespace ilo::rest
