// The sense triple (sense key, ASC, ASCQ) carried in bytes 9-11 of every reply header and the
// named triples of docs/virtual-media.md#sense-triples. Data only: a failed SCSI command is a reply
// with a non-zero sense key, never a C++ error.
#pragma once

#include <cstdint>

namespace ilo::vm {

struct Sense {
  std::uint8_t key = 0;   // sense key; 0 = success
  std::uint8_t asc = 0;   // additional sense code
  std::uint8_t ascq = 0;  // additional sense code qualifier

  [[nodiscard]] constexpr bool good() const noexcept { return key == 0; }
  friend constexpr bool operator==(Sense, Sense) noexcept = default;
};

namespace sense {
inline constexpr Sense kGood{0x00, 0x00, 0x00};
inline constexpr Sense kMediumNotPresent{0x02, 0x3A, 0x00};      // NOT READY
inline constexpr Sense kNotReadyToReadyChange{0x06, 0x28, 0x00}; // UNIT ATTENTION
inline constexpr Sense kLbaOutOfRange{0x05, 0x21, 0x00};         // ILLEGAL REQUEST
inline constexpr Sense kInvalidFieldInCdb{0x05, 0x24, 0x00};     // ILLEGAL REQUEST
inline constexpr Sense kInvalidFieldInParameterList{0x05, 0x26, 0x00};
inline constexpr Sense kInvalidOperationCode{0x05, 0x20, 0x00};  // ILLEGAL REQUEST
inline constexpr Sense kWriteProtected{0x07, 0x27, 0x00};        // DATA PROTECT
inline constexpr Sense kIdCrcOrEccError{0x03, 0x10, 0x00};       // MEDIUM ERROR
}  // namespace sense

}  // namespace ilo::vm
