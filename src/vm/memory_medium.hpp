// A medium held in memory (tests, the simulator's generated discs). It owns its bytes; it
// is not a cache in front of a file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "vm/medium.hpp"

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

}  // namespace ilo::vm
