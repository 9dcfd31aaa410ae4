// The simulated iLO's TLS identity: a certificate and its private key, loaded from PEM files
// (--cert/--key) or generated in memory (self-signed, EC P-256, CN "ilo-sim", valid one year),
// and the certificate's SHA-256 fingerprint that clients pin. No sockets or TLS sessions here.
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include <openssl/types.h>

namespace ilo::sim {

enum class TlsIdentityError {
  certificate_unreadable = 1,  // the --cert file is missing or holds no PEM certificate
  key_unreadable,              // the --key file is missing or holds no PEM private key
  key_mismatch,                // the key does not belong to the certificate
  generation_failed,           // OpenSSL could not make a key or certificate
  bad_address,                 // the listen address is neither an IP address nor a host name
};
const std::error_category& tls_identity_category() noexcept;
inline std::error_code make_error_code(TlsIdentityError e) noexcept {
  return {static_cast<int>(e), tls_identity_category()};
}

class TlsIdentity {
 public:
  TlsIdentity();
  TlsIdentity(TlsIdentity&&) noexcept;
  TlsIdentity& operator=(TlsIdentity&&) noexcept;
  ~TlsIdentity();

  // Reads a PEM certificate (the first one in the file) and a PEM private key (unencrypted).
  static std::error_code load(const std::string& cert_path, const std::string& key_path,
                              TlsIdentity& out);
  // A self-signed certificate for `address`: subject and issuer CN "ilo-sim"; subjectAltName
  // DNS:localhost plus IP:<address> (an IPv4/IPv6 literal other than the wildcard) or
  // DNS:<address> (a host name); validity from one hour ago to 365 days ahead; SHA-256 signed.
  static std::error_code generate(const std::string& address, TlsIdentity& out);

  // Borrowed pointers, valid while this object lives; null before load()/generate().
  [[nodiscard]] X509* certificate() const noexcept;
  [[nodiscard]] EVP_PKEY* private_key() const noexcept;
  // SHA-256 of the certificate's DER encoding as lower-case hex pairs joined by ':'
  // ("ab:cd:..", 95 characters); "" if there is no certificate.
  [[nodiscard]] std::string fingerprint() const;
  // The certificate in PEM (public; a client can use it as its CA file). No key is exported.
  [[nodiscard]] std::string certificate_pem() const;

 private:
  struct Handles;
  std::unique_ptr<Handles> h_;
};

}  // namespace ilo::sim

template <>
struct std::is_error_code_enum<ilo::sim::TlsIdentityError> : std::true_type {};
