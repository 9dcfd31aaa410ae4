// Builders of the CD image model's data blocks (see mmc_data.hpp).
#include "vm/mmc_data.hpp"

#include "bytes/byte_writer.hpp"

namespace ilo::vm::mmc {
namespace {

inline constexpr std::uint8_t kAdrControlData = 0x14;  // ADR 1 (position), control 4 (data)
inline constexpr std::uint8_t kLeadOutTrack = 0xAA;

// A 4-byte TOC address: LBA as BE32, or 00 M S F.
void put_address(ByteWriter& w, bool msf, std::uint64_t lba) {
  if (msf) {
    const Msf a = msf_from_lba(lba);
    w.u8(0).u8(a.m).u8(a.s).u8(a.f);
  } else {
    w.u32be(lba > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(lba));
  }
}

}  // namespace

Msf msf_from_lba(std::uint64_t lba) noexcept {
  const std::uint64_t frames = lba + 150;
  const std::uint64_t minutes = frames / (75 * 60);
  return {static_cast<std::uint8_t>(minutes > 0xFF ? 0xFF : minutes),
          static_cast<std::uint8_t>(frames / 75 % 60), static_cast<std::uint8_t>(frames % 75)};
}

std::array<std::uint8_t, kReadCapacitySize> read_capacity_data(std::uint64_t blocks) noexcept {
  const std::uint64_t last = blocks == 0 ? 0 : blocks - 1;
  std::array<std::uint8_t, kReadCapacitySize> out{};
  ByteWriter w(out);
  w.u32be(last > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(last))  // 0-3: last LBA
      .u32be(kBlockSize);                                                      // 4-7: 2048
  return out;
}

std::array<std::uint8_t, kReadTocSize> read_toc_data(TocFormat format, bool msf,
                                                     std::uint64_t blocks) noexcept {
  std::array<std::uint8_t, kReadTocSize> out{};
  ByteWriter w(out);
  switch (format) {
    case TocFormat::toc:
      w.u16be(18)                            // 0-1: TOC data length
          .u8(1).u8(1)                       // 2-3: first and last track
          .u8(0).u8(kAdrControlData).u8(1).u8(0);  // 4-7: track 1 descriptor
      put_address(w, msf, 0);                // 8-11: track 1 start (00:02:00 in MSF)
      w.u8(0).u8(kAdrControlData).u8(kLeadOutTrack).u8(0);  // 12-15: lead-out descriptor
      put_address(w, msf, blocks);           // 16-19: lead-out = N (exact MSF, see target)
      break;
    case TocFormat::session_info:
      w.u16be(10)                            // 0-1: data length
          .u8(1).u8(1)                       // 2-3: first and last session
          .u8(0).u8(kAdrControlData).u8(1).u8(0);  // 4-7: first track of the last session
      put_address(w, msf, 0);                // 8-11: its start
      break;
    case TocFormat::full_toc:
    case TocFormat::pma:
      break;  // all zeros, as Java
  }
  return out;  // the rest stays zero: Java pads every READ TOC reply to 412 bytes
}

std::array<std::uint8_t, kMediaEventSize> media_event_data(MediaEvent event,
                                                           bool present) noexcept {
  std::array<std::uint8_t, kMediaEventSize> out{};
  ByteWriter w(out);
  w.u16be(6)                                   // 0-1: event data length
      .u8(0x04)                                // 2: notification class 4 (media)
      .u8(kMediaClassRequest)                  // 3: supported classes: media
      .u8(static_cast<std::uint8_t>(event))    // 4: media event code
      .u8(present ? kMediaStatusPresent : 0)   // 5: media status
      .u8(0).u8(0);                            // 6-7: start/end slot
  return out;
}

std::array<std::uint8_t, kNoEventSize> no_event_data() noexcept {
  return {0x00, 0x02,  // 0-1: event data length 2
          0x80,        // 2: NEA (no event available), class 0
          kMediaClassRequest};  // 3: supported classes: media
}

std::array<std::uint8_t, kModeSense10Size> mode_sense10_data() noexcept {
  return {0x00, 0x08,  // 0-1: mode data length (8, as Java: not the 6 it should be)
          0x01,        // 2: medium type 1 (120 mm CD-ROM data)
          0x00,        // 3: device-specific parameter
          0x00, 0x00,  // 4-5: reserved
          0x00, 0x00};  // 6-7: block descriptor length 0
}

}  // namespace ilo::vm::mmc
