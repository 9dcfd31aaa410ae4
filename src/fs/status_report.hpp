// The `status` file: one JSON object built from the values the session owner, the companion
// and the CD-ROM drive report, plus the recent warnings and errors. A snapshot; no I/O.
#pragma once

#include <string>

#include "fs/filesystem.hpp"

namespace ilo::fs {

// Pretty-printed JSON ending in a newline.
std::string build_status(const FilesystemContext& context);

}  // namespace ilo::fs
