// The medium behind a virtual drive: its size and pread-style reads, so a front end can back
// it with a file, a file still being received or memory. The interface and one helper that
// fills a reply buffer with zero padding past the end; no implementation that does I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace ilo::vm {

struct MediumRead {
  std::size_t bytes = 0;  // bytes copied into the output
  std::error_code ec;     // set if the backing store failed
};

class Medium {
 public:
  Medium() = default;
  Medium(const Medium&) = delete;
  Medium& operator=(const Medium&) = delete;
  virtual ~Medium() = default;

  // Size in bytes. Constant for the life of the object.
  [[nodiscard]] virtual std::uint64_t size() const noexcept = 0;
  // Copies up to out.size() bytes starting at `offset`. May return fewer bytes than asked
  // (always at the end of the medium, 0 at or past it); callers loop (read_padded does).
  // Safe to call from another thread than the one driving the target only if the
  // implementation says so.
  virtual MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept = 0;
};

// Fills all of `out` from `offset`: the medium's bytes, then zeros past its end (a final
// partial 2048-byte block is padded this way). VmError::medium_io if the medium fails or stops
// making progress before its end; `out` is then fully overwritten with zeros beyond the error.
std::error_code read_padded(const Medium& medium, std::uint64_t offset,
                            std::span<std::uint8_t> out) noexcept;

}  // namespace ilo::vm
