// Server side of the console connection after the handshake, for the simulator
// (docs/rc-transport.md#server-side): encrypts outgoing video bytes from the point the caller marks
// with select_cipher() (right after the byte holding the last bit of command 12/13), decrypts
// incoming client bytes with its own instance and parses them into input messages. It does not
// encode video (the encoder does) and does no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "crypto/stream_cipher.hpp"
#include "rc/cipher_channel.hpp"
#include "rc/input_messages.hpp"
#include "rc/input_parser.hpp"
#include "rc/key_encoding.hpp"

namespace ilo::rc {

struct ServerTransportOptions {
  crypto::Cipher3Reading cipher3 = crypto::Cipher3Reading::java_aes128;
};

struct InputFeedResult {
  std::vector<InputMessage> messages;  // messages completed by this call, in order
  std::error_code error;               // RcError::unknown_input_message: close the connection
};

class ServerTransport {
 public:
  explicit ServerTransport(const StreamKey& key, ServerTransportOptions options = {});

  // Both directions switch to cipher number `cipher` (as the client will once it has decoded
  // command 12/13): outgoing from the next byte given to encrypt_outgoing(), incoming from the
  // next byte given to feed(). Send command 13 before reading client input (#server-side).
  std::error_code select_cipher(std::uint8_t cipher);
  // One direction only (fault injection, or tolerating a client that raced the switch).
  std::error_code select_send_cipher(std::uint8_t cipher) { return tx_.select(cipher); }
  std::error_code select_receive_cipher(std::uint8_t cipher) { return rx_.select(cipher); }

  // Encrypts outgoing stream bytes in place (nothing while the send cipher is off).
  void encrypt_outgoing(std::span<std::uint8_t> bytes) noexcept { tx_.apply(bytes); }

  // Decrypts and parses client bytes (any split). After an error nothing more is parsed.
  InputFeedResult feed(std::span<const std::uint8_t> raw);

  [[nodiscard]] std::uint8_t send_cipher() const noexcept { return tx_.active_cipher(); }
  [[nodiscard]] std::uint8_t receive_cipher() const noexcept { return rx_.active_cipher(); }

 private:
  CipherChannel rx_;
  CipherChannel tx_;
  InputParser parser_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace ilo::rc
