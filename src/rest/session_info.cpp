// session_info payload (see session_info.hpp). The field reading and writing helpers are
// shared with the login reply, which embeds the same fields (session_info_fields.hpp).
#include "rest/session_info.hpp"

#include "rest/json_fields.hpp"
#include "rest/session_info_fields.hpp"

namespace ilo::rest {

namespace detail {

void read_session_info(FieldReader& r, SessionInfo& out) {
  r.string("user_name", out.user_name);
  r.string("user_account", out.user_account);
  r.string("user_dn", out.user_dn);
  r.string("user_type", out.user_type);
  r.string("user_ip", out.user_ip);
  r.string("user_expires", out.user_expires);
  r.flag("login_priv", out.login_priv);
  r.flag("remote_cons_priv", out.remote_cons_priv);
  r.flag("virtual_media_priv", out.virtual_media_priv);
  r.flag("reset_priv", out.reset_priv);
  r.flag("config_priv", out.config_priv);
  r.flag("user_priv", out.user_priv);
}

void write_session_info(const SessionInfo& in, OrderedJson& j) {
  j["user_name"] = in.user_name;
  j["user_account"] = in.user_account;
  j["user_dn"] = in.user_dn;
  j["user_type"] = in.user_type;
  j["user_ip"] = in.user_ip;
  j["user_expires"] = in.user_expires;
  j["login_priv"] = in.login_priv ? 1 : 0;
  j["remote_cons_priv"] = in.remote_cons_priv ? 1 : 0;
  j["virtual_media_priv"] = in.virtual_media_priv ? 1 : 0;
  j["reset_priv"] = in.reset_priv ? 1 : 0;
  j["config_priv"] = in.config_priv ? 1 : 0;
  j["user_priv"] = in.user_priv ? 1 : 0;
}

}  // namespace detail

Result<SessionInfo> parse_session_info(std::string_view body) {
  constexpr std::string_view kContext = "session_info";
  auto parsed = detail::parse_object(body, kContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kContext);
  SessionInfo info;
  detail::read_session_info(r, info);
  if (!r.ok()) return r.failure();
  return info;
}

std::string serialise(const SessionInfo& info) {
  detail::OrderedJson j = detail::OrderedJson::object();
  detail::write_session_info(info, j);
  return detail::dump_compact(j);
}

}  // namespace ilo::rest
