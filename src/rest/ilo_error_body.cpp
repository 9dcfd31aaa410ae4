// The iLO error body (see ilo_error_body.hpp).
#include "rest/ilo_error_body.hpp"

#include "rest/json_fields.hpp"

namespace ilo::rest {

Result<IloErrorBody> parse_ilo_error_body(std::string_view body) {
  constexpr std::string_view kContext = "error body";
  auto parsed = detail::parse_object(body, kContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kContext);
  IloErrorBody error;
  r.string("message", error.message);
  r.optional_string("details", error.details);
  if (!r.ok()) return r.failure();
  return error;
}

std::string serialise(const IloErrorBody& error) {
  detail::OrderedJson j = detail::OrderedJson::object();
  j["message"] = error.message;
  j["details"] = error.details ? detail::OrderedJson(*error.details) : detail::OrderedJson(nullptr);
  return detail::dump_compact(j);
}

}  // namespace ilo::rest
