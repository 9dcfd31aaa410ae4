// Per-direction cipher instances (see cipher_channel.hpp).
#include "rc/cipher_channel.hpp"

namespace ilo::rc {

CipherChannel::CipherChannel(const StreamKey& key, crypto::Cipher3Reading cipher3) noexcept
    : key_(key), cipher3_(cipher3) {}

std::error_code CipherChannel::select(std::uint8_t cipher) {
  if (cipher == 0 || cipher >= instances_.size()) {
    active_ = 0;  // Java: an unknown number turns encryption off
    return {};
  }
  if (!created_[cipher]) {
    std::error_code ec;
    auto created = crypto::StreamCipher::create(static_cast<crypto::CipherId>(cipher), key_,
                                                cipher3_, ec);
    if (ec) {
      active_ = 0;
      return ec;
    }
    instances_[cipher] = std::move(created);
    created_[cipher] = true;
  }
  active_ = cipher;
  return {};
}

}  // namespace ilo::rc
