// The frame seqlock over a memfd (see shared_frame.hpp). The writer owns the memfd and is the
// only one to store into it; a reader maps it read-only and trusts nothing in it: the size
// fields are bounds-checked against the mapping before every copy, and a torn copy is retried.
// No locks, no system calls on the hot path.
#include "rcd/shared_frame.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include "rc/framebuffer.hpp"

namespace ilo::rcd {
namespace {

constexpr std::uint32_t kMagic = 0x4652434c;  // "LCRF" little-endian: ilofs-rc frame
constexpr std::uint32_t kVersion = 1;
constexpr int kMaxReadAttempts = 1000;

// The layout at the start of the mapping; the pixels follow at kHeaderSize. Every field a
// reader looks at after open is an atomic, so concurrent access is defined; the seqlock makes
// a consistent set of them.
struct Header {
  std::uint32_t magic;                  // kMagic, written once before the fd is shared
  std::uint32_t version;                // kVersion, idem
  std::atomic<std::uint64_t> sequence;  // odd while the writer is inside a frame
  std::atomic<std::uint32_t> width;
  std::atomic<std::uint32_t> height;
  std::uint64_t capacity;               // bytes of pixels after the header, written once
};
// Atomics in memory shared between processes are only sound when they are lock-free (a
// lock-based atomic keeps its lock in the process, not in the mapping).
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == sizeof(std::uint64_t));
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

constexpr std::size_t kHeaderSize = 64;  // one cache line; the pixels start aligned
static_assert(sizeof(Header) <= kHeaderSize);
constexpr std::size_t kCapacity = rc::Framebuffer::kMaxBytes;
constexpr std::size_t kMapSize = kHeaderSize + kCapacity;

std::error_code last_error() { return {errno, std::generic_category()}; }

// Relaxed loads and stores of pixel bytes would be the pedantic form; a plain memcpy under a
// seqlock with fences on both sides is the established practice (Linux vDSO, Boehm 2012), and
// the result is only used once the sequence proves it whole.
void copy_out(void* dst, const void* src, std::size_t n) { std::memcpy(dst, src, n); }

}  // namespace

// ---------------------------------------------------------------------------------------
// Writer

SharedFrameWriter SharedFrameWriter::create(std::error_code& ec) {
  ec.clear();
  SharedFrameWriter w;
  const int fd = ::memfd_create("ilofs-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    ec = last_error();
    return w;
  }
  w.fd_ = fd;
  // Sparse: pages beyond the current screen are never touched and never allocated.
  if (::ftruncate(fd, static_cast<off_t>(kMapSize)) != 0 ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    ec = last_error();
    return SharedFrameWriter{};  // w's destructor closes the fd
  }
  void* map = ::mmap(nullptr, kMapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    ec = last_error();
    return SharedFrameWriter{};
  }
  w.map_ = map;
  w.map_size_ = kMapSize;
  auto* h = new (map) Header{};
  h->magic = kMagic;
  h->version = kVersion;
  h->capacity = kCapacity;
  h->sequence.store(0, std::memory_order_release);
  return w;
}

SharedFrameWriter::SharedFrameWriter(SharedFrameWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      last_width_(std::exchange(other.last_width_, -1)),
      last_height_(std::exchange(other.last_height_, -1)) {}

SharedFrameWriter& SharedFrameWriter::operator=(SharedFrameWriter&& other) noexcept {
  if (this != &other) {
    this->~SharedFrameWriter();
    fd_ = std::exchange(other.fd_, -1);
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
    last_width_ = std::exchange(other.last_width_, -1);
    last_height_ = std::exchange(other.last_height_, -1);
  }
  return *this;
}

SharedFrameWriter::~SharedFrameWriter() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  if (fd_ >= 0) ::close(fd_);
  map_ = nullptr;
  fd_ = -1;
}

bool SharedFrameWriter::publish(int width, int height,
                                std::span<const std::uint8_t> pixels) noexcept {
  return publish_rows(width, height, pixels, 0, -1);
}

