// The few fields of an ISO 9660 primary volume descriptor (block 16 of a data CD) that the
// initiator reports: system and volume identifiers and the volume space size; and whether block
// 17 is an El Torito boot record (a bootable disc, as a BIOS checks). Not a file system reader:
// no directories, no Joliet or Rock Ridge, no boot catalog.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ilo::vm {

inline constexpr std::uint32_t kPrimaryVolumeDescriptorLba = 16;
// Where mastering tools put the El Torito boot record volume descriptor: right after the PVD.
inline constexpr std::uint32_t kBootRecordLba = 17;
// The bytes of a boot record that identify it (type, "CD001", version, boot system id).
inline constexpr std::size_t kBootRecordIdSize = 39;
inline constexpr std::size_t kIsoBlockSize = 2048;

struct PrimaryVolumeDescriptor {
  std::string system_id;  // bytes 8-39, trailing spaces removed
  std::string volume_id;  // bytes 40-71, trailing spaces removed
  std::uint32_t volume_space_size = 0;  // bytes 80-87 (both-endian), in logical blocks
};

// nullopt unless `block` is at least 2048 bytes holding type 1, "CD001", version 1.
std::optional<PrimaryVolumeDescriptor> parse_primary_volume_descriptor(
    std::span<const std::uint8_t> block);

// True when `block` starts with an El Torito boot record volume descriptor: type 0, "CD001",
// version 1, boot system identifier "EL TORITO SPECIFICATION" (zero padded). Needs only the
// first kBootRecordIdSize bytes.
bool is_el_torito_boot_record(std::span<const std::uint8_t> block);

}  // namespace ilo::vm
