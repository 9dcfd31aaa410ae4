// Media held in memory (tests, the simulator's generated discs): read-only and writable (with
// a switch that makes the store fail, for I/O error tests). They own their bytes; they are not
// caches in front of files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "vm/medium.hpp"
#include "vm/vm_error.hpp"
#include "vm/writable_medium.hpp"

namespace ilo::vm {

class MemoryMedium final : public Medium {
 public:
  explicit MemoryMedium(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}

  [[nodiscard]] std::uint64_t size() const noexcept override { return bytes_.size(); }
  MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override {
    if (offset >= bytes_.size()) return {};
    const auto at = static_cast<std::size_t>(offset);
    const std::size_t n = std::min(out.size(), bytes_.size() - at);
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
    return {n, {}};
  }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Not thread-safe: tests use it from one thread.
class MemoryWritableMedium final : public WritableMedium {
 public:
  explicit MemoryWritableMedium(std::vector<std::uint8_t> bytes, bool read_only = false)
      : bytes_(std::move(bytes)), read_only_(read_only) {}

  [[nodiscard]] std::uint64_t size() const noexcept override { return bytes_.size(); }
  MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override {
    if (failing_) return {0, make_error_code(VmError::medium_io)};
    if (offset >= bytes_.size()) return {};
    const auto at = static_cast<std::size_t>(offset);
    const std::size_t n = std::min(out.size(), bytes_.size() - at);
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
    return {n, {}};
  }
  std::error_code write(std::span<const std::uint8_t> data,
                        std::uint64_t offset) const noexcept override {
    if (failing_) return VmError::medium_write;
    if (offset > bytes_.size() || data.size() > bytes_.size() - offset)
      return VmError::write_past_end;
    std::copy(data.begin(), data.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(offset));
    return {};
  }
  std::error_code flush() const noexcept override {
    ++flushes_;
    return failing_ ? make_error_code(VmError::medium_write) : std::error_code{};
  }
  [[nodiscard]] bool read_only() const noexcept override { return read_only_; }

  void set_failing(bool on) noexcept { failing_ = on; }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }
  [[nodiscard]] unsigned flushes() const noexcept { return flushes_; }

 private:
  mutable std::vector<std::uint8_t> bytes_;
  bool read_only_ = false;
  bool failing_ = false;
  mutable unsigned flushes_ = 0;
};

}  // namespace ilo::vm
