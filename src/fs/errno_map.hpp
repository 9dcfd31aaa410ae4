// The one translation from the error codes of every layer to an errno for FUSE replies
// (docs/architecture.md#errors): by the portable condition each category names for its
// codes. Codes without one become EIO. One exception, for RIBCL exchanges, is named here too.
#pragma once

#include <system_error>

namespace ilo::fs {

int to_errno(std::error_code ec) noexcept;

// The errno of a failed RIBCL exchange (SessionOwner::ribcl, the `boot` file): whatever the iLO
// refused or answered wrongly (any RIBCL error, a refused login, an answer that is not RIBCL) is
// EIO, as issue 12 asks; a failure to reach it keeps to_errno()'s answer.
int ribcl_to_errno(std::error_code ec) noexcept;

}  // namespace ilo::fs
