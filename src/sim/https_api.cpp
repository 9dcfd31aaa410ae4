// ilo-sim's HTTPS JSON API (see https_api.hpp): httplib routes that authenticate, call the
// session registry and answer with the REST serialisers. No JSON is formatted by hand here;
// no key, password or request body is ever logged.
#include "sim/https_api.hpp"

#include <openssl/evp.h>

#include <sys/socket.h>

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

#include "rest/ilo_error_body.hpp"
#include "rest/login_session.hpp"
#include "rest/rc_info.hpp"
#include "rest/session_info.hpp"
#include "rest/vm_media_request.hpp"
#include "rest/vm_status.hpp"
#include "ribcl/ribcl_error.hpp"
#include "sim/ribcl_commands.hpp"
#include "sim/tls_identity.hpp"

namespace ilo::sim {
namespace {

using TimePoint = SessionRegistry::TimePoint;
using OrderedJson = nlohmann::ordered_json;

constexpr const char* kJsonType = "application/x-javascript";  // as the iLO labels its JSON
constexpr std::string_view kFirmwareVersion = "2.54";          // the captured firmware
constexpr std::string_view kIloName = "ILOSIM0000001";         // cn / ilo_fqdn ("ILO" + serial)
constexpr std::size_t kMaxPayloadBytes = 64 * 1024;            // every iLO body is well under
// httplib serves each connection on one worker for its whole keep-alive life, so the pool bounds
// concurrent connections (the browser, the Java applet, ilofs, tests); idle connections are
// closed after kKeepAliveSeconds, which also bounds how long stop() waits for them.
constexpr std::size_t kWorkerThreads = 8;
constexpr time_t kKeepAliveSeconds = 2;
constexpr std::size_t kMaxCookieHeaderBytes = 4096;
constexpr std::string_view kInternal = "JS_ERR_INTERNAL";       // ours: the simulator's own fault

// Compact JSON of a document the simulator built itself (never fails: invalid UTF-8 from a
// configured string is replaced, not thrown).
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

void reply(httplib::Response& res, int status, const std::string& body,
           const char* content_type = kJsonType) {
  res.status = status;
  res.set_header("Cache-Control", "no-cache");
  res.set_content(body, content_type);
}

void reply_error(httplib::Response& res, int status, std::string_view message) {
  reply(res, status, rest::serialise(rest::IloErrorBody{std::string(message), std::nullopt}));
}

void reply_lost_session(httplib::Response& res) {
  reply_error(res, 403, rest::kLostSession);
}

// The value of the first `sessionKey` cookie of the request, or "".
std::string session_cookie(const httplib::Request& req) {
  const std::size_t headers = req.get_header_value_count("Cookie");
  for (std::size_t i = 0; i < headers; ++i) {
    const std::string header = req.get_header_value("Cookie", i);
    if (header.size() > kMaxCookieHeaderBytes) continue;
    std::string_view rest(header);
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      std::string_view item = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      const std::size_t eq = item.find('=');
      if (eq != std::string_view::npos && item.substr(0, eq) == "sessionKey")
        return std::string(item.substr(eq + 1));
    }
  }
  return {};
}

// "Fri Jan 01 20:11:02 2021" (the captured form; UTC here).
std::string format_expiry(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return {};
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Y", &tm);
  return std::string(buf, n);
}

rest::SessionInfo make_session_info(const WebSession& s, const std::string& user_ip,
                                    TimePoint now) {
  rest::SessionInfo info;
  info.user_name = s.user;
  info.user_account = s.user;
  info.user_dn = "";
  info.user_type = "Local";
  info.user_ip = user_ip;
  using SystemDuration = std::chrono::system_clock::duration;
  const auto left = std::chrono::duration_cast<SystemDuration>(s.expires - now);
  info.user_expires = format_expiry(std::chrono::system_clock::now() + left);
  info.login_priv = info.remote_cons_priv = info.virtual_media_priv = true;
  info.reset_priv = info.config_priv = info.user_priv = true;
  return info;
}

// The last path segment of a URL, without query or fragment ("http://h/a/b.iso?x" -> "b.iso").
std::string url_file_name(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

rest::VmDriveStatus empty_drive(std::string device) {
  rest::VmDriveStatus d;
  d.device = std::move(device);
  d.boot_option = "NO_BOOT";
  return d;
}

}  // namespace

struct HttpsApi::Impl {
  Impl(SimContext& c, Hooks h) : ctx(c), hooks(std::move(h)) {
    vm.options[rest::VmStatus::kFloppy] = empty_drive("FLOPPY");
    vm.options[rest::VmStatus::kCdrom] = empty_drive("CDROM");
    vm.legacy_bios = true;
    std::string hex = random_hex_key(false);
    for (char& ch : hex) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    info0 = std::move(hex);
  }

