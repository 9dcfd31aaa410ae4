// Errors of the HTTPS client layer (web_client.hpp): one std::error_code category. The REST
// payload errors (rest::RestError) pass through unchanged; these say what went wrong with the
// connection, the certificate or the HTTP exchange. Messages never include keys or passwords.
#pragma once

#include <system_error>

namespace ilo::http {

enum class HttpError {
  bad_options = 1,       // inconsistent WebClient::Options (the detail names the field)
  connect_failed,        // name resolution or TCP connect failed
  timeout,               // the connect or total timeout expired
  tls_failed,            // TLS handshake or certificate verification failed
  fingerprint_mismatch,  // the server's certificate is not the pinned one
  transport_failed,      // any other transfer failure (connection reset, bad HTTP, ...)
  reply_too_large,       // the reply body exceeds the client's limit
  http_status,           // an unexpected HTTP status without an iLO error body
  ilo_error,             // an error status with an iLO error body ({"message":..})
  login_refused,         // login answered 403: bad credentials, lock-out, refused
  session_lost,          // 403 JS_ERR_LOST_SESSION: the session key is unknown or expired
  not_logged_in,         // the call needs a session key and the client holds none
};
const std::error_category& http_category() noexcept;
inline std::error_code make_error_code(HttpError e) noexcept {
  return {static_cast<int>(e), http_category()};
}

}  // namespace ilo::http

template <>
struct std::is_error_code_enum<ilo::http::HttpError> : std::true_type {};
