// OpenSSL EVP implementation of the transport stream ciphers (see stream_cipher.hpp).
// RC4 lives in OpenSSL 3's legacy provider; we load it into a private library context so the
// process-wide default context is left exactly as the rest of the program (libcurl, TLS) wants.
#include "crypto/stream_cipher.hpp"

#include <array>
#include <cerrno>
#include <climits>
#include <mutex>
#include <string>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "errors/enum_category.hpp"

namespace ilo::crypto {
namespace {

ErrorInfo describe(CipherError e) noexcept {
  switch (e) {
    case CipherError::unavailable:
      return {"cipher not available from OpenSSL (RC4 needs the legacy provider, "
              "ossl-modules/legacy.so)",
              ENOTSUP};
    case CipherError::bad_cipher_id: return {"unknown cipher number", EINVAL};
  }
  return {};
}

// A library context with the default and legacy providers, created once and kept for the life
// of the process (OpenSSL cleans it up at exit).
OSSL_LIB_CTX* cipher_libctx() {
  static OSSL_LIB_CTX* ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c == nullptr) return c;
    OSSL_PROVIDER_load(c, "default");
    OSSL_PROVIDER_load(c, "legacy");  // may fail; RC4 then reports CipherError::unavailable
    return c;
  }();
  return ctx;
}

const char* algorithm_name(CipherId id, Cipher3Reading reading) {
  switch (id) {
    case CipherId::rc4: return "RC4";
    case CipherId::aes128: return "AES-128-OFB";
    case CipherId::aes256:
      return reading == Cipher3Reading::java_aes128 ? "AES-128-OFB" : "AES-256-OFB";
    case CipherId::none: break;
  }
  return nullptr;
}

}  // namespace

const std::error_category& cipher_category() noexcept {
  return enum_category<CipherError, describe>("ilo.cipher", "unknown cipher error");
}

struct StreamCipher::Ctx {
  EVP_CIPHER_CTX* evp = nullptr;
  ~Ctx() { EVP_CIPHER_CTX_free(evp); }
};

StreamCipher StreamCipher::create(CipherId id, StreamKeyView key, Cipher3Reading reading,
                                  std::error_code& ec) {
  ec.clear();
  if (id == CipherId::none) return {};
  const char* name = algorithm_name(id, reading);
  if (name == nullptr) {
    ec = CipherError::bad_cipher_id;
    return {};
  }
  // AES-256 under the TypeScript reading uses the 16-byte key followed by 16 zero bytes.
  std::array<std::uint8_t, 32> key_buf{};
  std::copy(key.begin(), key.end(), key_buf.begin());
  const bool padded = id == CipherId::aes256 && reading == Cipher3Reading::ts_aes256_padded;
  const std::array<std::uint8_t, 16> iv{};  // zero register: docs/rc-transport.md#aes-ofb
  auto out = make(id, name, std::span(key_buf).first(padded ? 32 : 16), iv, ec);
  OPENSSL_cleanse(key_buf.data(), key_buf.size());
  return out;
}

StreamCipher StreamCipher::create_aes128_ofb(StreamKeyView key,
                                             std::span<const std::uint8_t, 16> iv,
                                             std::error_code& ec) {
  ec.clear();
  return make(CipherId::aes128, "AES-128-OFB", key, iv, ec);
}

StreamCipher StreamCipher::make(CipherId id, const char* algorithm,
                                std::span<const std::uint8_t> key,
                                std::span<const std::uint8_t, 16> iv, std::error_code& ec) {
  StreamCipher out;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(cipher_libctx(), algorithm, nullptr);
  if (cipher == nullptr) {
    ec = CipherError::unavailable;
    return out;
  }
  auto ctx = std::make_unique<Ctx>();
  ctx->evp = EVP_CIPHER_CTX_new();
  // Set the key length before the key goes in (RC4's is variable; AES checks it matches).
  bool ok = ctx->evp != nullptr &&
            EVP_EncryptInit_ex2(ctx->evp, cipher, nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_set_key_length(ctx->evp, static_cast<int>(key.size())) == 1 &&
            EVP_EncryptInit_ex2(ctx->evp, nullptr, key.data(),
                                id == CipherId::rc4 ? nullptr : iv.data(), nullptr) == 1;
  EVP_CIPHER_free(cipher);
  if (!ok) {
    ec = CipherError::unavailable;
    return out;
  }
  out.id_ = id;
  out.ctx_ = ctx.release();
  return out;
}

StreamCipher::StreamCipher(StreamCipher&& o) noexcept : id_(o.id_), ctx_(o.ctx_) {
  o.ctx_ = nullptr;
  o.id_ = CipherId::none;
}

StreamCipher& StreamCipher::operator=(StreamCipher&& o) noexcept {
  if (this != &o) {
    delete ctx_;
    id_ = o.id_;
    ctx_ = o.ctx_;
    o.ctx_ = nullptr;
    o.id_ = CipherId::none;
  }
  return *this;
}

StreamCipher::~StreamCipher() { delete ctx_; }

StreamCipher StreamCipher::clone() const {
  StreamCipher out;
  if (ctx_ == nullptr) return out;
  auto ctx = std::make_unique<Ctx>();
  ctx->evp = EVP_CIPHER_CTX_new();
  if (ctx->evp == nullptr || EVP_CIPHER_CTX_copy(ctx->evp, ctx_->evp) != 1) {
    // Out of memory inside OpenSSL: there is no sane way to continue a keystream.
    std::abort();
  }
  out.id_ = id_;
  out.ctx_ = ctx.release();
  return out;
}

void StreamCipher::apply(std::span<std::uint8_t> data) noexcept {
  if (ctx_ == nullptr || data.empty()) return;
  // EVP_EncryptUpdate takes an int length; stream modes keep their position across calls.
  while (!data.empty()) {
    const int n = static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX / 2));
    int out_len = 0;
    EVP_EncryptUpdate(ctx_->evp, data.data(), &out_len, data.data(), n);
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

}  // namespace ilo::crypto