  TimePoint now() const { return hooks.now ? hooks.now() : std::chrono::steady_clock::now(); }
  // {rc_port, vm_port} as bound.
  std::pair<std::uint16_t, std::uint16_t> ports() const {
    return hooks.ports ? hooks.ports() : std::pair{ctx.config.rc_port, ctx.config.vm_port};
  }

  // The session named by the cookie, else by `body_key` (POST bodies); pushes its expiry back.
  std::optional<WebSession> authenticate(const httplib::Request& req,
                                         std::string_view body_key = {}) {
    std::string key = session_cookie(req);
    if (key.empty()) key = body_key;
    if (key.empty()) return std::nullopt;
    return ctx.sessions.touch(key, now());
  }

  void routes();
  void post_login_session(const httplib::Request& req, httplib::Response& res);
  void get_login_session(httplib::Response& res);
  void get_rc_info(const httplib::Request& req, httplib::Response& res);
  void post_vm_status(const httplib::Request& req, httplib::Response& res);
  void get_java_irc(const httplib::Request& req, httplib::Response& res);
  void post_ribcl(const httplib::Request& req, httplib::Response& res);
  void sim_password(const httplib::Request& req, httplib::Response& res);
  void sim_state(httplib::Response& res);
  // POST /sim/vm/read-all and /sim/usb/read-all: `start` is the drive's hook.
  void sim_read_all(httplib::Response& res, const std::function<bool()>& start);
  void sim_fault(const httplib::Request& req, httplib::Response& res);
  void sim_usb_write(const httplib::Request& req, httplib::Response& res);
  void sim_resolution(const httplib::Request& req, httplib::Response& res);

  SimContext& ctx;
  const Hooks hooks;
  TlsIdentity identity;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  std::uint16_t bound_port = 0;
  std::string info0;  // the applet page's INFO0 value: fixed per run, 32 upper-case hex

  std::mutex vm_mutex;  // guards vm
  rest::VmStatus vm;
};

void HttpsApi::Impl::routes() {
  httplib::Server& s = *server;
  s.Post("/json/login_session", [this](const httplib::Request& req, httplib::Response& res) {
    post_login_session(req, res);
  });
  s.Get("/json/login_session",
        [this](const httplib::Request&, httplib::Response& res) { get_login_session(res); });
  s.Get("/json/session_info", [this](const httplib::Request& req, httplib::Response& res) {
    const auto session = authenticate(req);
    if (!session) return reply_lost_session(res);
    reply(res, 200, rest::serialise(make_session_info(*session, req.remote_addr, now())));
  });
  s.Get("/json/rc_info", [this](const httplib::Request& req, httplib::Response& res) {
    get_rc_info(req, res);
  });
  s.Get("/json/vm_status", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authenticate(req)) return reply_lost_session(res);
    const std::uint16_t vm_port = ports().second;
    std::string body;
    {
      std::lock_guard lock(vm_mutex);
      vm.port = vm_port;
      body = rest::serialise(vm);
    }
    reply(res, 200, body);
  });
  s.Post("/json/vm_status", [this](const httplib::Request& req, httplib::Response& res) {
    post_vm_status(req, res);
  });
  s.Get("/html/java_irc.html", [this](const httplib::Request& req, httplib::Response& res) {
    get_java_irc(req, res);
  });
  s.Post("/ribcl", [this](const httplib::Request& req, httplib::Response& res) {
    post_ribcl(req, res);
  });
  s.Post("/sim/password", [this](const httplib::Request& req, httplib::Response& res) {
    sim_password(req, res);
  });
  s.Get("/sim/state", [this](const httplib::Request&, httplib::Response& res) { sim_state(res); });
  // Test hook: the server switches its screen mode, {"width": W, "height": H}.
  s.Post("/sim/resolution", [this](const httplib::Request& req, httplib::Response& res) {
    sim_resolution(req, res);
  });
  s.Post("/sim/vm/read-all", [this](const httplib::Request&, httplib::Response& res) {
    sim_read_all(res, hooks.vm_read_all);
  });
  s.Post("/sim/usb/read-all", [this](const httplib::Request&, httplib::Response& res) {
    sim_read_all(res, hooks.usb_read_all);
  });
  s.Post("/sim/usb/write", [this](const httplib::Request& req, httplib::Response& res) {
    sim_usb_write(req, res);
  });
  s.Post("/sim/fault", [this](const httplib::Request& req, httplib::Response& res) {
    sim_fault(req, res);
  });
  // garbage:web: the API's replies (not the inspection interface's) turn to random bytes.
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/sim/", 0) != 0) ctx.faults.garble_web_reply(res.body);
  });
  // Test hook: every web session expires now (their keys get 403 JS_ERR_LOST_SESSION and the
  // console and VM ports refuse them), so a client's renewal can be checked.
  s.Post("/sim/sessions/expire", [this](const httplib::Request&, httplib::Response& res) {
    const std::size_t n = ctx.sessions.expire_all();
    reply(res, 200, dump(OrderedJson{{"expired", n}}), "application/json");
  });
}

