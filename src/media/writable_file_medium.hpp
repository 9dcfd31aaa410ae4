// A writable virtual-media Medium on a file (the USB key / floppy,
// docs/virtual-media.md#floppy-and-usb-key-model): pread/pwrite in place with EINTR retries, fsync
// on flush and before close. It is read-only (and says so, so the target presents it
// write-protected) when asked to be, when the file cannot be opened for writing, or when its mode
// has no write bit (root could write anyway). It does not cache, grow or truncate the file; its
// size is fixed when it is opened.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "vm/writable_medium.hpp"

namespace ilo::media {

class WritableFileMedium final : public vm::WritableMedium {
 public:
  // Opens `path` (following symlinks) for reading and, unless `read_only` or the file refuses
  // it, writing. Errors are the errno of open/fstat as a system error.
  static std::shared_ptr<WritableFileMedium> open(const std::string& path, bool read_only,
                                                  std::error_code& ec);
  // Takes ownership of `fd` (fsynced if writable, then closed by the destructor).
  WritableFileMedium(int fd, std::uint64_t size, bool read_only) noexcept
      : fd_(fd), size_(size), read_only_(read_only) {}
  ~WritableFileMedium() override;

  [[nodiscard]] std::uint64_t size() const noexcept override { return size_; }
  // Safe from any thread (pread/pwrite have no shared offset).
  vm::MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override;
  std::error_code write(std::span<const std::uint8_t> data,
                        std::uint64_t offset) const noexcept override;
  // fsync(2); nothing for a read-only medium.
  std::error_code flush() const noexcept override;
  [[nodiscard]] bool read_only() const noexcept override { return read_only_; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
  bool read_only_ = true;
};

}  // namespace ilo::media
