// The simulator's certificate and key (see tls_identity.hpp), over OpenSSL 3. Every OpenSSL
// object is owned by a unique_ptr with its free function; nothing secret is ever formatted.
#include "sim/tls_identity.hpp"

#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <cstdint>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bytes/hex.hpp"
#include "errors/enum_category.hpp"

namespace ilo::sim {
namespace {

ErrorInfo describe(TlsIdentityError e) noexcept {
  switch (e) {
    case TlsIdentityError::certificate_unreadable: return {"cannot read a PEM certificate", 0};
    case TlsIdentityError::key_unreadable: return {"cannot read a PEM private key", 0};
    case TlsIdentityError::key_mismatch:
      return {"the private key does not match the certificate", EINVAL};
    case TlsIdentityError::generation_failed:
      return {"cannot generate the TLS certificate", 0};
    case TlsIdentityError::bad_address:
      return {"listen address is not an IP address or host name", EINVAL};
  }
  return {};
}

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* e) const noexcept { X509_EXTENSION_free(e); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr long kValidBeforeSeconds = 3600;            // tolerate a client clock an hour behind
constexpr long kValidAfterSeconds = 365L * 24 * 3600;  // one year

// The subjectAltName value for `address`, or "" if the address is unusable.
std::string subject_alt_name(const std::string& address) {
  std::array<unsigned char, 16> buf{};
  const bool v4 = inet_pton(AF_INET, address.c_str(), buf.data()) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, address.c_str(), buf.data()) == 1;
  if (v4 || v6) {
    // The wildcard is not an address a client connects to: name the loopback instead.
    if (address == "0.0.0.0") return "DNS:localhost,IP:127.0.0.1";
    if (address == "::") return "DNS:localhost,IP:::1";
    return "DNS:localhost,IP:" + address;
  }
  // A host name: letters, digits, '-' and '.', as a DNS name (also keeps the config text safe).
  if (address.empty() || address.size() > 253) return {};
  for (const char c : address) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return {};
  }
  if (address == "localhost") return "DNS:localhost";
  return "DNS:localhost,DNS:" + address;
}

EVP_PKEY* generate_p256_key() {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1)
    return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &key) != 1) return nullptr;
  return key;
}

// Adds one v3 extension given in OpenSSL's configuration syntax.
bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3{};
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(
      X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool set_random_serial(X509* cert) {
  std::unique_ptr<BIGNUM, BnFree> bn(BN_new());
  // 127 random bits, top bit clear: a positive serial of at most 16 bytes (RFC 5280 §4.1.2.2).
  if (!bn || BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) return false;
  return BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

}  // namespace

const std::error_category& tls_identity_category() noexcept {
  return enum_category<TlsIdentityError, describe>("tls_identity", "unknown TLS identity error");
}

struct TlsIdentity::Handles {
  struct X509Free {
    void operator()(X509* x) const noexcept { X509_free(x); }
  };
  struct PkeyFree {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
  };
  std::unique_ptr<X509, X509Free> cert;
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
};

TlsIdentity::TlsIdentity() : h_(std::make_unique<Handles>()) {}
TlsIdentity::TlsIdentity(TlsIdentity&&) noexcept = default;
TlsIdentity& TlsIdentity::operator=(TlsIdentity&&) noexcept = default;
TlsIdentity::~TlsIdentity() = default;

X509* TlsIdentity::certificate() const noexcept { return h_ ? h_->cert.get() : nullptr; }
EVP_PKEY* TlsIdentity::private_key() const noexcept { return h_ ? h_->key.get() : nullptr; }

std::error_code TlsIdentity::load(const std::string& cert_path, const std::string& key_path,
                                  TlsIdentity& out) {
  TlsIdentity id;
  {
    BioPtr bio(BIO_new_file(cert_path.c_str(), "r"));
    if (!bio) return TlsIdentityError::certificate_unreadable;
    id.h_->cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!id.h_->cert) return TlsIdentityError::certificate_unreadable;
  }
  {
    BioPtr bio(BIO_new_file(key_path.c_str(), "r"));
    if (!bio) return TlsIdentityError::key_unreadable;
    // No passphrase callback: an encrypted key is refused rather than prompted for.
    id.h_->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!id.h_->key) return TlsIdentityError::key_unreadable;
  }
  if (X509_check_private_key(id.h_->cert.get(), id.h_->key.get()) != 1)
    return TlsIdentityError::key_mismatch;
  out = std::move(id);
  return {};
}

std::error_code TlsIdentity::generate(const std::string& address, TlsIdentity& out) {
  const std::string san = subject_alt_name(address);
  if (san.empty()) return TlsIdentityError::bad_address;

  TlsIdentity id;
  id.h_->key.reset(generate_p256_key());
  id.h_->cert.reset(X509_new());
  X509* cert = id.h_->cert.get();
  if (!id.h_->key || cert == nullptr) return TlsIdentityError::generation_failed;

  X509_NAME* name = X509_get_subject_name(cert);
  static constexpr unsigned char kCommonName[] = "ilo-sim";
  const bool ok =
      X509_set_version(cert, X509_VERSION_3) == 1 && set_random_serial(cert) &&
      X509_gmtime_adj(X509_getm_notBefore(cert), -kValidBeforeSeconds) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert), kValidAfterSeconds) != nullptr &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, kCommonName, -1, -1, 0) == 1 &&
      X509_set_issuer_name(cert, name) == 1 && X509_set_pubkey(cert, id.h_->key.get()) == 1 &&
      add_extension(cert, NID_subject_alt_name, san) &&
      add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
      add_extension(cert, NID_ext_key_usage, "serverAuth") &&
      // A self-signed certificate that is also its own trust anchor (clients may use it as
      // their CA file), as `openssl req -x509` makes them.
      add_extension(cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
      add_extension(cert, NID_subject_key_identifier, "hash") &&
      X509_sign(cert, id.h_->key.get(), EVP_sha256()) > 0;
  if (!ok) return TlsIdentityError::generation_failed;
  out = std::move(id);
  return {};
}

std::string TlsIdentity::fingerprint() const {
  X509* cert = certificate();
  if (cert == nullptr) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &len) != 1) return {};
  return to_hex(std::span(md).first(len), ':');
}

std::string TlsIdentity::certificate_pem() const {
  X509* cert = certificate();
  if (cert == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace ilo::sim
