// The error category of the REST payload layer (see rest_error.hpp). The messages describe the
// kind of failure; the field-level detail travels in Failure::detail.
#include "rest/rest_error.hpp"

namespace ilo::rest {
namespace {

class RestCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ilo.rest"; }
  std::string message(int c) const override {
    switch (static_cast<RestError>(c)) {
      case RestError::body_too_large: return "JSON body too large";
      case RestError::not_json: return "body is not valid JSON";
      case RestError::missing_field: return "required JSON field missing";
      case RestError::wrong_type: return "JSON field has the wrong type";
      case RestError::bad_value: return "JSON field value out of range or malformed";
      case RestError::not_utf8: return "text to send is not valid UTF-8";
    }
    return "unknown REST payload error";
  }
};

}  // namespace

const std::error_category& rest_category() noexcept {
  static const RestCategory c;
  return c;
}

}  // namespace ilo::rest