void HttpsApi::Impl::post_login_session(const httplib::Request& req, httplib::Response& res) {
  auto parsed = rest::parse_login_session_request(req.body);
  if (!parsed) return reply_error(res, 400, kBadRequest);

  if (auto* logout = std::get_if<rest::LogoutRequest>(&parsed.value())) {
    // The key in the body names the session to end; it must be live.
    if (!ctx.sessions.touch(logout->session_key.text(), now())) return reply_lost_session(res);
    ctx.sessions.logout(logout->session_key.text());
    res.set_header("Set-Cookie", "sessionKey=; Path=/; Max-Age=0");
    return reply(res, 200, dump(OrderedJson::object()));
  }

  const auto& login = std::get<rest::LoginRequest>(parsed.value());
  const TimePoint t = now();
  WebSession session;
  switch (ctx.sessions.login(login.user_login, login.password, t, session)) {
    case LoginResult::ok: break;
    case LoginResult::locked_out: return reply_error(res, 403, kLoginDelay);
    case LoginResult::bad_credentials:
    case LoginResult::refused_by_fault: return reply_error(res, 403, rest::kNoPrivilege);
  }
  auto key = rest::SessionKey::from_text(session.session_key);
  if (!key) return reply_error(res, 500, kInternal);  // the registry's keys are always valid
  rest::LoginReply out{std::move(*key), make_session_info(session, req.remote_addr, t)};
  res.set_header("Set-Cookie", "sessionKey=" + session.session_key + "; Path=/");
  reply(res, 200, rest::serialise(out));
}

void HttpsApi::Impl::get_login_session(httplib::Response& res) {
  // The captured body (docs/rest-api.md#login-page-settings); moniker strings past the first three
  // are ours, chosen without ',' or ':' for the Java client's string-splitting parser.
  OrderedJson j = OrderedJson::object();
  j["secjmp"] = 0;
  j["ldap_enabled"] = 0;
  j["kerberos_enabled"] = 0;
  j["local_enabled"] = 1;
  j["license_directory_auth"] = 1;
  j["login_delay"] = ctx.sessions.lockout_remaining(now()).count();
  j["alt"] = OrderedJson{{"mode", 0}, {"level", 0}, {"lic_mode", 0}, {"vnd", ""}};
  j["version"] = kFirmwareVersion;
  j["cn"] = kIloName;
  j["server_name"] = "";
  j["blade"] = 0;
  j["ilo_fw_pass"] = "";
  j["security_message_enabled"] = 0;
  j["security_message"] = "";
  j["default_lang"] = "en";
  j["accept_lang"] = nullptr;
  j["nand"] = 1;
  j["langs"] = OrderedJson::array(
      {OrderedJson{{"lang", "en"}, {"trans_name", "English"}, {"version", kFirmwareVersion}}});
  j["moniker"] = OrderedJson{{"PRODABR", "iLO"},
                             {"PRODGEN", "iLO 4"},
                             {"VENDABR", "HPE"},
                             {"PRODNAME", "Integrated Lights-Out 4"},
                             {"PRODFAM", "Integrated Lights-Out"},
                             {"VENDNAME", "Hewlett Packard Enterprise"}};
  reply(res, 200, dump(j));
}

