// read_padded(): a bounded loop over Medium::read with zero fill (see medium.hpp).
#include "vm/medium.hpp"

#include <algorithm>

#include "vm/vm_error.hpp"

namespace ilo::vm {

std::error_code read_padded(const Medium& medium, std::uint64_t offset,
                            std::span<std::uint8_t> out) noexcept {
  const std::uint64_t size = medium.size();
  std::size_t done = 0;
  std::error_code ec;
  while (done < out.size()) {
    const std::uint64_t at = offset + done;  // cannot wrap: offsets come from 32-bit LBAs
    if (at >= size) break;
    const std::uint64_t left_on_medium = size - at;
    std::size_t want = out.size() - done;
    if (left_on_medium < want) want = static_cast<std::size_t>(left_on_medium);
    const MediumRead r = medium.read(out.subspan(done, want), at);
    if (r.ec || r.bytes == 0 || r.bytes > want) {
      ec = r.ec ? r.ec : make_error_code(VmError::medium_io);
      break;
    }
    done += r.bytes;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(done), out.end(), std::uint8_t{0});
  return ec;
}

}  // namespace ilo::vm
