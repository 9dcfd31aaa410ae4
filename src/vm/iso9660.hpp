// The few fields of an ISO 9660 primary volume descriptor (block 16 of a data CD) that the
// initiator reports: system and volume identifiers and the volume space size. Not a file
// system reader: no directories, no Joliet or Rock Ridge.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ilo::vm {

inline constexpr std::uint32_t kPrimaryVolumeDescriptorLba = 16;
inline constexpr std::size_t kIsoBlockSize = 2048;

struct PrimaryVolumeDescriptor {
  std::string system_id;  // bytes 8-39, trailing spaces removed
  std::string volume_id;  // bytes 40-71, trailing spaces removed
  std::uint32_t volume_space_size = 0;  // bytes 80-87 (both-endian), in logical blocks
};

// nullopt unless `block` is at least 2048 bytes holding type 1, "CD001", version 1.
std::optional<PrimaryVolumeDescriptor> parse_primary_volume_descriptor(
    std::span<const std::uint8_t> block);

}  // namespace ilo::vm
