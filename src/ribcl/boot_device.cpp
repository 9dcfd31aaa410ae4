// Boot device words and iLO names (see boot_device.hpp).
#include "ribcl/boot_device.hpp"

#include <array>
#include <cctype>

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

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

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
