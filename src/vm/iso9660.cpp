// Volume descriptor parsing (see iso9660.hpp), through ByteReader.
#include "vm/iso9660.hpp"

#include <string_view>

#include "bytes/byte_reader.hpp"

namespace ilo::vm {
namespace {

std::string trim_padding(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::optional<PrimaryVolumeDescriptor> parse_primary_volume_descriptor(
    std::span<const std::uint8_t> block) {
  if (block.size() < kIsoBlockSize) return std::nullopt;
  ByteReader r(block.first(kIsoBlockSize));
  const std::uint8_t type = r.u8();                  // 0: 1 = primary
  const std::string_view standard_id = r.text(5);    // 1-5: "CD001"
  const std::uint8_t version = r.u8();               // 6: 1
  r.skip(1);                                         // 7: unused
  const std::string_view system_id = r.text(32);     // 8-39
  const std::string_view volume_id = r.text(32);     // 40-71
  r.skip(8);                                         // 72-79: unused
  const std::uint32_t space = r.u32le();             // 80-83: volume space size, LE
  r.skip(4);                                         // 84-87: the same, BE (not checked)
  if (!r.ok() || type != 1 || standard_id != "CD001" || version != 1) return std::nullopt;
  PrimaryVolumeDescriptor out;
  out.system_id = trim_padding(system_id);
  out.volume_id = trim_padding(volume_id);
  out.volume_space_size = space;
  return out;
}

bool is_el_torito_boot_record(std::span<const std::uint8_t> block) {
  ByteReader r(block);
  const std::uint8_t type = r.u8();                // 0: 0 = boot record
  const std::string_view standard_id = r.text(5);  // 1-5: "CD001"
  const std::uint8_t version = r.u8();             // 6: 1
  const std::string_view boot_system = r.text(32); // 7-38: boot system identifier
  return r.ok() && type == 0 && standard_id == "CD001" && version == 1 &&
         trim_padding(boot_system) == "EL TORITO SPECIFICATION";
}

}  // namespace ilo::vm