bool SharedFrameWriter::publish_rows(int width, int height, std::span<const std::uint8_t> pixels,
                                     int first_row, int rows) noexcept {
  if (map_ == nullptr || width < 0 || height < 0 || width > rc::Framebuffer::kMaxWidth ||
      height > rc::Framebuffer::kMaxHeight) {
    return false;
  }
  const std::size_t stride = std::size_t(width) * 3;
  const std::size_t bytes = stride * std::size_t(height);
  if (bytes != pixels.size() || bytes > kCapacity) return false;
  // The part to copy: the given rows clamped to the screen, or all of it after a size change.
  std::size_t from = 0, to = bytes;
  if (width == last_width_ && height == last_height_ && rows >= 0) {
    const int y0 = std::clamp(first_row, 0, height);
    const int y1 = std::clamp(first_row + std::min(rows, height), y0, height);
    from = stride * std::size_t(y0);
    to = stride * std::size_t(y1);
  }
  auto* h = static_cast<Header*>(map_);
  auto* data = static_cast<std::uint8_t*>(map_) + kHeaderSize;
  const std::uint64_t seq = h->sequence.load(std::memory_order_relaxed);
  h->sequence.store(seq + 1, std::memory_order_relaxed);  // odd: a frame is being written
  std::atomic_thread_fence(std::memory_order_release);    // ... before any byte below
  h->width.store(std::uint32_t(width), std::memory_order_relaxed);
  h->height.store(std::uint32_t(height), std::memory_order_relaxed);
  if (to > from) std::memcpy(data + from, pixels.data() + from, to - from);
  h->sequence.store(seq + 2, std::memory_order_release);  // even: complete
  last_width_ = width;
  last_height_ = height;
  return true;
}

std::uint64_t SharedFrameWriter::sequence() const noexcept {
  if (map_ == nullptr) return 0;
  return static_cast<const Header*>(map_)->sequence.load(std::memory_order_acquire);
}

// ---------------------------------------------------------------------------------------
// Reader

SharedFrameReader SharedFrameReader::open(int fd, std::error_code& ec) {
  ec.clear();
  SharedFrameReader r;
  if (fd < 0) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return r;
  }
  r.fd_ = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ec = last_error();
    return SharedFrameReader{};
  }
  // The size must be exactly ours, and sealed so the writer cannot shrink it under our
  // mapping (a SIGBUS in the mount otherwise).
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (!S_ISREG(st.st_mode) || st.st_size != static_cast<off_t>(kMapSize) || seals < 0 ||
      (seals & F_SEAL_SHRINK) == 0) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return SharedFrameReader{};
  }
  void* map = ::mmap(nullptr, kMapSize, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    ec = last_error();
    return SharedFrameReader{};
  }
  const auto* h = static_cast<const Header*>(map);
  if (h->magic != kMagic || h->version != kVersion || h->capacity != kCapacity) {
    ::munmap(map, kMapSize);
    ec = std::make_error_code(std::errc::invalid_argument);
    return SharedFrameReader{};
  }
  r.map_ = map;
  r.map_size_ = kMapSize;
  return r;
}

SharedFrameReader::SharedFrameReader(SharedFrameReader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)) {}

SharedFrameReader& SharedFrameReader::operator=(SharedFrameReader&& other) noexcept {
  if (this != &other) {
    this->~SharedFrameReader();
    fd_ = std::exchange(other.fd_, -1);
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
  }
  return *this;
}

SharedFrameReader::~SharedFrameReader() {
  if (map_ != nullptr) ::munmap(const_cast<void*>(map_), map_size_);
  if (fd_ >= 0) ::close(fd_);
  map_ = nullptr;
  fd_ = -1;
}

std::uint64_t SharedFrameReader::sequence() const noexcept {
  if (map_ == nullptr) return 0;
  const std::uint64_t seq =
      static_cast<const Header*>(map_)->sequence.load(std::memory_order_acquire);
  return seq & ~std::uint64_t{1};  // mid-frame: the frame before is the latest complete one
}

bool SharedFrameReader::snapshot(FrameSnapshot& out) const {
  if (map_ == nullptr) return false;
  // The header is written by another process: const atomics are only loaded.
  const auto* h = static_cast<const Header*>(map_);
  const auto* data = static_cast<const std::uint8_t*>(map_) + kHeaderSize;
  for (int attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
    const std::uint64_t before = h->sequence.load(std::memory_order_acquire);
    if (before == 0) return false;  // nothing published yet
    if (before & 1) continue;       // the writer is inside a frame
    const std::uint32_t width = h->width.load(std::memory_order_relaxed);
    const std::uint32_t height = h->height.load(std::memory_order_relaxed);
    // Bounds first: a torn or hostile header must not make us read past the mapping.
    bool sane = width <= std::uint32_t(rc::Framebuffer::kMaxWidth) &&
                height <= std::uint32_t(rc::Framebuffer::kMaxHeight);
    const std::size_t bytes = sane ? std::size_t(width) * height * 3 : 0;
    sane = sane && bytes <= kCapacity;
    if (sane) {
      out.pixels.resize(bytes);
      if (bytes > 0) copy_out(out.pixels.data(), data, bytes);
    }
    std::atomic_thread_fence(std::memory_order_acquire);  // the copy happens before ...
    const std::uint64_t after = h->sequence.load(std::memory_order_relaxed);  // ... this load
    if (after != before) continue;
    if (!sane) return false;  // consistent but impossible: not a writer of ours
    out.sequence = before;
    out.width = int(width);
    out.height = int(height);
    return true;
  }
  return false;
}

}  // namespace ilo::rcd
