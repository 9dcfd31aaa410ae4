// ilo-sim's HTTPS JSON API (docs/rest-api.md#simulator): login and logout, the login
// page settings, session_info, rc_info, vm_status (GET and the URL-media POST forms) and the
// applet page, over cpp-httplib and OpenSSL on a thread of its own, plus a small test and
// inspection interface under /sim. It does not speak the console or VM protocols.
//
// Endpoints (all replies compact JSON, `Content-Type: application/x-javascript`,
// `Cache-Control: no-cache`, except the HTML page and /sim):
//   POST /json/login_session  {"method":"login",..}  -> 200 session_key + session_info fields,
//                             Set-Cookie sessionKey; 403 iLO error body when refused (below).
//                             {"method":"logout","session_key":..} -> 200 {}; 403 if unknown.
//   GET  /json/login_session  login page settings (version 2.54); login_delay = seconds left
//                             of a lock-out, else 0. No authentication.
//   GET  /json/session_info, /json/rc_info, /json/vm_status, /html/java_irc.html
//   POST /json/vm_status      set_virtual_media_options INSERT / SET / EJECT, reflected in
//                             later GETs (URL media only; the product uses the vm_port protocol)
// Authentication: the cookie `sessionKey=<key>`, or, for POST bodies that carry it (as the Java
// client sends them), their "session_key". Missing, wrong or expired: 403
// {"message":"JS_ERR_LOST_SESSION","details":null}. Login refusals, all 403:
//   wrong user or password, or the refuse-login fault   {"message":"JS_ERR_NO_PRIV",..}
//   locked out (SessionRegistry: 3 consecutive failures lock logins for 10 s, whatever the
//   credentials)                                        {"message":"JS_ERR_LOGIN_DELAY",..}
//   POST /ribcl               RIBCL (docs/ribcl.md): one XML document with the login inside;
//                             200 text/xml, several concatenated documents as iLO 4 sends
//                             them. A refused login (wrong user or password, the lock-out,
//                             refuse-login) answers STATUS 0x005F "Login failed." and counts
//                             as a failed login; commands run through Hooks::ribcl; an
//                             unparsable body or an unknown command gets STATUS 0x0001.
// JS_ERR_LOGIN_DELAY is the simulator's own name (no capture shows the iLO's lock-out reply);
// it echoes the login_delay field. Bodies the server cannot parse get 400 JS_ERR_BAD_REQUEST
// (also ours).
//
// Test and inspection interface (no authentication; for tests and the demo, not the iLO's):
//   GET  /sim/state           200 application/json: whatever Hooks::state returns
//   POST /sim/vm/read-all     202 {"started":1} if Hooks::vm_read_all started a full read of
//                             the virtual disc, 409 {"started":0} if there is no disc
//   POST /sim/usb/read-all    as /sim/vm/read-all, for the floppy/USB-key medium
//   POST /sim/usb/write       {"lba":N,"data":"<base64, whole 512-byte blocks>"} written through
//                             the protocol: 200 after GOOD, 409 without a medium, 422
//                             {"sense":"072700",..} when the target refused, 502 if the
//                             connection broke first, 400 for a malformed body (64 KiB at most)
//   POST /sim/sessions/expire 200 {"expired":N}: every web session ends now (renewal tests)
//   POST /sim/password        {"password":".."}: the account's password from now on, as if
//                             an administrator changed it (live sessions stay); 200 {}, or
//                             400 if the body has no non-empty string "password".
// Power is deliberately absent: it only comes through the console protocol.
//
// Threads: requests are served on httplib's worker threads, which touch only ctx.sessions and
// ctx.config of the SimContext, and this object's own vm_status (under its mutex). The hooks
// are called on those worker threads; they must hop to the network thread themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ribcl/ribcl_reply.hpp"
#include "ribcl/ribcl_request.hpp"
#include "sim/sim_context.hpp"

namespace ilo::sim {

// The iLO error message for a login refused during the lock-out (see above).
inline constexpr std::string_view kLoginDelay = "JS_ERR_LOGIN_DELAY";
// The iLO error message for a body the server cannot parse (the simulator's choice).
inline constexpr std::string_view kBadRequest = "JS_ERR_BAD_REQUEST";

// How a /sim/usb/write ended (Hooks::usb_write).
struct UsbWriteResult {
  enum class Status : std::uint8_t { written, no_medium, refused, failed };
  Status status = Status::failed;
  std::string sense;   // the target's sense as 6 hex digits ("072700"), if it answered one
  std::string detail;  // one line for people
};

class HttpsApi {
 public:
  struct Hooks {
    std::function<nlohmann::json()> state{};  // the /sim/state document
    std::function<bool()> vm_read_all{};  // starts a full read of the virtual disc; false: none
    std::function<bool()> usb_read_all{};  // the same for the floppy/USB-key medium
    // Adds a --fault spec at run time (POST /sim/fault); false with a reason in `error`.
    std::function<bool(const std::string& spec, std::string& error)> add_fault{};
    // Writes whole blocks at an LBA of the floppy/USB-key medium and waits for the outcome.
    std::function<UsbWriteResult(std::uint32_t lba, std::vector<std::uint8_t> data)> usb_write{};
    // Runs one RIBCL command (the login already checked) and gives its reply document; empty:
    // every command is unknown.
    std::function<ribcl::ReplyDocument(const ribcl::Command&)> ribcl{};
    // The console and VM ports actually bound {rc_port, vm_port}, reported by rc_info and
    // vm_status (the configured ones may be 0 = any); empty = ctx.config's.
    std::function<std::pair<std::uint16_t, std::uint16_t>()> ports{};
    // Switches the screen mode (POST /sim/resolution); false: a size the protocol cannot carry.
    std::function<bool(int width, int height)> resolution{};
    // The clock of session expiry and lock-out; empty = std::chrono::steady_clock::now. Tests
    // pass a fake clock to expire sessions and end lock-outs without sleeping.
    std::function<SessionRegistry::TimePoint()> now{};
  };

  // Applies the refuse-login fault of ctx.faults to ctx.sessions (so call it before serving).
  HttpsApi(SimContext& ctx, Hooks hooks);
  ~HttpsApi();  // stop()s
  HttpsApi(const HttpsApi&) = delete;
  HttpsApi& operator=(const HttpsApi&) = delete;

  // Loads (ctx.config.cert_path/key_path) or generates the certificate, binds `address`:`port`
  // (0 picks a free port) and serves on a new thread. Fails with a TlsIdentityError, a system
  // error from bind, or std::errc::operation_in_progress if already listening.
  std::error_code listen(const std::string& address, std::uint16_t port);
  // The bound port (0 before listen()).
  [[nodiscard]] std::uint16_t port() const noexcept;
  // SHA-256 of the certificate's DER, lower-case hex with colons (after listen()).
  [[nodiscard]] std::string fingerprint() const;
  // The certificate in PEM, for clients that want it as a CA file (after listen()).
  [[nodiscard]] std::string certificate_pem() const;
  // Stops serving and joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::sim
