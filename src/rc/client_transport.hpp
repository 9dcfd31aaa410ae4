// Client side of the console connection after the handshake, DVC mode (docs/rc-transport.md):
// received bytes are decrypted with the receive cipher and fed to the VideoDecoder, switching
// cipher exactly after the byte in which command 12/13 completed; input messages are encoded
// and encrypted with the send cipher, which is switched at the same moment. Sans-I/O; legacy
// telnet mode is not implemented (unreachable in this protocol version).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "crypto/stream_cipher.hpp"
#include "rc/cipher_channel.hpp"
#include "rc/input_messages.hpp"
#include "rc/key_encoding.hpp"
#include "rc/video_decoder.hpp"

namespace ilo::rc {

struct ClientTransportOptions {
  crypto::Cipher3Reading cipher3 = crypto::Cipher3Reading::java_aes128;
};

class ClientTransport {
 public:
  // `key` is enc_key hex-decoded (stream_key_from_enc_key). The decoder must outlive this.
  ClientTransport(const StreamKey& key, VideoDecoder& decoder,
                  ClientTransportOptions options = {});

  // Decrypts and decodes all of `raw` (any split). Fails, and stays failed, only if a selected
  // cipher is unavailable from OpenSSL or the decoder breaks its contract.
  std::error_code feed(std::span<const std::uint8_t> raw);

  // Appends `message` as sent: clear-text encoding, encrypted once the send cipher is on.
  void encode(const InputMessage& message, std::vector<std::uint8_t>& out);
  std::vector<std::uint8_t> encode(const InputMessage& message);

  // The cipher numbers in use for each direction (0 = clear); they change together.
  [[nodiscard]] std::uint8_t receive_cipher() const noexcept { return rx_.active_cipher(); }
  [[nodiscard]] std::uint8_t send_cipher() const noexcept { return tx_.active_cipher(); }
  [[nodiscard]] std::error_code error() const noexcept { return error_; }

 private:
  // Decrypted bytes are decoded in chunks of at most this many.
  static constexpr std::size_t kChunk = 16 * 1024;

  std::error_code switch_cipher(std::uint8_t cipher);

  VideoDecoder& decoder_;
  CipherChannel rx_;
  CipherChannel tx_;
  std::vector<std::uint8_t> scratch_;
  std::error_code error_;
};

}  // namespace ilo::rc
