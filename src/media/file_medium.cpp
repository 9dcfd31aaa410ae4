// FileMedium (see file_medium.hpp): open/fstat and an EINTR-safe pread loop.
#include "media/file_medium.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ilo::media {

std::shared_ptr<FileMedium> FileMedium::open(const std::string& path, std::error_code& ec,
                                             std::optional<std::uint64_t> size) {
  ec.clear();
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ec.assign(errno, std::system_category());
    return nullptr;
  }
  std::uint64_t bytes = 0;
  if (size) {
    bytes = *size;
  } else {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ec.assign(errno, std::system_category());
      ::close(fd);
      return nullptr;
    }
    bytes = st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  return std::make_shared<FileMedium>(fd, bytes);
}

FileMedium::~FileMedium() {
  if (fd_ >= 0) ::close(fd_);
}

vm::MediumRead FileMedium::read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept {
  vm::MediumRead result;
  if (offset >= size_) return result;
  std::size_t want = out.size();
  if (size_ - offset < want) want = static_cast<std::size_t>(size_ - offset);
  while (result.bytes < want) {
    const auto at = static_cast<off_t>(offset + result.bytes);
    const ssize_t n = ::pread(fd_, out.data() + result.bytes, want - result.bytes, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.ec.assign(errno, std::system_category());
      break;
    }
    if (n == 0) break;  // the file is shorter than its announced size (still growing)
    result.bytes += static_cast<std::size_t>(n);
  }
  return result;
}

}  // namespace ilo::media
