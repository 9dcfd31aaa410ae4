// libFuzzer target for the QEMU machine's cores in ilo-sim: bytes from QEMU's NBD client into the
// NBD server (every request it hands out is answered, READs with their exact length), or bytes
// from QEMU's monitor into the QMP line core. Nothing may crash, over-read or grow unbounded.
// The first byte picks the core (bit 0), read-only (bit 1) and the piece size.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/nbd_server.hpp"
#include "sim/qmp_channel.hpp"

namespace {

using namespace ilo::sim;

void nbd_side(std::span<const std::uint8_t> data, std::size_t piece, bool read_only) {
  NbdServer server({.size = 5 * 2048 + 100, .read_only = read_only});
  std::vector<std::uint8_t> zeros;
  while (!data.empty()) {
    const std::size_t n = std::min(piece, data.size());
    const std::size_t used = server.feed(data.first(n));
    if (used > n) __builtin_trap();
    data = data.subspan(used);
    while (server.has_request()) {
      const NbdRequest r = server.take_request();
      if (r.type == nbd::Command::read) {
        if (r.length > nbd::kMaxPayload || r.offset + r.length > 5 * 2048 + 100) __builtin_trap();
        zeros.assign(r.length, 0);
        server.reply(r.handle, nbd::kOk, zeros);
      } else {
        if (r.type == nbd::Command::write && r.data.size() != r.length) __builtin_trap();
        server.reply(r.handle, nbd::kOk);
      }
    }
    (void)server.take_output();
    if (used < n) break;  // closed or broken
  }
}

void qmp_side(std::span<const std::uint8_t> data, std::size_t piece) {
  QmpChannel channel;
  while (!data.empty() && !channel.broken()) {
    const std::size_t n = std::min(piece, data.size());
    channel.feed(data.first(n));
    data = data.subspan(n);
    while (auto m = channel.next()) (void)m->body.dump();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = bytes[0];
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  const std::size_t piece = 1 + (mode >> 2) * 7u;
  if ((mode & 1) == 0)
    nbd_side(data, piece, (mode & 2) != 0);
  else
    qmp_side(data, piece);
  return 0;
}
