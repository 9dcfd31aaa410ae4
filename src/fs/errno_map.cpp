// to_errno (see errno_map.hpp): system and generic codes keep their value; the product's own
// categories map through their portable conditions, then by category.
#include "fs/errno_map.hpp"

#include <cerrno>

#include "session/session_owner.hpp"

namespace ilo::fs {

int to_errno(std::error_code ec) noexcept {
  if (!ec) return 0;
  if (ec.category() == std::generic_category() || ec.category() == std::system_category()) {
    return ec.value() > 0 ? ec.value() : EIO;
  }
  // A category that maps itself to a portable condition (default_error_condition).
  const auto condition = ec.default_error_condition();
  if (condition.category() == std::generic_category() && condition.value() > 0) {
    return condition.value();
  }
  if (ec.category() == session::session_category()) {
    switch (static_cast<session::SessionError>(ec.value())) {
      case session::SessionError::wrong_credentials:
      case session::SessionError::no_console_privilege:
      case session::SessionError::no_licence: return EACCES;
      case session::SessionError::locked_out: return EAGAIN;
      case session::SessionError::stopped: return ESHUTDOWN;
      default: return ENOTCONN;
    }
  }
  return EIO;
}

}  // namespace ilo::fs
