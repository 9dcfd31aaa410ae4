// The session layer's error category (see session_owner.hpp): one short message per error.
// Texts for the user with details (host, fingerprint) come from SessionOwner, not from here.
#include <string>

#include "session/session_owner.hpp"

namespace ilo::session {
namespace {

class SessionCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "ilo.session"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<SessionError>(value)) {
      case SessionError::unreachable: return "the iLO cannot be reached";
      case SessionError::tls_failed: return "TLS handshake or certificate check failed";
      case SessionError::tls_mismatch:
        return "the iLO's certificate does not match the pinned fingerprint";
      case SessionError::wrong_credentials: return "login refused: wrong user name or password";
      case SessionError::locked_out: return "logins locked out after repeated failures";
      case SessionError::no_console_privilege: return "the user may not use the remote console";
      case SessionError::no_licence: return "the iLO has no licence for this feature";
      case SessionError::protocol: return "the iLO sent an answer ilofs cannot read";
      case SessionError::stopped: return "the session owner is shutting down";
    }
    return "unknown session error";
  }
};

}  // namespace

const std::error_category& session_category() noexcept {
  static const SessionCategory category;
  return category;
}

}  // namespace ilo::session
