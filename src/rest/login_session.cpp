// login_session request and reply bodies (see login_session.hpp). The password and the keys
// are written only into the JSON they belong to, never into an error detail.
#include "rest/login_session.hpp"

#include "rest/json_fields.hpp"
#include "rest/session_info_fields.hpp"

namespace ilo::rest {
namespace {

constexpr std::string_view kRequestContext = "login_session request";
constexpr std::string_view kReplyContext = "login_session";
constexpr std::string_view kKeyRule = "must be 32 lower-case hex digits";

Failure not_utf8(std::string_view field) {
  std::string detail(kRequestContext);
  detail += ": field '";
  detail += field;
  detail += "' is not valid UTF-8";
  return Failure{RestError::not_utf8, std::move(detail)};
}

// Reads a required session_key field; nullopt after recording a failure in `r`.
std::optional<SessionKey> read_session_key(detail::FieldReader& r) {
  std::string text;
  r.string("session_key", text);
  if (!r.ok()) return std::nullopt;
  auto key = SessionKey::from_text(text);
  if (!key) r.fail(RestError::bad_value, "session_key", kKeyRule);
  return key;
}

}  // namespace

Result<std::string> build_login_request(std::string_view user_login, std::string_view password) {
  if (!detail::is_utf8(user_login)) return not_utf8("user_login");
  if (!detail::is_utf8(password)) return not_utf8("password");
  detail::OrderedJson j = detail::OrderedJson::object();
  j["method"] = "login";
  j["user_login"] = user_login;
  j["password"] = password;
  return detail::dump_compact(j);
}

std::string build_logout_request(const SessionKey& key) {
  detail::OrderedJson j = detail::OrderedJson::object();
  j["method"] = "logout";
  j["session_key"] = key.text();
  return detail::dump_compact(j);
}

Result<LoginSessionRequest> parse_login_session_request(std::string_view body) {
  auto parsed = detail::parse_object(body, kRequestContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kRequestContext);
  std::string method;
  r.string("method", method);
  if (!r.ok()) return r.failure();
  if (method == "login") {
    LoginRequest login;
    r.string("user_login", login.user_login);
    r.string("password", login.password);
    if (!r.ok()) return r.failure();
    return LoginSessionRequest{std::move(login)};
  }
  if (method == "logout") {
    auto key = read_session_key(r);
    if (!r.ok()) return r.failure();
    return LoginSessionRequest{LogoutRequest{std::move(*key)}};
  }
  r.fail(RestError::bad_value, "method", "must be \"login\" or \"logout\"");
  return r.failure();
}

Result<LoginReply> parse_login_reply(std::string_view body) {
  auto parsed = detail::parse_object(body, kReplyContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kReplyContext);
  auto key = read_session_key(r);
  if (!r.ok()) return r.failure();
  LoginReply reply{std::move(*key), std::nullopt};
  if (parsed.value().contains("user_name")) {
    SessionInfo info;
    detail::read_session_info(r, info);
    if (!r.ok()) return r.failure();
    reply.session_info = std::move(info);
  }
  return reply;
}

Result<std::int64_t> parse_login_delay(std::string_view body) {
  constexpr std::string_view kContext = "login_session (GET)";
  auto parsed = detail::parse_object(body, kContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kContext);
  std::int64_t delay = 0;
  r.integer("login_delay", 0, 24 * 3600, delay);  // a day at most: peer input is bounded
  if (!r.ok()) return r.failure();
  return delay;
}

std::string serialise(const LoginReply& reply) {
  detail::OrderedJson j = detail::OrderedJson::object();
  j["session_key"] = reply.session_key.text();
  if (reply.session_info) detail::write_session_info(*reply.session_info, j);
  return detail::dump_compact(j);
}

}  // namespace ilo::rest
