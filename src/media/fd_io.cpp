// The descriptor helpers of fd_io.hpp: EINTR-safe open, fstat size and the bounded pread loop.
#include "media/fd_io.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ilo::media {

int open_retrying(const std::string& path, int flags) noexcept {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

std::uint64_t file_size(int fd, std::error_code& ec) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ec.assign(errno, std::system_category());
    return 0;
  }
  return st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

vm::MediumRead pread_within(int fd, std::uint64_t size, std::span<std::uint8_t> out,
                            std::uint64_t offset) noexcept {
  vm::MediumRead result;
  if (offset >= size) return result;
  std::size_t want = out.size();
  if (size - offset < want) want = static_cast<std::size_t>(size - offset);
  while (result.bytes < want) {
    const auto at = static_cast<off_t>(offset + result.bytes);
    const ssize_t n = ::pread(fd, out.data() + result.bytes, want - result.bytes, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.ec.assign(errno, std::system_category());
      break;
    }
    if (n == 0) break;  // the file is shorter than the size given (growing or truncated)
    result.bytes += static_cast<std::size_t>(n);
  }
  return result;
}

}  // namespace ilo::media
