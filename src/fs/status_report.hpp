// The `status` file: one JSON object built from the values the session owner, the companion
// and the CD-ROM and USB-key drives report, plus the recent warnings and errors. A snapshot;
// no I/O.
#pragma once

#include <optional>
#include <string>

#include "fs/filesystem.hpp"

namespace ilo::fs {

// "on", "off" or "unknown": the power state as `power` and `status` both show it.
const char* power_word(const std::optional<bool>& on) noexcept;

// Pretty-printed JSON ending in a newline.
std::string build_status(const FilesystemContext& context);

}  // namespace ilo::fs