void HttpsApi::Impl::get_rc_info(const httplib::Request& req, httplib::Response& res) {
  const auto session = authenticate(req);
  if (!session) return reply_lost_session(res);
  auto enc_key = rest::EncKey::from_text(session->enc_key);
  if (!enc_key) return reply_error(res, 500, kInternal);  // a bad --replay-key
  rest::RcInfo info(std::move(*enc_key));
  info.enc_type = 0;
  const auto [rc_port, vm_port] = ports();
  info.rc_port = rc_port;
  info.vm_key = session->enc_key;  // as captured: the same value as enc_key
  info.vm_port = vm_port;
  info.cmd_enc_key = session->cmd_enc_key;
  info.protocol_version = "1.1";
  info.optional_features = rc::parse_optional_features(ctx.config.optional_features);
  info.server_name = "";
  info.ilo_fqdn = kIloName;
  info.blade = false;
  reply(res, 200, rest::serialise(info));
}

void HttpsApi::Impl::post_vm_status(const httplib::Request& req, httplib::Response& res) {
  auto parsed = rest::parse_vm_media_request(req.body);
  const std::string body_key = parsed ? parsed->session_key.text() : std::string();
  if (!authenticate(req, body_key)) return reply_lost_session(res);
  if (!parsed) return reply_error(res, 400, kBadRequest);

  const rest::VmMediaRequest& r = parsed.value();
  const std::size_t index =
      r.device == rest::VmDevice::floppy ? rest::VmStatus::kFloppy : rest::VmStatus::kCdrom;
  const std::uint16_t vm_port = ports().second;
  std::string body;
  {
    std::lock_guard lock(vm_mutex);
    vm.port = vm_port;
    rest::VmDriveStatus& d = vm.options[index];
    switch (r.command) {
      case rest::VmCommand::insert:  // the iLO fetches the image itself and attaches it
        d.image_inserted = true;
        d.image_url = r.url.value_or("");
        d.image_url_file = url_file_name(d.image_url);
        d.vm_url_connected = true;
        d.vm_connected = true;
        break;
      case rest::VmCommand::set:
        if (r.boot_option) d.boot_option = *r.boot_option;
        if (r.url && d.image_inserted) {
          d.image_url = *r.url;
          d.image_url_file = url_file_name(d.image_url);
        }
        break;
      case rest::VmCommand::eject: d = empty_drive(d.device); break;
    }
    body = rest::serialise(vm);
  }
  reply(res, 200, body);
}

void HttpsApi::Impl::get_java_irc(const httplib::Request& req, httplib::Response& res) {
  if (!authenticate(req)) return reply_lost_session(res);
  // INFO0 in the three spellings clients look for (docs/rest-api.md#info0): a line starting with
  // info0=" (Java), and INFO0=\"..\" inside a JavaScript string (TypeScript).
  std::string page;
  page += "<html><head><title>iLO Integrated Remote Console</title></head><body>\n";
  page += "<script type=\"text/javascript\">\n";
  page += "info0=\"" + info0 + "\";\n";
  page += "document.write(\"<param name=INFO0 value=\\\"" + info0 + "\\\">\");\n";
  page += "var applet_params = \"INFO0=\\\"" + info0 + "\\\"\";\n";
  page += "</script>\n</body></html>\n";
  reply(res, 200, page, "text/html");
}

void HttpsApi::Impl::post_ribcl(const httplib::Request& req, httplib::Response& res) {
  // iLO 4 answers each part of the request with a document of its own: the declaration, the
  // LOGIN, the section, the command (with its payload), then the closing tags.
  std::vector<ribcl::ReplyDocument> docs(1);
  auto finish = [&] {
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_content(ribcl::build_reply(docs), "text/xml");
  };
  auto parsed = ribcl::parse_request(req.body);
  if (!parsed) {
    docs.push_back({kRibclSyntaxError, "Syntax error: the request is not a RIBCL document", {}});
    return finish();
  }
  const ribcl::Request& r = parsed.value();
  if (ctx.sessions.check_credentials(r.user, r.password, now()) != LoginResult::ok) {
    docs.push_back({ribcl::kStatusLoginFailed, "Login failed.", {}});
    return finish();
  }
  docs.emplace_back();  // LOGIN
  for (const auto& command : r.commands) {
    docs.emplace_back();  // the section
    ribcl::ReplyDocument answer;
    try {
      answer = hooks.ribcl ? hooks.ribcl(command)
                           : ribcl::ReplyDocument{kRibclSyntaxError,
                                                  "Syntax error: unknown command " + command.tag,
                                                  {}};
    } catch (...) {  // a hook must not take the worker thread down
      answer = {kRibclSyntaxError, "Internal error", {}};
    }
    const bool failed = answer.status != 0;
    docs.push_back(std::move(answer));
    if (failed) return finish();  // the iLO stops at the first error
  }
  docs.emplace_back();
  docs.emplace_back();
  finish();
}

