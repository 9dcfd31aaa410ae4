// The iLO HTTPS JSON client over libcurl (see web_client.hpp). The certificate is checked in an
// OpenSSL verify callback installed through CURLOPT_SSL_CTX_FUNCTION, so a pin mismatch ends
// the handshake before the request (and the password) is sent. Request bodies holding the
// password are wiped after use; no key or password is ever put into an error detail.
#include "http/web_client.hpp"

#include <curl/curl.h>

#include <array>
#include <cctype>
#include <mutex>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bytes/hex.hpp"
#include "rest/ilo_error_body.hpp"

namespace ilo::http {
namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024;  // every iLO reply is well under 2 KiB
constexpr std::size_t kFingerprintBytes = 32;     // SHA-256
constexpr std::size_t kMaxMessageChars = 64;      // of an iLO error message we quote

std::once_flag g_curl_init;

// An iLO error message safe to quote: a short name of letters, digits and '_', else "".
std::string quotable_message(const std::string& message) {
  if (message.empty() || message.size() > kMaxMessageChars) return {};
  for (const char c : message)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return {};
  return message;
}

rest::Failure failure(HttpError code, std::string detail) {
  return rest::Failure{make_error_code(code), std::move(detail)};
}

HttpError classify_curl(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return HttpError::timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return HttpError::connect_failed;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return HttpError::tls_failed;
    default: return HttpError::transport_failed;
  }
}

enum class Method : std::uint8_t { get, post };

}  // namespace

std::string normalise_pin(std::string_view text) {
  std::string hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') {
      if (text.size() != kFingerprintBytes * 3 - 1 || i % 3 != 2) return {};
      continue;
    }
    if (hex_value(c) < 0) return {};
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != kFingerprintBytes * 2) return {};
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i != 0) out += ':';
    out.append(hex, i, 2);
  }
  return out;
}

struct WebClient::Impl {
  enum class Policy : std::uint8_t { pin, ca_file, insecure };

  explicit Impl(Options o) : options(std::move(o)) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    check_options();
    if (options_error) return;
    curl = curl_easy_init();
    if (curl == nullptr || !configure()) {
      options_error = make_error_code(HttpError::bad_options);
      options_detail = "web client: libcurl cannot be set up (an OpenSSL build is needed)";
    }
  }
  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    if (headers != nullptr) curl_slist_free_all(headers);
    if (xml_headers != nullptr) curl_slist_free_all(xml_headers);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void check_options();
  bool configure();
  static CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* self);
  static int on_verify(X509_STORE_CTX* store, void* self);
  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* self);

  // One exchange. `authenticated`: send the session cookie (the caller checked there is a key).
  // Returns the HTTP status and the body, or a transport / TLS failure.
  struct Reply {
    long status = 0;
    std::string body;
  };
  rest::Result<Reply> perform(Method method, std::string_view path, const std::string* body,
                              bool authenticated, curl_slist* request_headers = nullptr);
  // Turns a non-200 reply into a Failure and records last_message.
  rest::Failure status_failure(std::string_view what, const Reply& r, bool login_call);
  void set_cookie();

  // A POST of `body` (built by the REST layer) that expects only a 200.
  rest::Result<Done> post_media(std::string_view what, rest::Result<std::string> body);
  template <class T, class Parse>
  rest::Result<T> get(std::string_view path, Parse parse);

  Options options;
  Policy policy = Policy::insecure;
  std::string pin;  // canonical form
  std::string base; // base_url without a trailing '/'
  std::error_code options_error;
  std::string options_detail;

  CURL* curl = nullptr;
  curl_slist* headers = nullptr;      // JSON requests
  curl_slist* xml_headers = nullptr;  // RIBCL requests
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  // Per-exchange state written by the callbacks.
  std::string reply_body;
  bool reply_too_large = false;
  bool pin_mismatch = false;

  std::optional<rest::SessionKey> key;
  long last_status = 0;
  std::string last_message;
  std::string peer_fingerprint;
};

