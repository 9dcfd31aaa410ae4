// The one bounds-checked reader every parser in ilofs uses (docs/architecture.md#one-byte-reader).
// Reads past the end never touch memory: they return zero and set a sticky overflow flag, so a
// parser can read a whole structure and check ok() once. It does no allocation and no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ilo {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) noexcept : data_(data) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] bool has(std::size_t n) const noexcept { return !overflow_ && remaining() >= n; }
  // True while no read has gone past the end.
  [[nodiscard]] bool ok() const noexcept { return !overflow_; }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }

  std::uint8_t u8() noexcept {
    if (!take(1)) return 0;
    return data_[pos_ - 1];
  }
  std::uint16_t u16le() noexcept { return static_cast<std::uint16_t>(uint_le(2)); }
  std::uint32_t u32le() noexcept { return static_cast<std::uint32_t>(uint_le(4)); }
  std::uint16_t u16be() noexcept { return static_cast<std::uint16_t>(uint_be(2)); }
  std::uint32_t u32be() noexcept { return static_cast<std::uint32_t>(uint_be(4)); }
  std::uint64_t u64be() noexcept { return uint_be(8); }

  // The next n bytes, or an empty span (and overflow) if fewer remain.
  std::span<const std::uint8_t> bytes(std::size_t n) noexcept {
    if (!take(n)) return {};
    return data_.subspan(pos_ - n, n);
  }
  // The next n bytes as text (no validation), or empty on overflow.
  std::string_view text(std::size_t n) noexcept {
    auto b = bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  void skip(std::size_t n) noexcept { take(n); }
  std::span<const std::uint8_t> rest() noexcept { return bytes(remaining()); }

 private:
  bool take(std::size_t n) noexcept {
    if (overflow_ || remaining() < n) {
      overflow_ = true;
      pos_ = data_.size();
      return false;
    }
    pos_ += n;
    return true;
  }
  std::uint64_t uint_le(std::size_t n) noexcept {
    auto b = bytes(n);
    std::uint64_t v = 0;
    for (std::size_t i = b.size(); i-- > 0;) v = (v << 8) | b[i];
    return v;
  }
  std::uint64_t uint_be(std::size_t n) noexcept {
    auto b = bytes(n);
    std::uint64_t v = 0;
    for (std::uint8_t x : b) v = (v << 8) | x;
    return v;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

}  // namespace ilo
