// Packs fields into the DVC video bit order (docs/rc-video.md#bit-writer): each field is appended
// most significant bit first, and bytes are filled from bit 0 upward. It also counts the zero
// bits at the end of the output (for the rule of #zero-run-safety). It knows no field meanings,
// does no encryption and no I/O.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ilo::rc {

class BitWriter {
 public:
  // A position in the stream that rewind() can return to.
  struct Mark {
    std::uint64_t bit = 0;        // absolute stream bit position
    std::uint32_t trailing = 0;   // trailing_zeros() at that position
  };

  // Appends the low `bits` bits of `value`, most significant first. 0 <= bits <= 32; higher
  // bits of `value` are ignored. Inline: the encoder calls it for every field.
  void put(std::uint32_t value, int bits);
  void put_bit(bool bit) { put(bit ? 1U : 0U, 1); }
  // Appends zero bits up to the next byte boundary (nothing if already aligned).
  void align();

  [[nodiscard]] bool aligned() const noexcept { return nbits_ == 0; }
  // Absolute stream position in bits / in whole bytes completed so far (taken or not).
  [[nodiscard]] std::uint64_t bit_position() const noexcept {
    return (taken_ + bytes_.size()) * 8 + nbits_;
  }
  [[nodiscard]] std::uint64_t byte_position() const noexcept { return taken_ + bytes_.size(); }
  // Bytes handed out by take() so far.
  [[nodiscard]] std::uint64_t bytes_taken() const noexcept { return taken_; }
  // Consecutive zero bits at the end of the output, across bytes and takes (stream order).
  // At the start of the stream (nothing written yet) it is 0.
  [[nodiscard]] std::uint32_t trailing_zeros() const noexcept { return trailing_; }

  // Completed bytes not yet taken; a trailing partial byte is not included.
  [[nodiscard]] std::span<const std::uint8_t> pending() const noexcept { return bytes_; }
  // Hands out the completed bytes and forgets them; a partial byte stays.
  std::vector<std::uint8_t> take();

  [[nodiscard]] Mark mark() const noexcept { return {bit_position(), trailing_}; }
  // Returns to an earlier mark, dropping everything written after it. Returns false (and
  // changes nothing) if the mark lies in bytes already taken or after the current position.
  bool rewind(const Mark& m);

 private:
  std::vector<std::uint8_t> bytes_;  // completed, not yet taken
  std::uint64_t taken_ = 0;          // bytes handed out by take()
  std::uint64_t acc_ = 0;            // pending bits, stream bit i at bit i
  int nbits_ = 0;                    // 0..7 pending bits between calls
  std::uint32_t trailing_ = 0;
};

namespace bit_writer_detail {
// kReverse[b] = b with its 8 bits in the opposite order.
inline constexpr std::array<std::uint8_t, 256> kReverse = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned r = 0;
    for (unsigned b = 0; b < 8; ++b)
      if (i & (1U << b)) r |= 0x80U >> b;
    t[i] = static_cast<std::uint8_t>(r);
  }
  return t;
}();

// The low `bits` (1..32) bits of v in reversed order (bit 0 <-> bit bits-1).
inline std::uint32_t reverse_bits(std::uint32_t v, int bits) noexcept {
  const std::uint32_t r = std::uint32_t{kReverse[v & 0xFF]} << 24 |
                          std::uint32_t{kReverse[(v >> 8) & 0xFF]} << 16 |
                          std::uint32_t{kReverse[(v >> 16) & 0xFF]} << 8 |
                          std::uint32_t{kReverse[v >> 24]};
  return r >> (32 - bits);
}
}  // namespace bit_writer_detail

inline void BitWriter::put(std::uint32_t value, int bits) {
  if (bits <= 0) return;
  if (bits > 32) bits = 32;
  if (bits < 32) value &= (1U << bits) - 1;
  // The first stream bit is the field's most significant bit; the accumulator holds stream
  // bit i at bit i, so the field goes in bit-reversed.
  acc_ |= std::uint64_t{bit_writer_detail::reverse_bits(value, bits)} << nbits_;
  nbits_ += bits;
  while (nbits_ >= 8) {
    bytes_.push_back(static_cast<std::uint8_t>(acc_ & 0xFF));
    acc_ >>= 8;
    nbits_ -= 8;
  }
  if (value == 0)
    trailing_ += static_cast<std::uint32_t>(bits);
  else
    trailing_ = static_cast<std::uint32_t>(std::countr_zero(value));  // last stream bits = low bits
}

}  // namespace ilo::rc
