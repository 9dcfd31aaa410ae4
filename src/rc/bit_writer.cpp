// Packs fields into the DVC video bit order (docs/rc-video.md#bit-writer): the non-inline part
// (alignment, take, rewind). See bit_writer.hpp.
#include "rc/bit_writer.hpp"

namespace ilo::rc {

void BitWriter::align() {
  if (nbits_ != 0) put(0, 8 - nbits_);
}

std::vector<std::uint8_t> BitWriter::take() {
  std::vector<std::uint8_t> out;
  out.swap(bytes_);
  taken_ += out.size();
  return out;
}

bool BitWriter::rewind(const Mark& m) {
  if (m.bit < taken_ * 8 || m.bit > bit_position()) return false;
  const std::uint64_t rel = m.bit - taken_ * 8;
  const auto keep_bytes = static_cast<std::size_t>(rel / 8);
  const int keep_bits = static_cast<int>(rel % 8);
  std::uint64_t partial = 0;
  if (keep_bits != 0) {
    // The byte holding the mark's partial bits is either completed (in bytes_) or the
    // accumulator's low byte.
    partial = keep_bytes < bytes_.size() ? bytes_[keep_bytes] : (acc_ & 0xFF);
    partial &= (std::uint64_t{1} << keep_bits) - 1;
  }
  bytes_.resize(keep_bytes);
  acc_ = partial;
  nbits_ = keep_bits;
  trailing_ = m.trailing;
  return true;
}

}  // namespace ilo::rc
