// POST /json/login_session (docs/rest-api.md#login): the login and logout request bodies and the
// login reply. Builders for the client, parsers for both sides, a serialiser for the simulator. It
// does not speak HTTP: status codes and cookies belong to the network layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "rest/rest_error.hpp"
#include "rest/session_info.hpp"
#include "rest/session_key.hpp"

namespace ilo::rest {

// {"method":"login","user_login":"<user>","password":"<password>"}
struct LoginRequest {
  std::string user_login;
  std::string password;  // secret
  bool operator==(const LoginRequest&) const = default;
};
// {"method":"logout","session_key":"<key>"}  (third-party; neither client in the sources sends it)
struct LogoutRequest {
  SessionKey session_key;
  bool operator==(const LogoutRequest&) const = default;
};
using LoginSessionRequest = std::variant<LoginRequest, LogoutRequest>;

// Fails with RestError::not_utf8 if the user name or password is not UTF-8 (the detail names
// the field, never its content).
Result<std::string> build_login_request(std::string_view user_login, std::string_view password);
std::string build_logout_request(const SessionKey& key);
// The simulator's view of a POST to /json/login_session: a login or a logout.
Result<LoginSessionRequest> parse_login_session_request(std::string_view body);

// {"session_key":"<32 lower-case hex>", ...session_info fields...}. The exact success body
// was never captured, so only session_key is required; the session_info fields are read
// (strictly, all of them) when user_name is present.
struct LoginReply {
  SessionKey session_key;
  std::optional<SessionInfo> session_info;
  bool operator==(const LoginReply&) const = default;
};
Result<LoginReply> parse_login_reply(std::string_view body);
// Compact JSON: session_key first, then the session_info fields if set.
std::string serialise(const LoginReply& reply);

// GET /json/login_session (docs/rest-api.md#login-page-settings): only `login_delay`, the seconds
// for which logins stay refused after repeated failures (0 when none). Other fields are ignored.
Result<std::int64_t> parse_login_delay(std::string_view body);

}  // namespace ilo::rest