void WebClient::Impl::check_options() {
  const auto bad = [this](std::string detail) {
    options_error = make_error_code(HttpError::bad_options);
    options_detail = "web client: " + std::move(detail);
  };
  const int policies = (options.pin_sha256.empty() ? 0 : 1) + (options.ca_file.empty() ? 0 : 1) +
                       (options.insecure ? 1 : 0);
  if (policies != 1)
    return bad("choose exactly one certificate policy (pin_sha256, ca_file or insecure)");
  if (!options.pin_sha256.empty()) {
    policy = Policy::pin;
    pin = normalise_pin(options.pin_sha256);
    if (pin.empty()) return bad("pin_sha256 must be 32 hex bytes, e.g. \"ab:cd:..\"");
  } else if (!options.ca_file.empty()) {
    policy = Policy::ca_file;
  }
  base = options.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  constexpr std::string_view kScheme = "https://";
  if (base.size() <= kScheme.size() || base.compare(0, kScheme.size(), kScheme) != 0)
    return bad("base_url must start with https:// and name a host");
  if (base.find('/', kScheme.size()) != std::string::npos)
    return bad("base_url must not have a path");
  for (const char c : base)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return bad("base_url must not contain spaces or control characters");
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0)
    return bad("timeouts must be positive");
}

bool WebClient::Impl::configure() {
  bool ok = true;
  const auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https"));
  set(curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(options.connect_timeout.count())));
  set(curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count())));
  set(curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L));
  set(curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer.data()));
  set(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Impl::on_write));
  set(curl_easy_setopt(curl, CURLOPT_WRITEDATA, this));
  // Every connection makes a full handshake, so the verify callback sees every certificate.
  set(curl_easy_setopt(curl, CURLOPT_SSL_SESSIONID_CACHE, 0L));
  set(curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, &Impl::on_ssl_ctx));
  set(curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, this));
  if (options.legacy) {
    // TLS 1.0 at least (not curl's default 1.2) and every cipher OpenSSL still has.
    set(curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_0));
    set(curl_easy_setopt(curl, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0"));
  }
  switch (policy) {
    case Policy::pin:
      // curl's own chain and host checks are off (the iLO's certificate is self-signed and
      // names no host); on_ssl_ctx turns peer verification back on with the pin check.
      set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L));
      set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L));
      break;
    case Policy::ca_file:
      set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L));
      set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L));
      set(curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str()));
      set(curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr));
      break;
    case Policy::insecure:
      set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L));
      set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L));
      break;
  }
  // The Java applet's request shape: a JSON body, no "Expect: 100-continue".
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (headers == nullptr) return false;
  set(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers));
  // RIBCL: an XML body; python-hpilo sends none of these, iLO 4 accepts either.
  xml_headers = curl_slist_append(xml_headers, "Content-Type: text/xml");
  xml_headers = curl_slist_append(xml_headers, "Expect:");
  if (xml_headers == nullptr) return false;
  return ok;
}

CURLcode WebClient::Impl::on_ssl_ctx(CURL*, void* ssl_ctx, void* self) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  auto* impl = static_cast<Impl*>(self);
  // Pin mode needs the handshake to fail when the callback refuses (curl set VERIFY_NONE).
  if (impl->policy == Policy::pin) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Debian's openssl.cnf raises the floor to TLS 1.2 and SECLEVEL=2: lower both for old firmware.
  if (impl->options.legacy) {
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  }
  SSL_CTX_set_cert_verify_callback(ctx, &Impl::on_verify, self);
  return CURLE_OK;
}

int WebClient::Impl::on_verify(X509_STORE_CTX* store, void* self) {
  auto* impl = static_cast<Impl*>(self);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (leaf == nullptr || X509_digest(leaf, EVP_sha256(), md.data(), &len) != 1 ||
      len != kFingerprintBytes) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  impl->peer_fingerprint = to_hex(std::span(md).first(len), ':');
  switch (impl->policy) {
    case Policy::pin:
      if (impl->peer_fingerprint != impl->pin) {
        impl->pin_mismatch = true;
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
      }
      X509_STORE_CTX_set_error(store, X509_V_OK);
      return 1;
    case Policy::ca_file: return X509_verify_cert(store);  // OpenSSL's chain check as usual
    case Policy::insecure: return 1;
  }
  return 0;
}

