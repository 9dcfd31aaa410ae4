// GET /json/vm_status (docs/rest-api.md#drive-status): the state of the two virtual drives (URL
// media). Parses the reply strictly and serialises it compactly for the simulator. The POST forms
// of the same URL are in vm_media_request.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rest/rest_error.hpp"

namespace ilo::rest {

// One element of `options`.
struct VmDriveStatus {
  std::string device;           // "FLOPPY" or "CDROM" (kept as text: it is only displayed)
  bool image_inserted = false;
  std::string boot_option;      // "NO_BOOT", "CONNECT", ...
  bool write_protect_flag = false;
  bool vm_url_connected = false;  // both connected flags 1: the drive is busy with URL media
  bool vm_connected = false;
  std::string image_url;
  std::string image_url_file;
  bool operator==(const VmDriveStatus&) const = default;
};

struct VmStatus {
  static constexpr std::size_t kFloppy = 0;  // options[0]: floppy / USB key
  static constexpr std::size_t kCdrom = 1;   // options[1]: CD/DVD
  std::array<VmDriveStatus, 2> options;      // exactly two elements on the wire
  std::uint16_t port = 0;                    // equals rc_info.vm_port
  std::optional<std::string> device;         // null in GET replies
  std::optional<std::string> boot_option;    // null in GET replies
  std::optional<std::string> command;        // null in GET replies
  bool legacy_bios = false;
  bool operator==(const VmStatus&) const = default;
};

Result<VmStatus> parse_vm_status(std::string_view body);
// Compact JSON, keys in the iLO's order; device/boot_option/command written as null if unset.
std::string serialise(const VmStatus& status);

}  // namespace ilo::rest