void HttpsApi::Impl::sim_password(const httplib::Request& req, httplib::Response& res) {
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("password") || !body["password"].is_string() ||
      body["password"].get<std::string>().empty()) {
    return reply(res, 400, dump(OrderedJson::object()), "application/json");
  }
  ctx.sessions.set_password(body["password"].get<std::string>());
  reply(res, 200, dump(OrderedJson::object()), "application/json");
}

void HttpsApi::Impl::sim_fault(const httplib::Request& req, httplib::Response& res) {
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("spec") || !body["spec"].is_string())
    return reply(res, 400, dump(OrderedJson{{"error", "expected {\"spec\": \"KIND:...\"}"}}));
  std::string error = "no fault hook";
  if (!hooks.add_fault || !hooks.add_fault(body["spec"].get<std::string>(), error))
    return reply(res, 400, dump(OrderedJson{{"error", error}}));
  reply(res, 200, dump(OrderedJson::object()));
}

void HttpsApi::Impl::sim_resolution(const httplib::Request& req, httplib::Response& res) {
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  const bool sized = body.is_object() && body["width"].is_number_integer() &&
                     body["height"].is_number_integer();
  bool done = false;
  if (sized && hooks.resolution) {
    const auto w = body["width"].get<std::int64_t>(), h = body["height"].get<std::int64_t>();
    try {
      done = w > 0 && h > 0 && w < 4096 && h < 4096 &&
             hooks.resolution(static_cast<int>(w), static_cast<int>(h));
    } catch (...) {  // a hook must not take the worker thread down
    }
  }
  reply(res, done ? 200 : 400, dump(OrderedJson::object()), "application/json");
}

void HttpsApi::Impl::sim_state(httplib::Response& res) {
  if (!hooks.state) return reply(res, 404, dump(OrderedJson::object()), "application/json");
  nlohmann::json state;
  try {
    state = hooks.state();
  } catch (...) {  // a hook must not take the worker thread down
    return reply(res, 500, dump(OrderedJson::object()), "application/json");
  }
  reply(res, 200, dump(state), "application/json");
}

void HttpsApi::Impl::sim_read_all(httplib::Response& res, const std::function<bool()>& start) {
  bool started = false;
  try {
    started = start && start();
  } catch (...) {
    started = false;
  }
  reply(res, started ? 202 : 409, dump(OrderedJson{{"started", started ? 1 : 0}}),
        "application/json");
}