std::size_t WebClient::Impl::on_write(char* data, std::size_t size, std::size_t count, void* self) {
  auto* impl = static_cast<Impl*>(self);
  const std::size_t n = size * count;
  if (n > kMaxReplyBytes - impl->reply_body.size()) {
    impl->reply_too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  impl->reply_body.append(data, n);
  return n;
}

void WebClient::Impl::set_cookie() {
  if (key) {
    // Exactly "Cookie: sessionKey=<key>", as the Java applet sends it.
    const std::string cookie = "sessionKey=" + key->text();
    curl_easy_setopt(curl, CURLOPT_COOKIE, cookie.c_str());  // curl keeps its own copy
  } else {
    curl_easy_setopt(curl, CURLOPT_COOKIE, nullptr);
  }
}

rest::Result<WebClient::Impl::Reply> WebClient::Impl::perform(Method method, std::string_view path,
                                                              const std::string* body,
                                                              bool authenticated,
                                                              curl_slist* request_headers) {
  const std::string what =
      std::string(method == Method::get ? "GET " : "POST ") + std::string(path);
  if (options_error) return rest::Failure{options_error, options_detail};
  last_status = 0;
  last_message.clear();
  reply_body.clear();
  reply_too_large = false;
  pin_mismatch = false;
  error_buffer[0] = '\0';

  const std::string url = base + std::string(path);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (method == Method::post) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  if (authenticated) {
    set_cookie();
  } else {
    curl_easy_setopt(curl, CURLOPT_COOKIE, nullptr);
  }

  if (request_headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request_headers);
  const CURLcode rc = curl_easy_perform(curl);
  if (request_headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (method == Method::post) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
  if (rc != CURLE_OK) {
    if (pin_mismatch)
      return failure(HttpError::fingerprint_mismatch,
                     "certificate fingerprint mismatch: expected " + pin + ", got " +
                         peer_fingerprint);
    if (reply_too_large)
      return failure(HttpError::reply_too_large,
                     what + ": reply larger than " + std::to_string(kMaxReplyBytes) + " bytes");
    std::string detail = what + ": " + curl_easy_strerror(rc);
    if (error_buffer[0] != '\0') {
      detail += " (";
      detail += error_buffer.data();
      detail += ')';
    }
    return failure(classify_curl(rc), std::move(detail));
  }
  Reply r;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  last_status = r.status;
  r.body = std::move(reply_body);
  reply_body.clear();
  return r;
}

rest::Failure WebClient::Impl::status_failure(std::string_view what, const Reply& r,
                                              bool login_call) {
  std::string message;
  if (auto parsed = rest::parse_ilo_error_body(r.body)) message = parsed->message;
  last_message = quotable_message(message);
  std::string detail = std::string(what) + ": HTTP " + std::to_string(r.status);
  if (!last_message.empty()) detail += " " + last_message;
  else if (!message.empty()) detail += " (unprintable iLO error message)";

  if (login_call && r.status == 403) return failure(HttpError::login_refused, std::move(detail));
  // An authenticated call answered 403 with JS_ERR_LOST_SESSION (or no message at all, as the
  // TypeScript client documents it): the key is gone.
  if (!login_call && r.status == 403 && (message.empty() || message == rest::kLostSession)) {
    key.reset();
    return failure(HttpError::session_lost, std::move(detail));
  }
  if (!message.empty()) return failure(HttpError::ilo_error, std::move(detail));
  return failure(HttpError::http_status, std::move(detail));
}

template <class T, class Parse>
rest::Result<T> WebClient::Impl::get(std::string_view path, Parse parse) {
  const std::string what = "GET " + std::string(path);
  if (options_error) return rest::Failure{options_error, options_detail};
  if (!key) return failure(HttpError::not_logged_in, what + ": not logged in");
  auto reply = perform(Method::get, path, nullptr, true);
  if (!reply) return reply.failure();
  if (reply->status != 200) return status_failure(what, reply.value(), false);
  return parse(reply->body);
}

rest::Result<Done> WebClient::Impl::post_media(std::string_view what,
                                               rest::Result<std::string> body) {
  if (options_error) return rest::Failure{options_error, options_detail};
  if (!key) return failure(HttpError::not_logged_in, std::string(what) + ": not logged in");
  if (!body) return body.failure();
  auto reply = perform(Method::post, "/json/vm_status", &body.value(), true);
  OPENSSL_cleanse(body->data(), body->size());  // it repeats the session key
  if (!reply) return reply.failure();
  if (reply->status != 200) return status_failure(what, reply.value(), false);
  return Done{};
}

WebClient::WebClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
WebClient::WebClient(WebClient&&) noexcept = default;
WebClient& WebClient::operator=(WebClient&&) noexcept = default;
WebClient::~WebClient() = default;

std::error_code WebClient::options_error(std::string* detail) const {
  if (detail != nullptr) *detail = impl_->options_detail;
  return impl_->options_error;
}

rest::Result<std::int64_t> WebClient::login_delay() {
  Impl& m = *impl_;
  constexpr std::string_view kWhat = "GET /json/login_session";
  if (m.options_error) return rest::Failure{m.options_error, m.options_detail};
  auto reply = m.perform(Method::get, "/json/login_session", nullptr, false);
  if (!reply) return reply.failure();
  if (reply->status != 200) return m.status_failure(kWhat, reply.value(), true);
  return rest::parse_login_delay(reply->body);
}

rest::Result<rest::LoginReply> WebClient::login(std::string_view user, std::string_view password) {
  Impl& m = *impl_;
  constexpr std::string_view kWhat = "POST /json/login_session (login)";
  if (m.options_error) return rest::Failure{m.options_error, m.options_detail};
  auto body = rest::build_login_request(user, password);
  if (!body) return body.failure();
  m.key.reset();
  auto reply = m.perform(Method::post, "/json/login_session", &body.value(), false);
  OPENSSL_cleanse(body->data(), body->size());  // it holds the password
  if (!reply) return reply.failure();
  if (reply->status != 200) return m.status_failure(kWhat, reply.value(), true);
  auto parsed = rest::parse_login_reply(reply->body);
  if (!parsed) return parsed.failure();
  m.key = parsed->session_key;
  return parsed;
}

rest::Result<Done> WebClient::logout() {
  Impl& m = *impl_;
  constexpr std::string_view kWhat = "POST /json/login_session (logout)";
  if (m.options_error) return rest::Failure{m.options_error, m.options_detail};
  if (!m.key) return failure(HttpError::not_logged_in, std::string(kWhat) + ": not logged in");
  std::string body = rest::build_logout_request(*m.key);
  auto reply = m.perform(Method::post, "/json/login_session", &body, true);
  OPENSSL_cleanse(body.data(), body.size());
  if (!reply) return reply.failure();  // the key may still be live: keep it for a retry
  if (reply->status != 200) {
    auto f = m.status_failure(kWhat, reply.value(), false);
    m.key.reset();
    return f;
  }
  m.key.reset();
  return Done{};
}

rest::Result<rest::SessionInfo> WebClient::session_info() {
  return impl_->get<rest::SessionInfo>("/json/session_info", &rest::parse_session_info);
}

rest::Result<rest::RcInfo> WebClient::rc_info() {
  return impl_->get<rest::RcInfo>("/json/rc_info", &rest::parse_rc_info);
}

rest::Result<rest::VmStatus> WebClient::vm_status() {
  return impl_->get<rest::VmStatus>("/json/vm_status", &rest::parse_vm_status);
}

rest::Result<Done> WebClient::vm_insert(rest::VmDevice device, std::string_view url) {
  if (!impl_->key) return impl_->post_media("POST /json/vm_status (insert)", std::string());
  return impl_->post_media("POST /json/vm_status (insert)",
                           rest::build_vm_insert(device, url, *impl_->key));
}

rest::Result<Done> WebClient::vm_connect(rest::VmDevice device, std::string_view url) {
  if (!impl_->key) return impl_->post_media("POST /json/vm_status (connect)", std::string());
  return impl_->post_media("POST /json/vm_status (connect)",
                           rest::build_vm_connect(device, url, *impl_->key));
}

rest::Result<Done> WebClient::vm_eject(rest::VmDevice device) {
  if (!impl_->key) return impl_->post_media("POST /json/vm_status (eject)", std::string());
  return impl_->post_media("POST /json/vm_status (eject)",
                           rest::build_vm_eject(device, *impl_->key));
}

rest::Result<std::string> WebClient::ribcl(const std::string& body) {
  Impl& m = *impl_;
  constexpr std::string_view kWhat = "POST /ribcl";
  if (m.options_error) return rest::Failure{m.options_error, m.options_detail};
  auto reply = m.perform(Method::post, "/ribcl", &body, false, m.xml_headers);
  if (!reply) return reply.failure();
  if (reply->status != 200) {
    return failure(HttpError::http_status,
                   std::string(kWhat) + ": HTTP " + std::to_string(reply->status));
  }
  return std::move(reply->body);
}

const std::optional<rest::SessionKey>& WebClient::session_key() const noexcept {
  return impl_->key;
}

void WebClient::set_session_key(rest::SessionKey key) { impl_->key = std::move(key); }

void WebClient::forget_session() noexcept { impl_->key.reset(); }

long WebClient::last_status() const noexcept { return impl_->last_status; }

const std::string& WebClient::last_ilo_message() const noexcept { return impl_->last_message; }

const std::string& WebClient::peer_fingerprint() const noexcept { return impl_->peer_fingerprint; }

}  // namespace ilo::http
