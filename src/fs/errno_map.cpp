// to_errno (see errno_map.hpp): system and generic codes keep their value; every product
// category names its portable condition (errors/enum_category.hpp), which is the errno.
#include "fs/errno_map.hpp"

#include <cerrno>

#include "ribcl/ribcl_error.hpp"
#include "session/session_owner.hpp"

namespace ilo::fs {

int to_errno(std::error_code ec) noexcept {
  if (!ec) return 0;
  if (ec.category() == std::generic_category() || ec.category() == std::system_category()) {
    return ec.value() > 0 ? ec.value() : EIO;
  }
  const auto condition = ec.default_error_condition();
  if (condition.category() == std::generic_category() && condition.value() > 0) {
    return condition.value();
  }
  return EIO;
}

int ribcl_to_errno(std::error_code ec) noexcept {
  if (ec.category() == ribcl::ribcl_category() || ec == session::SessionError::wrong_credentials ||
      ec == session::SessionError::protocol)
    return EIO;
  return to_errno(ec);
}

}  // namespace ilo::fs
