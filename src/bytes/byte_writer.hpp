// The one bounds-checked writer every message builder in ilofs uses
// (docs/architecture.md#one-byte-reader). It fills a caller-provided buffer; a write that does not
// fit writes nothing and sets a sticky overflow flag. No allocation, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace ilo {

class ByteWriter {
 public:
  explicit ByteWriter(std::span<std::uint8_t> out) noexcept : out_(out) {}

  [[nodiscard]] std::size_t size() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return out_.size() - pos_; }
  [[nodiscard]] bool ok() const noexcept { return !overflow_; }
  [[nodiscard]] std::span<std::uint8_t> written() const noexcept { return out_.first(pos_); }

  ByteWriter& u8(std::uint8_t v) noexcept { return put_le(v, 1); }
  ByteWriter& u16le(std::uint16_t v) noexcept { return put_le(v, 2); }
  ByteWriter& u32le(std::uint32_t v) noexcept { return put_le(v, 4); }
  ByteWriter& u16be(std::uint16_t v) noexcept { return put_be(v, 2); }
  ByteWriter& u32be(std::uint32_t v) noexcept { return put_be(v, 4); }
  ByteWriter& u64be(std::uint64_t v) noexcept { return put_be(v, 8); }
  ByteWriter& bytes(std::span<const std::uint8_t> b) noexcept {
    if (!room(b.size())) return *this;
    if (!b.empty()) std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
    return *this;
  }
  ByteWriter& text(std::string_view s) noexcept {
    return bytes({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  }
  ByteWriter& zeros(std::size_t n) noexcept {
    if (!room(n)) return *this;
    std::memset(out_.data() + pos_, 0, n);
    pos_ += n;
    return *this;
  }

 private:
  bool room(std::size_t n) noexcept {
    if (overflow_ || remaining() < n) {
      overflow_ = true;
      return false;
    }
    return true;
  }
  ByteWriter& put_le(std::uint64_t v, std::size_t n) noexcept {
    if (!room(n)) return *this;
    for (std::size_t i = 0; i < n; ++i) out_[pos_ + i] = static_cast<std::uint8_t>(v >> (8 * i));
    pos_ += n;
    return *this;
  }
  ByteWriter& put_be(std::uint64_t v, std::size_t n) noexcept {
    if (!room(n)) return *this;
    for (std::size_t i = 0; i < n; ++i)
      out_[pos_ + i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
    pos_ += n;
    return *this;
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

}  // namespace ilo
