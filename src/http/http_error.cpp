// The HTTPS client's error category (see http_error.hpp): messages and portable conditions.
#include "http/http_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::http {
namespace {

ErrorInfo describe(HttpError e) noexcept {
  switch (e) {
    case HttpError::bad_options: return {"invalid web client options", EINVAL};
    case HttpError::connect_failed: return {"cannot connect to the iLO", EHOSTUNREACH};
    case HttpError::timeout: return {"the iLO did not answer in time", ETIMEDOUT};
    case HttpError::tls_failed: return {"TLS handshake or certificate verification failed", 0};
    case HttpError::fingerprint_mismatch: return {"certificate fingerprint mismatch", 0};
    case HttpError::transport_failed: return {"HTTPS transfer failed", 0};
    case HttpError::reply_too_large: return {"reply too large", EMSGSIZE};
    case HttpError::http_status: return {"unexpected HTTP status", EPROTO};
    case HttpError::ilo_error: return {"the iLO reported an error", 0};
    case HttpError::login_refused: return {"login refused", EACCES};
    case HttpError::session_lost: return {"web session lost or expired", ENOTCONN};
    case HttpError::not_logged_in: return {"not logged in", ENOTCONN};
  }
  return {};
}

}  // namespace

const std::error_category& http_category() noexcept {
  return enum_category<HttpError, describe>("http", "unknown HTTP error");
}

}  // namespace ilo::http
