// One direction of the console connection's encryption (docs/rc-transport.md#keystreams): one
// StreamCipher per cipher number, all from the same 16-byte key, each starting at keystream
// byte 0 when first selected and resuming where it stopped when selected again; plus which
// one is on. It does not know where a switch happens in the stream (the transports do).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <system_error>

#include "crypto/stream_cipher.hpp"
#include "rc/key_encoding.hpp"

namespace ilo::rc {

class CipherChannel {
 public:
  CipherChannel(const StreamKey& key, crypto::Cipher3Reading cipher3) noexcept;

  // Applies cipher number `cipher` from the next byte on: 0 turns encryption off, 1-3 turn on
  // that cipher's instance, any other number turns encryption off (as the Java client does).
  // Fails (encryption left off) if OpenSSL cannot provide the algorithm.
  std::error_code select(std::uint8_t cipher);

  [[nodiscard]] bool active() const noexcept { return active_ != 0; }
  // The cipher number in use (0 when off).
  [[nodiscard]] std::uint8_t active_cipher() const noexcept { return active_; }
  // The active instance; the identity cipher when off.
  [[nodiscard]] crypto::StreamCipher& cipher() noexcept { return instances_[active_]; }
  // XORs the next keystream bytes of the active instance into data (nothing when off).
  void apply(std::span<std::uint8_t> data) noexcept { instances_[active_].apply(data); }

 private:
  StreamKey key_;
  crypto::Cipher3Reading cipher3_;
  std::array<crypto::StreamCipher, 4> instances_;  // index = cipher number; [0] identity
  std::array<bool, 4> created_{};
  std::uint8_t active_ = 0;
};

}  // namespace ilo::rc
