// The video stream's bit accumulator (docs/rc-video.md#bit-order): bytes enter least significant
// bit first, fields leave most significant bit first. Bytes arrive mirrored (stream bit 0 in bit 7,
// see mirror()) and are kept at the top of a 64-bit word so that peeking k bits is one shift. It
// holds at most 63 bits and knows nothing of states, zero runs or input buffers; the decoder
// decides when to push and when to stop.
#pragma once

#include <array>
#include <cstdint>

namespace ilo::rc {

class BitReader {
 public:
  // kReverse[b] is b with its 8 bits mirrored: stream bit 0 (the byte's bit 0) becomes bit 7.
  static constexpr std::array<std::uint8_t, 256> kReverse = [] {
    std::array<std::uint8_t, 256> t{};
    for (unsigned b = 0; b < 256; ++b) {
      unsigned r = 0;
      for (unsigned i = 0; i < 8; ++i) r |= ((b >> i) & 1u) << (7 - i);
      t[b] = static_cast<std::uint8_t>(r);
    }
    return t;
  }();

  // The 8 bytes of v with the bits of each byte mirrored (kReverse on every byte).
  static constexpr std::uint64_t mirror(std::uint64_t v) noexcept {
    v = (v >> 1 & 0x5555555555555555u) | (v & 0x5555555555555555u) << 1;
    v = (v >> 2 & 0x3333333333333333u) | (v & 0x3333333333333333u) << 2;
    return (v >> 4 & 0x0F0F0F0F0F0F0F0Fu) | (v & 0x0F0F0F0F0F0F0F0Fu) << 4;
  }

  [[nodiscard]] unsigned count() const noexcept { return count_; }
  [[nodiscard]] bool has_room_for_byte() const noexcept { return count_ <= 55; }

  // Appends the 8 bits of b after the bits held. Requires has_room_for_byte().
  void push(std::uint8_t b) noexcept { push_mirrored(kReverse[b]); }
  // Appends the 8 bits of a mirrored byte m after the bits held. Requires has_room_for_byte().
  void push_mirrored(std::uint8_t m) noexcept {
    acc_ |= std::uint64_t{m} << (56 - count_);
    count_ += 8;
  }
  // Appends as many whole mirrored bytes from the top of v (the first in bits 56-63) as fit,
  // leaving at least 56 bits held, without branching on how many. Returns that number (0-7).
  unsigned top_up(std::uint64_t v) noexcept {
    const unsigned n = (63 - count_) >> 3;
    acc_ |= (v & ~(~std::uint64_t{0} >> (8 * n))) >> count_;
    count_ += 8 * n;
    return n;
  }

  // The next k bits (0..32) as an MSB-first value, without consuming them. Bits beyond count()
  // read as zero. (The double shift keeps k = 0 well defined.)
  [[nodiscard]] std::uint32_t peek(unsigned k) const noexcept {
    return static_cast<std::uint32_t>((acc_ >> 1) >> (63 - k));
  }
  // Consumes k bits (0..count()).
  void skip(unsigned k) noexcept {
    acc_ = k >= 64 ? 0 : acc_ << k;
    count_ -= k;
  }
  // skip() for k < 64 (the decoder's fast path), without the k = 64 case.
  void drop(unsigned k) noexcept {
    acc_ <<= k;
    count_ -= k;
  }
  // peek + skip. Requires k <= count().
  std::uint32_t read(unsigned k) noexcept {
    const std::uint32_t v = peek(k);
    skip(k);
    return v;
  }
  // Drops the not-yet-consumed bits of the byte that held the last consumed bit (FRAME_END and
  // command 9 alignment). Correct because only whole bytes are ever pushed.
  void align_to_byte() noexcept { skip(count_ & 7u); }
  // Keeps only the first n bits held (undoes pushes of later bytes). Requires n <= count().
  void keep_first(unsigned n) noexcept {
    acc_ = n == 0 ? 0 : acc_ & ~(~std::uint64_t{0} >> n);
    count_ = n;
  }
  void clear() noexcept {
    acc_ = 0;
    count_ = 0;
  }

 private:
  std::uint64_t acc_ = 0;  // next stream bit at bit 63; bits below the held ones are zero
  unsigned count_ = 0;
};

}  // namespace ilo::rc
