// One device reply as data: the 16 header bytes to send, then either a few bytes held inline
// or a description {offset, length} of medium bytes, so the network layer can pread READ data
// straight into its send buffer. It does not send anything and does not read the medium itself
// (reply_data() does, on request).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

#include "vm/medium.hpp"
#include "vm/wire.hpp"

namespace ilo::vm {

// The largest inline reply: READ TOC data is cut or zero-padded to 412 bytes
// (docs/virtual-media.md#read-toc).
inline constexpr std::size_t kInlineDataCapacity = 412;

// Medium bytes to send after the header; bytes past the medium's end are zeros.
struct MediumExtent {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  friend constexpr bool operator==(MediumExtent, MediumExtent) noexcept = default;
};

// Something the caller must act on after sending the reply.
enum class TargetEvent : std::uint8_t {
  none,
  eject_requested,  // START STOP UNIT with LoEj=1, Start=0: the medium is now out. The Java
                    // client closes the connection at this point (without DISCONNECT).
};

struct Reply {
  ReplyHeaderBytes header{};       // exactly what to send first
  std::uint32_t data_length = 0;   // bytes to send after the header (inline or from extent)
  std::array<std::uint8_t, kInlineDataCapacity> inline_data{};
  bool from_medium = false;        // data comes from `extent` on `medium`, not inline_data
  MediumExtent extent{};
  std::shared_ptr<const Medium> medium;  // keeps the medium alive until the data is read
  TargetEvent event = TargetEvent::none;

  // Data the target built (not from the medium): copied into inline_data, cut at its capacity.
  void set_inline(std::span<const std::uint8_t> data) noexcept;

  [[nodiscard]] std::span<const std::uint8_t> inline_bytes() const noexcept {
    return from_medium ? std::span<const std::uint8_t>{}
                       : std::span<const std::uint8_t>(inline_data).first(data_length);
  }
};

// Writes the reply's data (data_length bytes) into `out`, which must be exactly that size
// (else VmError::medium_io, nothing written). A failing medium gives its error; the caller then
// sends medium_error_reply() instead.
std::error_code reply_data(const Reply& reply, std::span<std::uint8_t> out) noexcept;

// Completes a target's dispatch: a failed `status` carries no data; `header` gets the status
// and the reply's data length and is encoded into reply.header. Returns the header as encoded.
ReplyHeader finish_reply(Reply& reply, ReplyHeader header, Sense status) noexcept;

// The reply that replaces a READ whose medium failed: same flags and media byte, sense
// 3/10/00 (what Java sends for any I/O exception), no data.
Reply medium_error_reply(const Reply& failed) noexcept;

}  // namespace ilo::vm
