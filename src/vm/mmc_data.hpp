// The data blocks of the CD image model (docs/virtual-media.md#cd-commands): READ CAPACITY, READ
// TOC (formats 0-3, LBA and MSF), GET EVENT STATUS NOTIFICATION and MODE SENSE(10), as pure
// builders. No device state and no CDB parsing: cdrom_target.cpp decides what to send.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ilo::vm::mmc {

inline constexpr std::uint32_t kBlockSize = 2048;
inline constexpr std::size_t kReadCapacitySize = 8;
inline constexpr std::size_t kReadTocSize = 412;  // every READ TOC reply is cut/padded to this
inline constexpr std::size_t kMediaEventSize = 8;
inline constexpr std::size_t kNoEventSize = 4;
inline constexpr std::size_t kModeSense10Size = 8;

// READ TOC format, taken from bits 7-6 of CDB byte 9 (the old-style field, #read-toc).
enum class TocFormat : std::uint8_t { toc = 0, session_info = 1, full_toc = 2, pma = 3 };

// GET EVENT STATUS NOTIFICATION media event codes as sent by the Java client. (MMC names code 4
// "MediaChanged"; HP's client and Linux read it as the medium having changed, i.e. new media.)
enum class MediaEvent : std::uint8_t { none = 0x00, media_removal = 0x03, new_media = 0x04 };
inline constexpr std::uint8_t kMediaStatusPresent = 0x02;  // media status bit 1
inline constexpr std::uint8_t kMediaClassRequest = 0x10;   // CDB byte 4 bit 4

struct Msf {
  std::uint8_t m = 0, s = 0, f = 0;
  friend constexpr bool operator==(Msf, Msf) noexcept = default;
};
// The exact MSF address of an LBA (150 frames of pre-gap, 75 frames a second, 60 s a minute);
// minutes saturate at 255.
Msf msf_from_lba(std::uint64_t lba) noexcept;

// READ CAPACITY(10): last LBA = blocks - 1 (BE32, saturating at 0xFFFFFFFF; 0 for no blocks)
// and block length 2048.
std::array<std::uint8_t, kReadCapacitySize> read_capacity_data(std::uint64_t blocks) noexcept;

// READ TOC for a one-track data disc of `blocks` blocks: the meaningful bytes of `format`
// followed by zeros, 412 bytes in all.
std::array<std::uint8_t, kReadTocSize> read_toc_data(TocFormat format, bool msf,
                                                     std::uint64_t blocks) noexcept;

// GET EVENT STATUS NOTIFICATION, media class: `00 06 04 10 EE SS 00 00`.
std::array<std::uint8_t, kMediaEventSize> media_event_data(MediaEvent event,
                                                           bool present) noexcept;
// GET EVENT STATUS NOTIFICATION for any other class request: `00 02 80 10` (no event
// available, supported classes: media).
std::array<std::uint8_t, kNoEventSize> no_event_data() noexcept;

// MODE SENSE(10) as Java sends it: `00 08 01 00 00 00 00 00` (header only, medium type 1).
std::array<std::uint8_t, kModeSense10Size> mode_sense10_data() noexcept;

}  // namespace ilo::vm::mmc
