// Boot device words and iLO names (see boot_device.hpp).
#include "ribcl/boot_device.hpp"

#include <array>

#include "ribcl/ribcl_xml.hpp"

namespace ilo::ribcl {
namespace {

struct Names {
  BootDevice device;
  std::string_view word;
  std::string_view ribcl;
};
constexpr std::array<Names, 6> kNames = {{
    {BootDevice::cd, "cd", "CDROM"},
    {BootDevice::usb, "usb", "USB"},
    {BootDevice::floppy, "floppy", "FLOPPY"},
    {BootDevice::hdd, "hdd", "HDD"},
    {BootDevice::network, "network", "NETWORK"},
    {BootDevice::normal, "normal", "NORMAL"},
}};

}  // namespace

std::optional<BootDevice> parse_boot_word(std::string_view word) {
  for (const auto& n : kNames)
    if (n.word == word) return n.device;
  return std::nullopt;
}

std::string_view boot_word(BootDevice device) noexcept {
  for (const auto& n : kNames)
    if (n.device == device) return n.word;
  return "normal";
}

std::string_view ribcl_boot_name(BootDevice device) noexcept {
  for (const auto& n : kNames)
    if (n.device == device) return n.ribcl;
  return "NORMAL";
}

std::optional<BootDevice> parse_ribcl_boot_name(std::string_view name) {
  for (const auto& n : kNames)
    if (equal_ignoring_case(n.ribcl, name)) return n.device;
  return std::nullopt;
}

}  // namespace ilo::ribcl