// {"lba": N, "data": "<base64 of whole 512-byte blocks>"}: 200 once every block is answered
// GOOD, 409 without a medium, 422 with the sense the target refused with, 502 if the
// connection broke first, 400 for a body that is not that.
void HttpsApi::Impl::sim_usb_write(const httplib::Request& req, httplib::Response& res) {
  const auto bad = [&](const char* why) {
    reply(res, 400, dump(OrderedJson{{"error", why}}), "application/json");
  };
  const auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("lba") || !body.contains("data"))
    return bad("expected {\"lba\": N, \"data\": \"<base64>\"}");
  const auto& lba = body["lba"];
  const auto& text = body["data"];
  if (!lba.is_number_unsigned() || lba.get<std::uint64_t>() > 0xFFFFFFFFu)
    return bad("lba must be an integer 0..4294967295");
  if (!text.is_string()) return bad("data must be a base64 string");
  const auto& b64 = text.get_ref<const std::string&>();
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > kMaxPayloadBytes)
    return bad("data is not base64 of whole 512-byte blocks");
  // '=' only as trailing padding (EVP_DecodeBlock would read an inner one as zero bits).
  const auto first_pad = b64.find('=');
  if (first_pad != std::string::npos &&
      (first_pad < b64.size() - 2 || b64.find_first_not_of('=', first_pad) != std::string::npos))
    return bad("data is not base64");
  std::vector<std::uint8_t> data(b64.size() / 4 * 3);
  const int n = EVP_DecodeBlock(data.data(), reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return bad("data is not base64");
  // EVP_DecodeBlock counts the bytes '=' padding stands for; take them off.
  const std::size_t padding = (b64.back() == '=') + (b64.size() > 1 && b64[b64.size() - 2] == '=');
  data.resize(static_cast<std::size_t>(n) - padding);
  if (data.empty() || data.size() % 512 != 0) return bad("data must be whole 512-byte blocks");

  UsbWriteResult result;
  try {
    const auto at = static_cast<std::uint32_t>(lba.get<std::uint64_t>());
    if (hooks.usb_write) result = hooks.usb_write(at, std::move(data));
  } catch (...) {
    result = {UsbWriteResult::Status::failed, "", "the simulator failed"};
  }
  int status = 502;
  switch (result.status) {
    case UsbWriteResult::Status::written: status = 200; break;
    case UsbWriteResult::Status::no_medium: status = 409; break;
    case UsbWriteResult::Status::refused: status = 422; break;
    case UsbWriteResult::Status::failed: status = 502; break;
  }
  OrderedJson out{{"written", status == 200 ? 1 : 0}};
  if (!result.sense.empty()) out["sense"] = result.sense;
  out["detail"] = result.detail;
  reply(res, status, dump(out), "application/json");
}

HttpsApi::HttpsApi(SimContext& ctx, Hooks hooks)
    : impl_(std::make_unique<Impl>(ctx, std::move(hooks))) {
  if (ctx.faults.refuse_login()) ctx.sessions.set_refuse_logins(true);
}

HttpsApi::~HttpsApi() { stop(); }

std::error_code HttpsApi::listen(const std::string& address, std::uint16_t port) {
  Impl& m = *impl_;
  if (m.server) return std::make_error_code(std::errc::operation_in_progress);

  TlsIdentity identity;
  const SimConfig& config = m.ctx.config;
  const std::error_code ec = config.cert_path.empty() && config.key_path.empty()
                                 ? TlsIdentity::generate(address, identity)
                                 : TlsIdentity::load(config.cert_path, config.key_path, identity);
  if (ec) return ec;

  // The server takes its own references to the certificate and key.
  auto server =
      std::make_unique<httplib::SSLServer>(identity.certificate(), identity.private_key());
  if (!server->is_valid()) return TlsIdentityError::generation_failed;
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server->set_payload_max_length(kMaxPayloadBytes);
  server->set_read_timeout(std::chrono::seconds(5));
  server->set_write_timeout(std::chrono::seconds(5));
  server->set_keep_alive_timeout(kKeepAliveSeconds);
  // httplib writes headers and body separately: without this, Nagle and delayed ACKs add
  // about 40 ms to every reply on a kept-alive connection.
  server->set_tcp_nodelay(true);
  // httplib's default adds SO_REUSEPORT, which would let a second simulator share the port
  // silently; only SO_REUSEADDR (restart without waiting for TIME_WAIT) is wanted.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  errno = 0;
  int bound = -1;
  if (port == 0) {
    bound = server->bind_to_any_port(address);
  } else if (server->bind_to_port(address, port)) {
    bound = port;
  }
  if (bound <= 0) {
    const int e = errno;
    return e != 0 ? std::error_code(e, std::generic_category())
                  : std::make_error_code(std::errc::address_not_available);
  }

  m.identity = std::move(identity);
  m.server = std::move(server);
  m.bound_port = static_cast<std::uint16_t>(bound);
  m.routes();
  httplib::SSLServer* s = m.server.get();
  m.thread = std::thread([s] { s->listen_after_bind(); });
  // stop() is only heard once the server runs: wait for it (it starts at once).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!s->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {};
}

std::uint16_t HttpsApi::port() const noexcept { return impl_->bound_port; }

std::string HttpsApi::fingerprint() const { return impl_->identity.fingerprint(); }

std::string HttpsApi::certificate_pem() const { return impl_->identity.certificate_pem(); }

void HttpsApi::stop() {
  Impl& m = *impl_;
  if (m.server) m.server->stop();
  if (m.thread.joinable()) m.thread.join();
}

}  // namespace ilo::sim
