// What the CD-ROM and floppy targets share around their command tables
// (docs/virtual-media.md#per-request-step): the media state each request advances, the opcode
// lookup and the block count of a medium. No commands, sense policy or framing here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ilo::vm {

// The medium's attention state as the per-request step leaves it.
enum class MediaState : std::uint8_t {
  unseen = 0,   // no medium, or inserted and no request seen since
  changed = 1,  // the first request after an insertion: unit attention 6/28/00
  ready = 2,
};

// The per-request step: the first request after an insertion sees `changed`, later ones `ready`.
constexpr MediaState next_media_state(MediaState state, bool present) noexcept {
  if (!present) return MediaState::unseen;
  return state == MediaState::unseen ? MediaState::changed : MediaState::ready;
}

// The row of `table` for `opcode`, or nullptr. Rows have an `opcode` member.
template <class Row, std::size_t N>
constexpr const Row* find_opcode(const Row (&table)[N], std::uint8_t opcode) noexcept {
  for (const Row& row : table)
    if (row.opcode == opcode) return &row;
  return nullptr;
}

// Blocks of `block_size` bytes that cover `size` bytes (a final partial block counts).
constexpr std::uint64_t blocks_covering(std::uint64_t size, std::uint32_t block_size) noexcept {
  return size / block_size + (size % block_size != 0 ? 1 : 0);
}

}  // namespace ilo::vm
