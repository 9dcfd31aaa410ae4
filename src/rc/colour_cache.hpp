// The decoder's colour cache (docs/rc-video.md#colour-cache): up to 17 colours in LRU rank order,
// with the "used in this block" marks and the block-end pruning. It stores each colour twice: the
// packed value the stream speaks of (R<<2bpc | G<<bpc | B, compared by literals) and the RGB888
// value painted. It does not decide what a miss or a duplicate means; the decoder does.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

namespace ilo::rc {

// RGB888 as painted: byte 0 red, 1 green, 2 blue when stored little-endian (see block_writer).
inline std::uint32_t display_colour(std::uint32_t packed, unsigned bpc) noexcept {
  const std::uint32_t mask = (1u << bpc) - 1;
  const unsigned up = 8 - bpc;
  const std::uint32_t r = ((packed >> (2 * bpc)) & mask) << up;
  const std::uint32_t g = ((packed >> bpc) & mask) << up;
  const std::uint32_t b = (packed & mask) << up;
  return r | (g << 8) | (b << 16);
}

class ColourCache {
 public:
  static constexpr int kCapacity = 17;

  [[nodiscard]] int size() const noexcept { return size_; }
  // Number of code bits after "01" for an indexed colour, or -1 when an indexed code is a
  // fatal error (#indexed-codes). Like the Java client this is recomputed only when an entry is
  // appended and after pruning, not when the cache is emptied.
  [[nodiscard]] int code_bits() const noexcept { return code_bits_; }
  [[nodiscard]] std::uint32_t packed_at(int rank) const noexcept { return packed_[rank]; }
  [[nodiscard]] std::uint32_t display_at(int rank) const noexcept { return display_[rank]; }
  // Entries of rank < used() are exactly those used in the current block.
  [[nodiscard]] int used() const noexcept { return used_; }

  void clear() noexcept {
    size_ = 0;
    used_ = 0;
  }

  // Rank of the entry holding packed, or -1.
  [[nodiscard]] int find(std::uint32_t packed) const noexcept {
    for (int r = 0; r < size_; ++r)
      if (packed_[r] == packed) return r;
    return -1;
  }

  // Moves the entry of rank r (< size) to rank 0 and marks it used.
  void touch(int r) noexcept {
    if (r >= used_) ++used_;
    if (r == 1) {  // the common case: two colours alternating
      std::swap(packed_[0], packed_[1]);
      std::swap(display_[0], display_[1]);
    } else if (r > 1) {
      // Rotate ranks 0..r right by one. Written as a carry chain rather than a shift so that
      // compilers keep it inline instead of calling memmove.
      std::uint32_t p = packed_[r];
      std::uint32_t d = display_[r];
      for (int i = 0; i <= r; ++i) {
        std::swap(p, packed_[i]);
        std::swap(d, display_[i]);
      }
    }
  }

  // touch(1) k >= 1 times with at least two colours cached: ranks 0 and 1 swap k times and
  // are marked used as the touches would mark them.
  void touch_rank1(unsigned k) noexcept {
    if (k & 1) {
      std::swap(packed_[0], packed_[1]);
      std::swap(display_[0], display_[1]);
    }
    if (used_ < 2) used_ = k >= 2 ? 2 : used_ + 1;
  }

  // Literal colour (#cache-operations, "add"). Returns false, after touching the existing entry,
  // when the colour is already cached (the caller's fatal error). Otherwise it becomes rank 0,
  // evicting rank 16 when full.
  bool add(std::uint32_t packed, std::uint32_t display) noexcept {
    const int r = find(packed);
    if (r >= 0) {
      touch(r);
      return false;
    }
    int slot = size_;
    if (size_ < kCapacity) {
      ++size_;
      code_bits_ = code_bits_for(size_);
    } else {
      slot = kCapacity - 1;
    }
    packed_[slot] = packed;
    display_[slot] = display;
    touch(slot);
    return true;
  }

  // Lookup by rank (#cache-operations): touches it, true with its RGB888 value; false on a miss.
  bool lookup(int rank, std::uint32_t& display) noexcept {
    if (rank >= size_) return false;
    display = display_[rank];
    touch(rank);
    return true;
  }

  // Block end (#pruning): keep only the colours used in the block, clear the marks.
  void prune() noexcept {
    size_ = used_;
    used_ = 0;
    code_bits_ = code_bits_for(size_);
  }

  // Recomputes the painted values after a change of bits per colour (the Java client remaps
  // cached packed values through its new display table; components are masked to the new size).
  void remap(unsigned bpc) noexcept {
    for (int r = 0; r < size_; ++r) display_[r] = display_colour(packed_[r], bpc);
  }

  static constexpr int code_bits_for(int n) noexcept {
    if (n < 2) return -1;
    if (n == 2) return 0;
    if (n == 3) return 1;
    if (n < 6) return 2;
    if (n < 10) return 3;
    return 4;
  }

 private:
  std::array<std::uint32_t, kCapacity> packed_{};
  std::array<std::uint32_t, kCapacity> display_{};
  int size_ = 0;
  int used_ = 0;
  int code_bits_ = -1;  // the Java client starts with the fatal successor
};

}  // namespace ilo::rc
