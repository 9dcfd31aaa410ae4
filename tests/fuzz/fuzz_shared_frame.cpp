// libFuzzer target for the frame memory the mount maps from its companion (src/rcd/shared_frame):
// a compromised ilofs-rc controls every byte of it. The input becomes the header and the first
// pixels of a real frame memfd (as the writer makes it: sized and sealed), or, with bit 0 of
// the first byte, a memfd of any size with or without seals; the reader must refuse it or copy
// a frame whose size matches its pixels, never read outside the mapping or trust a field.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <system_error>

#include "rcd/shared_frame.hpp"

namespace {

using namespace ilo::rcd;

// Copies `bytes` over the start of the memfd `fd` through a mapping of its first `span` bytes.
bool overwrite(int fd, std::span<const std::uint8_t> bytes, std::size_t span) {
  if (bytes.empty()) return true;
  void* map = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return false;
  std::memcpy(map, bytes.data(), std::min(bytes.size(), span));
  ::munmap(map, span);
  return true;
}

void check_snapshot(const SharedFrameReader& reader) {
  FrameSnapshot frame;
  if (!reader.snapshot(frame)) return;
  if (frame.width < 0 || frame.height < 0 || frame.sequence % 2 != 0) std::abort();
  if (frame.pixels.size() != std::size_t(frame.width) * std::size_t(frame.height) * 3) {
    std::abort();
  }
  (void)reader.sequence();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = bytes[0];
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  std::error_code ec;
  if ((control & 1) == 0) {
    // The writer's own memfd, then the companion scribbles over its header and pixels.
    SharedFrameWriter writer = SharedFrameWriter::create(ec);
    if (ec) std::abort();
    if (!overwrite(writer.fd(), data, 1 << 16)) std::abort();
    const int fd = ::fcntl(writer.fd(), F_DUPFD_CLOEXEC, 0);
    SharedFrameReader reader = SharedFrameReader::open(fd, ec);
    if (!ec) check_snapshot(reader);
    return 0;
  }
  // A memfd the companion made itself: size from the input (up to 16 MiB), sealed or not.
  const int fd = ::memfd_create("fuzz-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) std::abort();
  std::uint32_t length = 0;
  std::memcpy(&length, data.data(), std::min<std::size_t>(data.size(), 4));
  length &= (1u << 24) - 1;
  const auto body = data.size() > 4 ? data.subspan(4) : std::span<const std::uint8_t>();
  if (::ftruncate(fd, length) != 0 ||
      (length > 0 && !overwrite(fd, body, std::min<std::size_t>(length, 1 << 16)))) {
    ::close(fd);
    return 0;
  }
  if (control & 2) ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
  SharedFrameReader reader = SharedFrameReader::open(fd, ec);  // takes fd
  if (!ec) check_snapshot(reader);
  return 0;
}
