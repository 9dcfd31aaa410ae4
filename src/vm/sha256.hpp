// A running SHA-256 over OpenSSL EVP, for the initiator's whole-disc check. It hashes what it
// is given and nothing else; it is not a general digest API (one algorithm, no HMAC).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace ilo::vm {

class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256() noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256();

  // Starts a new digest.
  void reset() noexcept;
  void update(std::span<const std::uint8_t> data) noexcept;
  // The digest of everything since the last reset(); then resets.
  Digest finish() noexcept;
  // False if OpenSSL could not provide SHA-256 (every digest is then all zeros).
  [[nodiscard]] bool ok() const noexcept { return ok_; }

  // One-shot convenience.
  static Digest of(std::span<const std::uint8_t> data) noexcept;

 private:
  struct Ctx;
  Ctx* ctx_ = nullptr;
  bool ok_ = false;
};

}  // namespace ilo::vm
