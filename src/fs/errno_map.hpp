// The one translation from the error codes of every layer to an errno for FUSE replies
// (docs/architecture.md#errors): by the portable condition each category names for its
// codes. Codes without one become EIO.
#pragma once

#include <system_error>

namespace ilo::fs {

int to_errno(std::error_code ec) noexcept;

}  // namespace ilo::fs
