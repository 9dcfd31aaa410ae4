// A medium the server may write to (the floppy/USB-key model,
// docs/virtual-media.md#floppy-and-usb-key-model): Medium plus in-place writes, a flush that makes
// them durable and a read-only mark. The interface only; file-backed media live in src/media, a
// memory one in memory_medium.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <system_error>

#include "vm/medium.hpp"

namespace ilo::vm {

// The write calls are const like read(): they change the medium's contents, not the object,
// and a target holds its medium as `const Medium` whatever it can do. Writable media are
// used from the one strand that drives the target (plus flush() from its owner).
class WritableMedium : public Medium {
 public:
  // Writes all of `data` at `offset`; offset + data.size() must not pass size() (callers
  // check; an implementation refuses with VmError::write_past_end). On failure part of the data
  // may have been written.
  virtual std::error_code write(std::span<const std::uint8_t> data,
                                std::uint64_t offset) const noexcept = 0;
  // Makes every write so far durable (fsync for files).
  virtual std::error_code flush() const noexcept = 0;
  // The medium refuses writes (a read-only file): targets present it write-protected.
  [[nodiscard]] virtual bool read_only() const noexcept = 0;
};

// The medium as writable, or null if it is read-only or cannot be written at all.
[[nodiscard]] inline const WritableMedium* writable(const Medium* medium) noexcept {
  const auto* w = dynamic_cast<const WritableMedium*>(medium);
  return w != nullptr && !w->read_only() ? w : nullptr;
}

}  // namespace ilo::vm
