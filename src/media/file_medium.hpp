// A virtual-media Medium backed by a file descriptor: pread() with EINTR retries and short
// reads handled, safe to call from any thread (pread has no shared file offset). It does not
// cache, map or watch the file; its size is fixed when it is made.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "vm/medium.hpp"

namespace ilo::media {

class FileMedium final : public vm::Medium {
 public:
  // Opens `path` read-only. The size is `size` if given (a file still being written may be
  // shorter for now: reads past its current end fail as medium errors), else the file's size
  // at open. Errors are the errno of open/fstat as a system error.
  static std::shared_ptr<FileMedium> open(const std::string& path, std::error_code& ec,
                                          std::optional<std::uint64_t> size = std::nullopt);
  // Takes ownership of `fd` (closed by the destructor).
  FileMedium(int fd, std::uint64_t size) noexcept : fd_(fd), size_(size) {}
  ~FileMedium() override;

  [[nodiscard]] std::uint64_t size() const noexcept override { return size_; }
  // Loops over pread until `out` is full, the file ends (fewer bytes) or it fails (ec; the
  // bytes read before the failure are counted).
  vm::MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override;

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace ilo::media
