// GET /json/session_info (docs/rest-api.md#session-info): the user and privileges of a web session.
// Parses the reply strictly (every field required) and serialises it compactly for the simulator.
// The same fields follow session_key in a login reply (login_session.hpp).
#pragma once

#include <string>
#include <string_view>

#include "rest/rest_error.hpp"

namespace ilo::rest {

struct SessionInfo {
  std::string user_name;
  std::string user_account;
  std::string user_dn;       // directory DN, "" for local users
  std::string user_type;     // "Local"
  std::string user_ip;       // the client's address as the iLO sees it
  std::string user_expires;  // e.g. "Fri Jan 01 20:11:02 2021"
  bool login_priv = false;
  bool remote_cons_priv = false;    // remote console allowed
  bool virtual_media_priv = false;  // virtual media allowed
  bool reset_priv = false;          // power and reset allowed
  bool config_priv = false;
  bool user_priv = false;
  bool operator==(const SessionInfo&) const = default;
};

Result<SessionInfo> parse_session_info(std::string_view body);
// Compact JSON, keys in the iLO's order.
std::string serialise(const SessionInfo& info);

}  // namespace ilo::rest
