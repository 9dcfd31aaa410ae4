// FileMedium (see file_medium.hpp): open and read through fd_io.
#include "media/file_medium.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

#include "media/fd_io.hpp"

namespace ilo::media {

std::shared_ptr<FileMedium> FileMedium::open(const std::string& path, std::error_code& ec,
                                             std::optional<std::uint64_t> size) {
  ec.clear();
  const int fd = open_retrying(path, O_RDONLY);
  if (fd < 0) {
    ec.assign(errno, std::system_category());
    return nullptr;
  }
  const std::uint64_t bytes = size ? *size : file_size(fd, ec);
  if (ec) {
    ::close(fd);
    return nullptr;
  }
  return std::make_shared<FileMedium>(fd, bytes);
}

FileMedium::~FileMedium() {
  if (fd_ >= 0) ::close(fd_);
}

vm::MediumRead FileMedium::read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept {
  return pread_within(fd_, size_, out, offset);
}

}  // namespace ilo::media
