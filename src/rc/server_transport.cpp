// Simulator-side console transport (see server_transport.hpp).
#include "rc/server_transport.hpp"

namespace ilo::rc {

ServerTransport::ServerTransport(const StreamKey& key, ServerTransportOptions options)
    : rx_(key, options.cipher3), tx_(key, options.cipher3) {}

std::error_code ServerTransport::select_cipher(std::uint8_t cipher) {
  if (auto ec = tx_.select(cipher)) return ec;
  return rx_.select(cipher);
}

InputFeedResult ServerTransport::feed(std::span<const std::uint8_t> raw) {
  InputFeedResult out;
  if (parser_.failed()) {
    out.error = parser_.feed({}).error;
    return out;
  }
  // Every byte is consumed (a failed parse ends the connection), so the whole input can be
  // decrypted at once.
  scratch_.assign(raw.begin(), raw.end());
  rx_.apply(scratch_);
  std::span<const std::uint8_t> clear(scratch_);
  while (!clear.empty()) {
    auto r = parser_.feed(clear);
    clear = clear.subspan(r.consumed);
    if (r.message) out.messages.push_back(std::move(*r.message));
    if (r.error) {
      out.error = r.error;
      break;
    }
    if (r.consumed == 0) break;  // cannot happen with non-empty input; never spin
  }
  return out;
}

}  // namespace ilo::rc
