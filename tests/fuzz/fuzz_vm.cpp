// libFuzzer target for the virtual-media core (docs/virtual-media.md): a request stream through the
// frame reader into the CD-ROM target (every opcode and field) or into the floppy/USB-key
// target (requests with data-out), and arbitrary "client" bytes into the simulator's
// initiators. Replies must stay within their stated lengths; nothing may crash or over-read.
// The first byte picks the side (bits 0-1), for the targets the medium (bit 2: a file, as the
// mount serves, which for the CD-ROM also shrinks under the target now and then, as a symlinked
// image's file can) and the piece size (bits 3-7).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "media/file_medium.hpp"
#include "media/writable_file_medium.hpp"
#include "vm/cdrom_target.hpp"
#include "vm/floppy_initiator.hpp"
#include "vm/floppy_target.hpp"
#include "vm/initiator.hpp"
#include "vm/memory_medium.hpp"
#include "vm/wire.hpp"

namespace {

using namespace ilo::vm;

// A memfd holding `bytes` (-1 on failure), and the path that opens it again.
int memory_file(const std::vector<std::uint8_t>& bytes) {
  const int fd = ::memfd_create("fuzz-medium", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (::pwrite(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}
std::string path_of(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

void target_side(std::span<const std::uint8_t> data, std::size_t piece, bool file) {
  // A small disc with a partial last block, so range and padding paths are reachable.
  std::vector<std::uint8_t> disc(5 * 2048 + 100);
  for (std::size_t i = 0; i < disc.size(); ++i) disc[i] = static_cast<std::uint8_t>(i * 7);
  std::shared_ptr<const Medium> medium;
  int fd = -1;
  if (file) {
    fd = memory_file(disc);
    std::error_code ec;
    if (fd >= 0) medium = ilo::media::FileMedium::open(path_of(fd), ec);
    if (!medium) std::abort();
  } else {
    medium = std::make_shared<MemoryMedium>(std::move(disc));
  }
  CdromTarget target(medium);
  RequestReader reader;
  std::size_t n = 0;
  while (!data.empty()) {
    auto chunk = data.first(std::min(piece, data.size()));
    const std::size_t used = reader.feed(chunk);
    if (used == 0 || used > chunk.size()) std::abort();
    data = data.subspan(used);
    if (!reader.complete()) continue;
    const Reply reply = target.handle(reader.bytes());
    (void)reply;
    reader.clear();
    // Exercise live medium changes too, and a file shrinking under the target.
    if (++n % 7 == 0) target.eject();
    if (n % 11 == 0) target.insert(medium);
    if (fd >= 0 && n % 13 == 0 && ::ftruncate(fd, 3 * 2048 - 5) != 0) std::abort();
  }
  if (fd >= 0) ::close(fd);
}

void initiator_side(std::span<const std::uint8_t> data, std::size_t piece) {
  Initiator init;
  init.enumerate();
  while (!data.empty()) {
    while (init.take_request()) {
    }
    auto chunk = data.first(std::min(piece, data.size()));
    const std::size_t used = init.feed(chunk);
    if (used > chunk.size()) std::abort();
    if (used == 0) return;  // disconnected or broken: the connection would close
    data = data.subspan(used);
    if (init.phase() == Initiator::Phase::idle) {
      if (!init.read_disc()) init.enumerate();
    }
  }
}

void floppy_target_side(std::span<const std::uint8_t> data, std::size_t piece, bool file) {
  std::vector<std::uint8_t> disk(9 * 512 + 100);
  std::shared_ptr<WritableMedium> medium;
  int fd = -1;
  if (file) {  // the file the mount writes the server's blocks into (pwrite in place)
    fd = memory_file(disk);
    std::error_code ec;
    if (fd >= 0) medium = ilo::media::WritableFileMedium::open(path_of(fd), false, ec);
    if (!medium) std::abort();
  } else {
    medium = std::make_shared<MemoryWritableMedium>(std::move(disk));
  }
  FloppyTarget target(medium);
  std::size_t n = 0;
  while (!data.empty()) {
    auto chunk = data.first(std::min(piece, data.size()));
    const std::size_t used = target.feed(chunk);
    if (used > chunk.size()) std::abort();
    data = data.subspan(used);
    if (auto reply = target.take_reply()) {
      if (reply->data_length > 256 * 512) std::abort();
      if (++n % 7 == 0) target.eject();
      if (n % 11 == 0) target.insert(medium);
    } else if (used < chunk.size()) {
      std::abort();  // stopped without a reply
    }
  }
  if (medium->size() != 9 * 512 + 100) std::abort();  // writes never grow the medium
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size != 9 * 512 + 100) std::abort();  // nor the file
    ::close(fd);
  }
}

void floppy_initiator_side(std::span<const std::uint8_t> data, std::size_t piece) {
  FloppyInitiator init;
  init.enumerate();
  while (!data.empty()) {
    while (init.take_output()) {
    }
    auto chunk = data.first(std::min(piece, data.size()));
    const std::size_t used = init.feed(chunk);
    if (used > chunk.size()) std::abort();
    if (used == 0) return;
    data = data.subspan(used);
    if (init.phase() == FloppyInitiator::Phase::idle &&
        !init.write(1, std::vector<std::uint8_t>(1024)))
      init.enumerate();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  const std::size_t piece = 1 + (bytes[0] >> 3);
  const bool file = (bytes[0] & 4) != 0;
  switch (bytes[0] & 3) {
    case 0: target_side(data, piece, file); break;
    case 1: initiator_side(data, piece); break;
    case 2: floppy_target_side(data, piece, file); break;
    default: floppy_initiator_side(data, piece); break;
  }
  return 0;
}
