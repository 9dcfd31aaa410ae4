// Internal to src/rest: reads and writes the session_info fields inside a JSON object, for
// /json/session_info itself and for the login reply that carries the same fields.
// No parsing of whole bodies here.
#pragma once

#include "rest/json_fields.hpp"
#include "rest/session_info.hpp"

namespace ilo::rest::detail {

void read_session_info(FieldReader& r, SessionInfo& out);
void write_session_info(const SessionInfo& in, OrderedJson& j);

}  // namespace ilo::rest::detail
