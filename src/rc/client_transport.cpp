// Client transport: exact cipher switching around the video decoder (see client_transport.hpp).
// A chunk is decrypted at once with a snapshot (clone) of the receive cipher taken first; if
// the decoder stops early because a cipher selection completed, the snapshot is restored and
// advanced over exactly the bytes used, so no keystream is lost.
#include "rc/client_transport.hpp"

#include <algorithm>

#include "rc/rc_error.hpp"

namespace ilo::rc {

ClientTransport::ClientTransport(const StreamKey& key, VideoDecoder& decoder,
                                 ClientTransportOptions options)
    : decoder_(decoder), rx_(key, options.cipher3), tx_(key, options.cipher3) {}

std::error_code ClientTransport::switch_cipher(std::uint8_t cipher) {
  if (auto ec = rx_.select(cipher)) return ec;
  return tx_.select(cipher);
}

std::error_code ClientTransport::feed(std::span<const std::uint8_t> raw) {
  while (!error_ && !raw.empty()) {
    FeedResult fr;
    std::size_t offered = 0;
    if (!rx_.active()) {
      offered = raw.size();
      fr = decoder_.feed(raw);
    } else {
      offered = std::min(raw.size(), kChunk);
      scratch_.assign(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(offered));
      crypto::StreamCipher& cipher = rx_.cipher();
      crypto::StreamCipher snapshot = cipher.clone();
      cipher.apply(scratch_);
      fr = decoder_.feed(scratch_);
      if (fr.consumed < offered) {
        // Give back the keystream of the bytes the decoder did not take.
        cipher = std::move(snapshot);
        cipher.apply(std::span(scratch_).first(std::min(fr.consumed, offered)));
      }
    }
    if (fr.consumed == 0 || fr.consumed > offered) {
      error_ = RcError::decoder_stalled;
      break;
    }
    raw = raw.subspan(fr.consumed);
    if (fr.cipher_changed) error_ = switch_cipher(fr.cipher);
  }
  return error_;
}

void ClientTransport::encode(const InputMessage& message, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  encode_input_message(message, out);
  tx_.apply(std::span(out).subspan(start));
}

std::vector<std::uint8_t> ClientTransport::encode(const InputMessage& message) {
  std::vector<std::uint8_t> out;
  out.reserve(kMaxInputMessageSize);
  encode(message, out);
  return out;
}

}  // namespace ilo::rc
