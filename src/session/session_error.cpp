// The session layer's error category (see session_owner.hpp): one short message per error, and
// the errno a mount reports while it holds (the FUSE layer reads it through to_errno()). Texts
// for the user with details (host, fingerprint) come from SessionOwner, not from here.
#include <cerrno>

#include "errors/enum_category.hpp"
#include "session/session_owner.hpp"

namespace ilo::session {
namespace {

// Without a login the mount is not connected (ENOTCONN), unless the iLO refused us for good
// (EACCES), asks us to wait (EAGAIN) or ilofs is stopping (ESHUTDOWN).
ErrorInfo describe(SessionError e) noexcept {
  switch (e) {
    case SessionError::unreachable: return {"the iLO cannot be reached", ENOTCONN};
    case SessionError::tls_failed:
      return {"TLS handshake or certificate check failed", ENOTCONN};
    case SessionError::tls_mismatch:
      return {"the iLO's certificate does not match the pinned fingerprint", ENOTCONN};
    case SessionError::wrong_credentials:
      return {"login refused: wrong user name or password", EACCES};
    case SessionError::locked_out: return {"logins locked out after repeated failures", EAGAIN};
    case SessionError::no_console_privilege:
      return {"the user may not use the remote console", EACCES};
    case SessionError::no_licence: return {"the iLO has no licence for this feature", EACCES};
    case SessionError::protocol: return {"the iLO sent an answer ilofs cannot read", ENOTCONN};
    case SessionError::stopped: return {"the session owner is shutting down", ESHUTDOWN};
  }
  return {};
}

}  // namespace

const std::error_category& session_category() noexcept {
  return enum_category<SessionError, describe>("ilo.session", "unknown session error");
}

}  // namespace ilo::session
