// What the CD-ROM and floppy targets share around their command tables
// (docs/virtual-media.md#per-request-step): the medium slot with the media state each request
// advances, the opcode lookup and the block count of a medium. No commands, sense policy or framing
// here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "vm/medium.hpp"

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

// The drive's slot: the medium it holds, its size in blocks and its attention state
// (#changing-the-medium). The target adds what its device model keeps beside (events, writer).
class MediumSlot {
 public:
  explicit MediumSlot(std::uint32_t block_size) noexcept : block_size_(block_size) {}

  // Holds `medium` as a fresh insertion (unit attention on the next request). A null or empty
  // medium changes nothing and returns false: the target ejects instead.
  bool insert(std::shared_ptr<const Medium> medium) {
    if (medium == nullptr || medium->size() == 0) return false;
    blocks_ = blocks_covering(medium->size(), block_size_);
    medium_ = std::move(medium);
    state_ = MediaState::unseen;
    return true;
  }
  // Empties the slot; true if it held a medium.
  bool eject() noexcept {
    const bool held = medium_ != nullptr;
    medium_.reset();
    blocks_ = 0;
    state_ = MediaState::unseen;
    return held;
  }
  // The per-request step, once per SCSI request before its checks.
  void advance() noexcept { state_ = next_media_state(state_, present()); }

  [[nodiscard]] bool present() const noexcept { return medium_ != nullptr; }
  [[nodiscard]] const std::shared_ptr<const Medium>& medium() const noexcept { return medium_; }
  // Size in blocks, a final partial block included.
  [[nodiscard]] std::uint64_t blocks() const noexcept { return blocks_; }
  [[nodiscard]] MediaState state() const noexcept { return state_; }

 private:
  std::uint32_t block_size_;
  std::shared_ptr<const Medium> medium_;
  std::uint64_t blocks_ = 0;
  MediaState state_ = MediaState::unseen;
};

}  // namespace ilo::vm
