// libFuzzer target for the messages the mount accepts from (and sends to) its companion
// ilofs-rc (src/rcd/companion_protocol.hpp): any packet must parse to a value or be refused,
// never crash or read out of bounds, and what parses must encode back to the same bytes.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <span>

#include "rcd/companion_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::span<const std::uint8_t> packet(bytes, size);
  const auto message = ilo::rcd::proto::parse(packet);
  if (!message) return 0;
  const auto again = ilo::rcd::proto::encode(*message);
  if (again.size() != size || !std::equal(again.begin(), again.end(), packet.begin())) {
    std::abort();  // a packet we accept must be the one we would have sent
  }
  return 0;
}
