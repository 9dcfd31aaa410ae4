// The one owner of the iLO web login (docs/rest-api.md): logs in, reads rc_info (and session_info,
// vm_status on demand), renews the login when a connection is refused for a stale key
// (concurrent requests coalesce into one login), respects the lock-out, logs out at the end,
// and sends RIBCL commands (docs/ribcl.md), whose XML it builds with the password and wipes.
// libcurl runs on the owner's own worker thread, so no I/O thread ever blocks on HTTPS.
// The keys leave it as one value, SessionKeys; nothing it logs or reports contains a secret.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "rc/optional_features.hpp"
#include "rest/enc_key.hpp"
#include "rest/session_key.hpp"
#include "ribcl/ribcl_request.hpp"
#include "session/secret.hpp"

namespace ilo::session {

// The errors a user sees, each with its own one-line message (see message_for()).
enum class SessionError {
  unreachable = 1,       // name resolution, TCP connect or a timeout
  tls_failed,            // TLS handshake or CA verification failed
  tls_mismatch,          // the certificate is not the pinned one (message names the seen one)
  wrong_credentials,     // login refused: user name or password
  locked_out,            // JS_ERR_LOGIN_DELAY: too many failed logins; retried after the delay
  no_console_privilege,  // the user may not use the remote console
  no_licence,            // console 'W' / VM 0x23: the iLO has no licence for this
  protocol,              // an answer ilofs cannot read
  stopped,               // the owner is shutting down
};
const std::error_category& session_category() noexcept;
inline std::error_code make_error_code(SessionError e) noexcept {
  return {static_cast<int>(e), session_category()};
}

struct TlsPolicy {
  std::string pin_sha256;  // "ab:cd:..." or plain hex; empty = not pinned
  std::string ca_file;     // PEM trust anchors; empty = system CAs
  bool insecure = false;   // accept any certificate (logs a warning once per login)
  bool legacy = false;     // allow TLS 1.0/1.1 and OpenSSL's SECLEVEL=0 ciphers (old firmware)
};

struct SessionOwnerOptions {
  std::string host;             // name or address
  std::uint16_t https_port = 443;
  std::string user = "Administrator";
  Secret password;
  TlsPolicy tls;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  // How often the login is checked (GET session_info) while up; a lost session (403
  // JS_ERR_LOST_SESSION) is renewed at once. 0 disables the check.
  std::chrono::milliseconds keepalive_interval{60'000};
  // After the iLO refused the password on a renewal, no login is tried with it again (a
  // directory account would be locked out by a daemon retrying); instead the password's source
  // is read again this often through reread_password (true: it gave one), and a password that
  // differs from the refused one is tried at once. Empty: only a new mount tries again.
  std::function<bool(Secret&)> reread_password;
  std::chrono::milliseconds password_recheck{5'000};
  // Each log line (level, text) goes here; texts never carry a secret. May be empty.
  std::function<void(int /*syslog priority*/, const std::string&)> log;
};

// The keys every connection needs, from one login: handed out together so a connection never
// mixes keys of two logins. `generation` grows with each successful login.
struct SessionKeys {
  rest::SessionKey session_key;
  rest::EncKey enc_key;
  rc::OptionalFeatures features;
  std::uint16_t rc_port = 0;
  std::uint16_t vm_port = 0;
  std::uint64_t generation = 0;
};

struct SessionOwnerStatus {
  enum class State : std::uint8_t { down, connecting, up } state = State::down;
  std::error_code last_error;
  std::string last_error_text;  // one line, no secret
  std::uint64_t logins = 0;     // successful logins
  std::uint64_t renewals = 0;   // logins asked for by a refused connection or a lost session
  std::string peer_fingerprint; // the certificate the iLO presented, in the pin format
};

class SessionOwner {
 public:
  explicit SessionOwner(SessionOwnerOptions options);
  ~SessionOwner();  // logout (bounded by the request timeout), then the worker ends
  SessionOwner(const SessionOwner&) = delete;
  SessionOwner& operator=(const SessionOwner&) = delete;

  // The first login, waited for (mount time): login_session then rc_info. On failure `error`
  // gets the one-line message for the user (a TLS mismatch names the fingerprint seen).
  std::error_code login(std::string& error);

  // The current keys, or nullopt while logged out. Never blocks on the network.
  [[nodiscard]] std::optional<SessionKeys> keys() const;

  // A connection was refused with the keys of `stale_generation` (console Q, VM 0x22, HTTP
  // 403 JS_ERR_LOST_SESSION). Logs in again on the worker unless a newer login already
  // happened or one is under way; then every subscriber gets the new keys. Never blocks.
  void renew(std::uint64_t stale_generation);

  // Called (on the worker thread) with each new set of keys. Returns a token; the
  // subscription ends when the token is destroyed (a call already under way still completes).
  // A handler must be quick and must not call login(), logout() or destroy the owner (they
  // wait for the worker it runs on); renew(), keys() and status() are fine.
  using KeysHandler = std::function<void(const SessionKeys&)>;
  [[nodiscard]] std::shared_ptr<void> subscribe(KeysHandler handler);

  [[nodiscard]] SessionOwnerStatus status() const;

  // One RIBCL command (POST /ribcl, the login inside the XML), on the worker, waited for; the
  // same certificate policy and timeouts as the web login. On success `reply` holds the reply
  // (every STATUS zero; read its payload with src/ribcl). On failure `error` gets one line for
  // the user: a refused RIBCL login is wrong_credentials, another non-zero STATUS comes back
  // as ribcl::RibclError::ilo_status with the iLO's MESSAGE (sanitised); during a known
  // lock-out nothing is sent (locked_out). It does not touch the web session or its status.
  std::error_code ribcl(const ribcl::Command& command, std::string& reply, std::string& error);

  // Logs out now (also done by the destructor).
  void logout();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::session

template <>
struct std::is_error_code_enum<ilo::session::SessionError> : std::true_type {};
