// WritableFileMedium (see writable_file_medium.hpp): open with a read-only fallback, reads
// through fd_io, an EINTR-safe pwrite loop, fsync.
#include "media/writable_file_medium.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/fd_io.hpp"
#include "vm/vm_error.hpp"

namespace ilo::media {

std::shared_ptr<WritableFileMedium> WritableFileMedium::open(const std::string& path,
                                                             bool read_only,
                                                             std::error_code& ec) {
  ec.clear();
  int fd = read_only ? -1 : open_retrying(path, O_RDWR);
  if (fd < 0 && !read_only && errno != EACCES && errno != EROFS && errno != EPERM &&
      errno != ETXTBSY) {
    ec.assign(errno, std::system_category());
    return nullptr;
  }
  if (fd < 0) {
    read_only = true;
    fd = open_retrying(path, O_RDONLY);
  }
  if (fd < 0) {
    ec.assign(errno, std::system_category());
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ec.assign(errno, std::system_category());
    ::close(fd);
    return nullptr;
  }
  // A file nobody may write is presented write-protected even to root.
  if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0) read_only = true;
  const std::uint64_t size = st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return std::make_shared<WritableFileMedium>(fd, size, read_only);
}

WritableFileMedium::~WritableFileMedium() {
  if (fd_ < 0) return;
  if (!read_only_) (void)::fsync(fd_);  // the owner flushes first; this is the last resort
  ::close(fd_);
}

vm::MediumRead WritableFileMedium::read(std::span<std::uint8_t> out,
                                        std::uint64_t offset) const noexcept {
  return pread_within(fd_, size_, out, offset);
}

std::error_code WritableFileMedium::write(std::span<const std::uint8_t> data,
                                          std::uint64_t offset) const noexcept {
  if (read_only_) return std::make_error_code(std::errc::read_only_file_system);
  if (offset > size_ || data.size() > size_ - offset) return vm::VmError::write_past_end;
  std::size_t done = 0;
  while (done < data.size()) {
    const auto at = static_cast<off_t>(offset + done);
    const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, std::system_category()};
    }
    if (n == 0) return vm::VmError::medium_write;
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::error_code WritableFileMedium::flush() const noexcept {
  if (read_only_) return {};
  if (::fsync(fd_) != 0) return {errno, std::system_category()};
  return {};
}

}  // namespace ilo::media
