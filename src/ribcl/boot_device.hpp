// The one-time boot devices of RIBCL SET_ONE_TIME_BOOT / GET_ONE_TIME_BOOT (docs/ribcl.md):
// the words the mount's `boot` file takes and shows (cd, usb, floppy, hdd, network, normal) and
// the names iLO 4 uses (CDROM, USB, FLOPPY, HDD, NETWORK, NORMAL). Names only; no XML here.
#pragma once

#include <optional>
#include <string_view>

namespace ilo::ribcl {

enum class BootDevice : unsigned char { cd, usb, floppy, hdd, network, normal };

// "cd" -> BootDevice::cd, ...; exact lower-case words only.
std::optional<BootDevice> parse_boot_word(std::string_view word);
std::string_view boot_word(BootDevice device) noexcept;

// The iLO's name ("CDROM", ...) of a device, as SET_ONE_TIME_BOOT sends it.
std::string_view ribcl_boot_name(BootDevice device) noexcept;
// An iLO name back to a device, case-insensitively ("Normal" is what iLO 4 answers when no
// one-time boot is set). Unknown names (e.g. "RBSU", "UEFI_SHELL") give nullopt.
std::optional<BootDevice> parse_ribcl_boot_name(std::string_view name);

}  // namespace ilo::ribcl
