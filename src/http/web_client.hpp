// The product's client of the iLO's HTTPS JSON API (docs/rest-api.md): log in, read session_info,
// rc_info and vm_status, drive URL media, log out; RIBCL (POST /ribcl, docs/ribcl.md) too.
// libcurl underneath, one easy handle reused (HTTP keep-alive); the REST and RIBCL cores
// parse and build the bodies. Not thread-safe: one caller.
//
// Certificates (exactly one policy): pin the SHA-256 fingerprint of the server certificate
// (the colon-hex form ilo-sim prints; checked during the handshake, before any byte of a
// request is sent), verify against a CA file (chain and host name), or accept anything
// (explicit `insecure`). The password and the session key never appear in an error detail.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/http_error.hpp"
#include "rest/login_session.hpp"
#include "rest/rc_info.hpp"
#include "rest/rest_error.hpp"
#include "rest/session_info.hpp"
#include "rest/session_key.hpp"
#include "rest/vm_media_request.hpp"
#include "rest/vm_status.hpp"

namespace ilo::http {

// The value of calls that return nothing but success.
using Done = std::monostate;

// A certificate pin in canonical form (lower-case colon hex), or "" if `text` is not 32 hex
// bytes written either with a ':' between every pair or with no separators at all.
std::string normalise_pin(std::string_view text);

class WebClient {
 public:
  struct Options {
    std::string base_url{};    // "https://host:port" (or "https://host"); no path
    std::string pin_sha256{};  // certificate SHA-256, "ab:cd:.." (64 hex digits, colons optional)
    std::string ca_file{};     // PEM trust anchors; the host name is checked too
    bool insecure = false;     // accept any certificate
    // Old iLO firmware: allow TLS 1.0/1.1 and OpenSSL's weak ciphers (SECLEVEL=0).
    bool legacy = false;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{30'000};  // per request
  };

  // Bad options are not reported here: every call then fails with HttpError::bad_options and
  // a detail naming the problem (see options_error()).
  explicit WebClient(Options options);
  // A moved-from client may only be destroyed or assigned to.
  WebClient(WebClient&&) noexcept;
  WebClient& operator=(WebClient&&) noexcept;
  ~WebClient();

  // The options problem, or an empty error_code. `detail` (if given) receives the reason.
  [[nodiscard]] std::error_code options_error(std::string* detail = nullptr) const;

  // GET /json/login_session (no session needed): the seconds logins stay refused after
  // repeated failures (`login_delay`, 0 when none).
  rest::Result<std::int64_t> login_delay();
  // POST /json/login_session. On success the client keeps the session key for later calls.
  rest::Result<rest::LoginReply> login(std::string_view user, std::string_view password);
  // POST /json/login_session {"method":"logout",..}; the key is dropped whatever the answer.
  rest::Result<Done> logout();
  rest::Result<rest::SessionInfo> session_info();  // GET /json/session_info
  rest::Result<rest::RcInfo> rc_info();            // GET /json/rc_info
  rest::Result<rest::VmStatus> vm_status();        // GET /json/vm_status
  // POST /json/vm_status: URL ("scripted") media, where the iLO fetches the image itself.
  rest::Result<Done> vm_insert(rest::VmDevice device, std::string_view url);
  rest::Result<Done> vm_connect(rest::VmDevice device, std::string_view url);
  rest::Result<Done> vm_eject(rest::VmDevice device);

  // POST /ribcl with `body` (a RIBCL document built by src/ribcl, holding the password; the
  // caller wipes it afterwards). No session cookie: RIBCL logs in with each request. Returns
  // the reply body of a 200 (the concatenated RIBCL documents, unparsed); other statuses fail
  // with http_status. The same certificate policy and timeouts as every other call.
  rest::Result<std::string> ribcl(const std::string& body);

  // The session key (needed by the console and VM handshakes), if logged in.
  [[nodiscard]] const std::optional<rest::SessionKey>& session_key() const noexcept;
  // Uses a key obtained elsewhere (e.g. from another client of the same iLO).
  void set_session_key(rest::SessionKey key);
  // Forgets the key locally (the iLO session stays until it expires).
  void forget_session() noexcept;

  // The HTTP status of the last exchange (0 if none got that far) and the iLO error message
  // of its body ("" if none), e.g. 403 and "JS_ERR_LOST_SESSION".
  [[nodiscard]] long last_status() const noexcept;
  [[nodiscard]] const std::string& last_ilo_message() const noexcept;
  // The SHA-256 fingerprint of the last certificate the server presented ("" if none yet),
  // in the pin format: lets a user pin what an insecure first contact saw.
  [[nodiscard]] const std::string& peer_fingerprint() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::http
