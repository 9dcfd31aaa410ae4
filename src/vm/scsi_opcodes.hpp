// The SCSI operation codes of the virtual-media devices (docs/virtual-media.md#cd-commands,
// #floppy-and-usb-key-model), named once for the targets that answer them and the simulator's
// initiators that send them. Names follow SPC/SBC/MMC. Which device accepts which is each
// target's command table; the echo request (0xFE, not SCSI) is in wire.hpp.
#pragma once

#include <cstdint>

namespace ilo::vm::opcode {

inline constexpr std::uint8_t kTestUnitReady = 0x00;
inline constexpr std::uint8_t kFormatUnit = 0x04;
inline constexpr std::uint8_t kStartStopUnit = 0x1B;
inline constexpr std::uint8_t kSendDiagnostic = 0x1D;
inline constexpr std::uint8_t kPreventAllowMediumRemoval = 0x1E;
inline constexpr std::uint8_t kReadFormatCapacities = 0x23;
inline constexpr std::uint8_t kReadCapacity10 = 0x25;
inline constexpr std::uint8_t kRead10 = 0x28;
inline constexpr std::uint8_t kWrite10 = 0x2A;
inline constexpr std::uint8_t kWriteAndVerify10 = 0x2E;
inline constexpr std::uint8_t kReadToc = 0x43;
inline constexpr std::uint8_t kGetEventStatusNotification = 0x4A;
inline constexpr std::uint8_t kModeSense10 = 0x5A;
inline constexpr std::uint8_t kRead12 = 0xA8;
inline constexpr std::uint8_t kWrite12 = 0xAA;

}  // namespace ilo::vm::opcode
