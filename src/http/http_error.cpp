// The HTTPS client's error category (see http_error.hpp).
#include "http/http_error.hpp"

#include <string>

namespace ilo::http {
namespace {

class HttpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "http"; }
  std::string message(int value) const override {
    switch (static_cast<HttpError>(value)) {
      case HttpError::bad_options: return "invalid web client options";
      case HttpError::connect_failed: return "cannot connect to the iLO";
      case HttpError::timeout: return "the iLO did not answer in time";
      case HttpError::tls_failed: return "TLS handshake or certificate verification failed";
      case HttpError::fingerprint_mismatch: return "certificate fingerprint mismatch";
      case HttpError::transport_failed: return "HTTPS transfer failed";
      case HttpError::reply_too_large: return "reply too large";
      case HttpError::http_status: return "unexpected HTTP status";
      case HttpError::ilo_error: return "the iLO reported an error";
      case HttpError::login_refused: return "login refused";
      case HttpError::session_lost: return "web session lost or expired";
      case HttpError::not_logged_in: return "not logged in";
    }
    return "unknown HTTP error";
  }
};

}  // namespace

const std::error_category& http_category() noexcept {
  static const HttpCategory category;
  return category;
}

}  // namespace ilo::http
