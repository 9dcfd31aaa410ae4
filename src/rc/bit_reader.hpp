// The video stream's bit accumulator (rc-video.md §1): bytes enter least significant bit
// first, fields leave most significant bit first. Bits are kept pre-reversed at the top of a
// 64-bit word so that peeking k bits is one shift. It holds at most 64 bits and knows nothing
// of states, zero runs or input buffers; the decoder decides when to push and when to stop.
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

  [[nodiscard]] unsigned count() const noexcept { return count_; }
  [[nodiscard]] bool has_room_for_byte() const noexcept { return count_ <= 56; }

  // Appends the 8 bits of b after the bits held. Requires has_room_for_byte().
  void push(std::uint8_t b) noexcept {
    acc_ |= std::uint64_t{kReverse[b]} << (56 - count_);
    count_ += 8;
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
