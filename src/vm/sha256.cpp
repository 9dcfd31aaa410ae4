// SHA-256 over OpenSSL EVP (see sha256.hpp).
#include "vm/sha256.hpp"

#include <new>

#include <openssl/evp.h>

namespace ilo::vm {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() noexcept {
  ctx_ = new (std::nothrow) Ctx;
  if (ctx_ != nullptr) ctx_->md = EVP_MD_CTX_new();
  reset();
}

Sha256::~Sha256() { delete ctx_; }

void Sha256::reset() noexcept {
  ok_ = ctx_ != nullptr && ctx_->md != nullptr &&
        EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1;
}

void Sha256::update(std::span<const std::uint8_t> data) noexcept {
  if (ok_ && !data.empty()) ok_ = EVP_DigestUpdate(ctx_->md, data.data(), data.size()) == 1;
}

Sha256::Digest Sha256::finish() noexcept {
  Digest out{};
  unsigned int n = 0;
  if (ok_ && EVP_DigestFinal_ex(ctx_->md, out.data(), &n) != 1) out.fill(0);
  reset();
  return out;
}

Sha256::Digest Sha256::of(std::span<const std::uint8_t> data) noexcept {
  Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace ilo::vm
