// Loopback tests of ilo-sim's HTTPS JSON API driven by the product's WebClient over real TLS
// on 127.0.0.1, plus raw httplib requests to byte-check bodies and headers. Session expiry and
// lock-out run on a fake clock given to the server, so nothing here sleeps for them.
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/pem.h>

#include "http/web_client.hpp"
#include "rest/ilo_error_body.hpp"
#include "rest/login_session.hpp"
#include "rest/session_info.hpp"
#include "rest/vm_media_request.hpp"
#include "rest/vm_status.hpp"
#include "sim/https_api.hpp"
#include "sim/sim_context.hpp"
#include "sim/tls_identity.hpp"

namespace ilo {
namespace {

using namespace std::chrono_literals;
using http::HttpError;
using http::WebClient;
using sim::HttpsApi;
using sim::SimConfig;
using sim::SimContext;
using TimePoint = sim::SessionRegistry::TimePoint;
using Ordered = nlohmann::ordered_json;

constexpr std::string_view kLostSessionBody = R"({"message":"JS_ERR_LOST_SESSION","details":null})";

std::string read_fixture(std::string_view name) {
  std::ifstream in(std::string(ILOFS_FIXTURES) + "/" + std::string(name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// True if `body` is exactly the compact form of itself (nlohmann's dump with key order kept):
// no byte of whitespace outside string values.
bool is_compact_json(const std::string& body) {
  const Ordered j = Ordered::parse(body, nullptr, false);
  return !j.is_discarded() && j.dump() == body;
}

// True if `s` has the shape of `pattern`, character for character: 'h' a lower-case hex digit,
// 'H' an upper-case one, 'x' either, 'A' an upper-case letter, 'a' a lower-case letter, 'd' a
// digit; anything else stands for itself.
bool has_shape(std::string_view s, std::string_view pattern) {
  if (s.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool digit = c >= '0' && c <= '9';
    bool ok = false;
    switch (pattern[i]) {
      case 'h': ok = digit || (c >= 'a' && c <= 'f'); break;
      case 'H': ok = digit || (c >= 'A' && c <= 'F'); break;
      case 'x': ok = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); break;
      case 'A': ok = c >= 'A' && c <= 'Z'; break;
      case 'a': ok = c >= 'a' && c <= 'z'; break;
      case 'd': ok = digit; break;
      default: ok = c == pattern[i];
    }
    if (!ok) return false;
  }
  return true;
}

bool is_lower_hex32(const std::string& s) { return has_shape(s, std::string(32, 'h')); }

std::string fingerprint_shape() {
  std::string p = "hh";
  for (int i = 1; i < 32; ++i) p += ":hh";
  return p;
}

class HttpsApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(SimConfig{}); }
  void TearDown() override {
    if (api_) api_->stop();
  }

  void start(SimConfig config, const std::vector<std::string>& faults = {}) {
    if (api_) api_->stop();
    api_.reset();
    ctx_ = std::make_unique<SimContext>(std::move(config), TimePoint{});
    for (const auto& f : faults) {
      std::string error;
      ASSERT_TRUE(ctx_->faults.add(f, error)) << error;
    }
    HttpsApi::Hooks hooks;
    hooks.state = [this] {
      ++state_calls_;
      return nlohmann::json{{"power", "on"}, {"boots", 1}};
    };
    hooks.vm_read_all = [this] { return disc_present_.load(); };
    hooks.now = [this] { return TimePoint{} + std::chrono::seconds(clock_s_.load()); };
    hooks.ports = ports_hook_;
    api_ = std::make_unique<HttpsApi>(*ctx_, std::move(hooks));
    const std::error_code ec = api_->listen("127.0.0.1", 0);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_NE(api_->port(), 0);
  }

  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(api_->port()); }

  WebClient pinned_client() const {
    WebClient::Options o;
    o.base_url = base_url();
    o.pin_sha256 = api_->fingerprint();
    return WebClient(std::move(o));
  }

  WebClient logged_in_client() const {
    WebClient c = pinned_client();
    auto r = c.login(ctx_->config.user, ctx_->config.password);
    EXPECT_TRUE(r) << r.detail();
    return c;
  }

  std::unique_ptr<httplib::SSLClient> raw() const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", api_->port());
    c->enable_server_certificate_verification(false);
    c->set_read_timeout(5, 0);
    return c;
  }

  static httplib::Headers cookie(const std::string& key) {
    return {{"Cookie", "sessionKey=" + key}};
  }

  void advance(std::chrono::seconds s) { clock_s_ += s.count(); }

  std::unique_ptr<SimContext> ctx_;
  std::unique_ptr<HttpsApi> api_;
  std::atomic<std::int64_t> clock_s_{0};
  std::atomic<int> state_calls_{0};
  std::atomic<bool> disc_present_{false};
  std::function<std::pair<std::uint16_t, std::uint16_t>()> ports_hook_;
};

TEST_F(HttpsApiTest, FingerprintIsColonHexSha256) {
  EXPECT_TRUE(has_shape(api_->fingerprint(), fingerprint_shape()))
      << api_->fingerprint();
  EXPECT_NE(api_->certificate_pem().find("-----BEGIN CERTIFICATE-----"), std::string::npos);
}

TEST_F(HttpsApiTest, LoginReturnsKeyAndSessionInfo) {
  WebClient c = pinned_client();
  auto r = c.login("Administrator", "ilo-sim-password");
  ASSERT_TRUE(r) << r.detail();
  EXPECT_TRUE(is_lower_hex32(r->session_key.text()));
  ASSERT_TRUE(c.session_key());
  EXPECT_EQ(*c.session_key(), r->session_key);
  ASSERT_TRUE(r->session_info);
  EXPECT_EQ(r->session_info->user_name, "Administrator");
  EXPECT_EQ(r->session_info->user_type, "Local");
  EXPECT_EQ(r->session_info->user_ip, "127.0.0.1");
  EXPECT_TRUE(r->session_info->remote_cons_priv);
  EXPECT_TRUE(r->session_info->virtual_media_priv);
  EXPECT_TRUE(r->session_info->reset_priv);
  EXPECT_TRUE(has_shape(r->session_info->user_expires, "Aaa Aaa dd dd:dd:dd dddd"))
      << r->session_info->user_expires;
  EXPECT_EQ(c.peer_fingerprint(), api_->fingerprint());
  EXPECT_EQ(ctx_->sessions.live_sessions(TimePoint{}), 1u);
}

TEST_F(HttpsApiTest, RawLoginReplyIsCompactAndSetsTheCookie) {
  auto c = raw();
  auto body = rest::build_login_request("Administrator", "ilo-sim-password");
  ASSERT_TRUE(body);
  auto res = c->Post("/json/login_session", body.value(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(is_compact_json(res->body)) << res->body;
  EXPECT_EQ(res->body.rfind(R"({"session_key":")", 0), 0u) << res->body;
  auto reply = rest::parse_login_reply(res->body);
  ASSERT_TRUE(reply) << reply.detail();
  EXPECT_EQ(res->get_header_value("Set-Cookie"),
            "sessionKey=" + reply->session_key.text() + "; Path=/");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-javascript");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
}

TEST_F(HttpsApiTest, RcInfoHasPerSessionMixedCaseKeysAndConfiguredPorts) {
  SimConfig config;
  config.rc_port = 27990;
  config.vm_port = 27988;
  config.optional_features = "ENCRYPT_KEY;ENCRYPT_VMKEY";
  start(config);
  WebClient a = logged_in_client();
  WebClient b = logged_in_client();
  auto ra = a.rc_info();
  auto rb = b.rc_info();
  ASSERT_TRUE(ra) << ra.detail();
  ASSERT_TRUE(rb) << rb.detail();
  const std::string& key = ra->enc_key.text();
  EXPECT_TRUE(has_shape(key, std::string(32, 'x')));
  EXPECT_NE(key.find_first_of("ABCDEF"), std::string::npos) << "enc_key must be mixed case";
  EXPECT_NE(key.find_first_of("abcdef"), std::string::npos) << "enc_key must be mixed case";
  EXPECT_EQ(ra->vm_key, key);
  ASSERT_TRUE(ra->cmd_enc_key);
  EXPECT_TRUE(is_lower_hex32(*ra->cmd_enc_key));
  EXPECT_NE(rb->enc_key.text(), key) << "keys are per session";
  EXPECT_EQ(ra->rc_port, 27990);
  EXPECT_EQ(ra->vm_port, 27988);
  EXPECT_EQ(ra->protocol_version, "1.1");
  EXPECT_TRUE(ra->optional_features.encrypt_key);
  EXPECT_TRUE(ra->optional_features.encrypt_vmkey);
  EXPECT_FALSE(ra->optional_features.encrypt_cmd);
  EXPECT_FALSE(ra->blade);
  // The reported keys are the registry's: the console handshake can match them.
  auto session = ctx_->sessions.touch(a.session_key()->text(), TimePoint{});
  ASSERT_TRUE(session);
  EXPECT_EQ(session->enc_key, key);
}

TEST_F(HttpsApiTest, PortsHookOverridesTheConfiguredPorts) {
  ports_hook_ = [] { return std::pair<std::uint16_t, std::uint16_t>{41990, 41988}; };
  start(SimConfig{});
  WebClient c = logged_in_client();
  auto info = c.rc_info();
  ASSERT_TRUE(info) << info.detail();
  EXPECT_EQ(info->rc_port, 41990);
  EXPECT_EQ(info->vm_port, 41988);
  auto vm = c.vm_status();
  ASSERT_TRUE(vm) << vm.detail();
  EXPECT_EQ(vm->port, 41988);
}

TEST_F(HttpsApiTest, SessionInfoAndVmStatusMatchTheCapturedShape) {
  WebClient c = logged_in_client();
  auto info = c.session_info();
  ASSERT_TRUE(info) << info.detail();
  EXPECT_EQ(info->user_account, "Administrator");
  EXPECT_EQ(info->user_dn, "");
  EXPECT_TRUE(info->login_priv);
  EXPECT_TRUE(info->config_priv);
  EXPECT_TRUE(info->user_priv);

  auto vm = c.vm_status();
  ASSERT_TRUE(vm) << vm.detail();
  auto captured = rest::parse_vm_status(read_fixture("vm_status.json"));
  ASSERT_TRUE(captured) << captured.detail();
  EXPECT_EQ(vm.value(), captured.value());  // port 17988 = the default vm_port, as captured
}

TEST_F(HttpsApiTest, VmStatusPostFormsAreReflected) {
  WebClient c = logged_in_client();
  const std::string url = "http://10.0.0.5/images/disc.iso";
  auto ins = c.vm_insert(rest::VmDevice::cdrom, url);
  ASSERT_TRUE(ins) << ins.detail();
  auto vm = c.vm_status();
  ASSERT_TRUE(vm) << vm.detail();
  const auto& cd = vm->options[rest::VmStatus::kCdrom];
  EXPECT_TRUE(cd.image_inserted);
  EXPECT_EQ(cd.image_url, url);
  EXPECT_EQ(cd.image_url_file, "disc.iso");
  EXPECT_TRUE(cd.vm_url_connected);
  EXPECT_TRUE(cd.vm_connected);
  EXPECT_FALSE(vm->options[rest::VmStatus::kFloppy].image_inserted);

  ASSERT_TRUE(c.vm_connect(rest::VmDevice::cdrom, url));
  vm = c.vm_status();
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->options[rest::VmStatus::kCdrom].boot_option, "CONNECT");

  ASSERT_TRUE(c.vm_eject(rest::VmDevice::cdrom));
  vm = c.vm_status();
  ASSERT_TRUE(vm);
  auto captured = rest::parse_vm_status(read_fixture("vm_status.json"));
  ASSERT_TRUE(captured);
  EXPECT_EQ(vm.value(), captured.value());
}

TEST_F(HttpsApiTest, PostBodySessionKeyAuthenticatesWithoutCookie) {
  WebClient c = logged_in_client();
  auto c_raw = raw();
  const std::string body = rest::build_vm_eject(rest::VmDevice::floppy, *c.session_key());
  auto res = c_raw->Post("/json/vm_status", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(is_compact_json(res->body)) << res->body;

  // A key that is not a session's: 403.
  auto stranger = rest::SessionKey::from_text("0123456789abcdef0123456789abcdef");
  res = c_raw->Post("/json/vm_status", rest::build_vm_eject(rest::VmDevice::floppy, *stranger),
                    "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->body, kLostSessionBody);
}

TEST_F(HttpsApiTest, MissingOrWrongCookieGets403WithTheExactIloBody) {
  auto c = raw();
  for (const std::string path :
       {"/json/session_info", "/json/rc_info", "/json/vm_status", "/html/java_irc.html"}) {
    SCOPED_TRACE(path);
    auto res = c->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
    EXPECT_EQ(res->body, kLostSessionBody);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-javascript");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
    res = c->Get(path, cookie("0123456789abcdef0123456789abcdef"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
    EXPECT_EQ(res->body, kLostSessionBody);
    res = c->Get(path, cookie("not-a-key; sessionKey=also-not"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
  }
  auto res = c->Post("/json/vm_status", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->body, kLostSessionBody);
}

TEST_F(HttpsApiTest, CookieAmongOthersIsFound) {
  WebClient c = logged_in_client();
  auto res = raw()->Get("/json/session_info",
                        {{"Cookie", "lang=en; sessionKey=" + c.session_key()->text() + "; x=1"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpsApiTest, ExpiredSessionIsLost) {
  WebClient c = logged_in_client();
  const std::string key = c.session_key()->text();
  advance(299s);
  ASSERT_TRUE(c.session_info());  // use pushes the expiry back by 5 minutes
  advance(299s);
  ASSERT_TRUE(c.rc_info());
  advance(301s);
  auto r = c.rc_info();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), HttpError::session_lost);
  EXPECT_EQ(r.detail(), "GET /json/rc_info: HTTP 403 JS_ERR_LOST_SESSION");
  EXPECT_EQ(c.last_status(), 403);
  EXPECT_EQ(c.last_ilo_message(), "JS_ERR_LOST_SESSION");
  EXPECT_FALSE(c.session_key()) << "a lost key is dropped";
  auto after = c.vm_status();
  EXPECT_EQ(after.error(), HttpError::not_logged_in);

  auto res = raw()->Get("/json/rc_info", cookie(key));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->body, kLostSessionBody);
}

TEST_F(HttpsApiTest, LogoutInvalidatesTheSession) {
  WebClient c = logged_in_client();
  const rest::SessionKey key = *c.session_key();
  auto out = c.logout();
  ASSERT_TRUE(out) << out.detail();
  EXPECT_FALSE(c.session_key());
  EXPECT_EQ(ctx_->sessions.live_sessions(TimePoint{}), 0u);
  c.set_session_key(key);
  auto r = c.session_info();
  EXPECT_EQ(r.error(), HttpError::session_lost);
  // Logging out a dead key: 403, and the client drops it.
  c.set_session_key(key);
  auto again = c.logout();
  EXPECT_EQ(again.error(), HttpError::session_lost);
  EXPECT_FALSE(c.session_key());
  EXPECT_EQ(c.logout().error(), HttpError::not_logged_in);
}

TEST_F(HttpsApiTest, ThreeFailuresLockLoginsForTenSeconds) {
  WebClient c = pinned_client();
  const std::string wrong = "hunter2-not-the-password";
  for (int i = 0; i < 3; ++i) {
    auto r = c.login("Administrator", wrong);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), HttpError::login_refused);
    EXPECT_EQ(r.detail(), "POST /json/login_session (login): HTTP 403 JS_ERR_NO_PRIV");
    EXPECT_EQ(r.detail().find(wrong), std::string::npos);
  }
  // Locked: even the right password is refused, with the lock-out message.
  auto locked = c.login("Administrator", "ilo-sim-password");
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error(), HttpError::login_refused);
  EXPECT_EQ(c.last_ilo_message(), sim::kLoginDelay);

  auto page = raw()->Get("/json/login_session");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(is_compact_json(page->body)) << page->body;
  auto settings = nlohmann::json::parse(page->body);
  EXPECT_EQ(settings["login_delay"], 10);
  EXPECT_EQ(settings["version"], "2.54");
  EXPECT_EQ(settings["alt"]["mode"], 0);
  EXPECT_EQ(settings["moniker"]["PRODGEN"], "iLO 4");

  advance(9s);
  EXPECT_FALSE(c.login("Administrator", "ilo-sim-password"));
  advance(1s);
  auto ok = c.login("Administrator", "ilo-sim-password");
  EXPECT_TRUE(ok) << ok.detail();
  page = raw()->Get("/json/login_session");
  ASSERT_TRUE(page);
  EXPECT_EQ(nlohmann::json::parse(page->body)["login_delay"], 0);
}

TEST_F(HttpsApiTest, RefuseLoginFaultRefusesGoodCredentials) {
  start(SimConfig{}, {"refuse-login"});
  WebClient c = pinned_client();
  auto r = c.login("Administrator", "ilo-sim-password");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), HttpError::login_refused);
  EXPECT_EQ(c.last_status(), 403);
  EXPECT_EQ(c.last_ilo_message(), rest::kNoPrivilege);
  EXPECT_EQ(ctx_->sessions.live_sessions(TimePoint{}), 0u);
}

TEST_F(HttpsApiTest, BadLoginBodyGets400) {
  auto res = raw()->Post("/json/login_session", R"({"method":"dance"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, R"({"message":"JS_ERR_BAD_REQUEST","details":null})");
}

TEST_F(HttpsApiTest, PinAcceptsEquivalentSpellingsAndRefusesAWrongOne) {
  std::string upper_no_colons;
  for (const char ch : api_->fingerprint())
    if (ch != ':')
      upper_no_colons += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  WebClient::Options o;
  o.base_url = base_url() + "/";
  o.pin_sha256 = upper_no_colons;
  WebClient same(o);
  EXPECT_TRUE(same.login("Administrator", "ilo-sim-password"));

  std::string wrong = api_->fingerprint();
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  o.pin_sha256 = wrong;
  WebClient c(o);
  const std::uint64_t failures_before = ctx_->sessions.failed_logins();
  const std::size_t live_before = ctx_->sessions.live_sessions(TimePoint{});
  auto r = c.login("Administrator", "ilo-sim-password");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), HttpError::fingerprint_mismatch);
  EXPECT_EQ(r.detail(), "certificate fingerprint mismatch: expected " + wrong + ", got " +
                            api_->fingerprint());
  EXPECT_FALSE(c.session_key());
  // The handshake failed before the request: the server saw no login at all.
  EXPECT_EQ(ctx_->sessions.failed_logins(), failures_before);
  EXPECT_EQ(ctx_->sessions.live_sessions(TimePoint{}), live_before);
}

TEST_F(HttpsApiTest, CaFileVerifiesChainAndHostName) {
  char path[] = "/tmp/ilofs-ca-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string pem = api_->certificate_pem();
  ASSERT_EQ(write(fd, pem.data(), pem.size()), static_cast<ssize_t>(pem.size()));
  close(fd);
  WebClient::Options o;
  o.base_url = base_url();
  o.ca_file = path;
  WebClient c(o);
  auto r = c.login("Administrator", "ilo-sim-password");
  EXPECT_TRUE(r) << r.detail();
  EXPECT_EQ(c.peer_fingerprint(), api_->fingerprint());

  // Another certificate as the CA: refused.
  sim::TlsIdentity other;
  ASSERT_FALSE(sim::TlsIdentity::generate("127.0.0.1", other));
  std::ofstream(path, std::ios::trunc) << other.certificate_pem();
  WebClient d(o);
  auto refused = d.login("Administrator", "ilo-sim-password");
  EXPECT_EQ(refused.error(), HttpError::tls_failed) << refused.detail();
  std::remove(path);
}

TEST_F(HttpsApiTest, InsecureModeAndOptionErrors) {
  WebClient::Options o;
  o.base_url = base_url();
  o.insecure = true;
  WebClient ok(o);
  EXPECT_TRUE(ok.login("Administrator", "ilo-sim-password"));
  EXPECT_EQ(ok.peer_fingerprint(), api_->fingerprint());

  const auto expect_bad = [](WebClient::Options bad) {
    WebClient c(std::move(bad));
    std::string detail;
    EXPECT_EQ(c.options_error(&detail), HttpError::bad_options);
    auto r = c.login("Administrator", "ilo-sim-password");
    EXPECT_EQ(r.error(), HttpError::bad_options);
    EXPECT_EQ(r.detail(), detail);
    EXPECT_EQ(detail.find("ilo-sim-password"), std::string::npos);
  };
  WebClient::Options none = o;
  none.insecure = false;
  expect_bad(none);
  WebClient::Options two = o;
  two.pin_sha256 = api_->fingerprint();
  expect_bad(two);
  WebClient::Options plain = o;
  plain.base_url = "http://127.0.0.1:" + std::to_string(api_->port());
  expect_bad(plain);
  WebClient::Options path = o;
  path.base_url = base_url() + "/json";
  expect_bad(path);
  WebClient::Options short_pin = o;
  short_pin.insecure = false;
  short_pin.pin_sha256 = "ab:cd";
  expect_bad(short_pin);
}

TEST_F(HttpsApiTest, EveryJsonReplyIsCompact) {
  WebClient c = logged_in_client();
  ASSERT_TRUE(c.vm_insert(rest::VmDevice::floppy, "http://10.0.0.5/a/floppy.img"));
  auto r = raw();
  const auto h = cookie(c.session_key()->text());
  for (const std::string path :
       {"/json/login_session", "/json/session_info", "/json/rc_info", "/json/vm_status"}) {
    SCOPED_TRACE(path);
    auto res = r->Get(path, h);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(is_compact_json(res->body)) << res->body;
    EXPECT_EQ(res->body.find(", "), std::string::npos);
    EXPECT_EQ(res->body.find("\": "), std::string::npos);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-javascript");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
  }
  // The Java client splits arrays of objects on the literal "},{".
  auto vm = r->Get("/json/vm_status", h);
  ASSERT_TRUE(vm);
  EXPECT_NE(vm->body.find(R"(},{"device":"CDROM")"), std::string::npos) << vm->body;
}

TEST_F(HttpsApiTest, JavaIrcPageCarriesInfo0) {
  WebClient c = logged_in_client();
  auto res = raw()->Get("/html/java_irc.html", cookie(c.session_key()->text()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::istringstream lines(res->body);
  std::string line, info0;
  while (std::getline(lines, line))
    if (line.rfind("info0=\"", 0) == 0) info0 = line.substr(7, 32);  // the Java client's rule
  EXPECT_TRUE(has_shape(info0, std::string(32, 'H'))) << res->body;
  EXPECT_NE(res->body.find("INFO0=\\\"" + info0 + "\\\""), std::string::npos);
}

TEST_F(HttpsApiTest, SimStateCallsTheHookAndReadAllReportsTheDisc) {
  auto r = raw();
  auto res = r->Get("/sim/state");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"boots":1,"power":"on"})");
  EXPECT_EQ(state_calls_.load(), 1);

  res = r->Post("/sim/vm/read-all", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  disc_present_ = true;
  res = r->Post("/sim/vm/read-all", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  // Power is not part of the API.
  res = r->Post("/sim/power", R"({"action":"press"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

// Writes `text` to a new temporary file and returns its path.
std::string temp_file(const std::string& text) {
  char path[] = "/tmp/ilofs-test-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  if (fd < 0) return {};
  EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

std::string private_key_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  std::string out(mem->data, mem->length);
  BIO_free(bio);
  return out;
}

TEST_F(HttpsApiTest, ServesTheCertificateAndKeyFiles) {
  sim::TlsIdentity id, other;
  ASSERT_FALSE(sim::TlsIdentity::generate("localhost", id));
  ASSERT_FALSE(sim::TlsIdentity::generate("127.0.0.1", other));
  const std::string cert = temp_file(id.certificate_pem());
  const std::string key = temp_file(private_key_pem(id.private_key()));
  const std::string other_key = temp_file(private_key_pem(other.private_key()));
  SimConfig config;
  config.cert_path = cert;
  config.key_path = key;
  start(config);
  EXPECT_EQ(api_->fingerprint(), id.fingerprint());
  WebClient c = pinned_client();
  EXPECT_TRUE(c.login("Administrator", "ilo-sim-password"));
  EXPECT_EQ(c.peer_fingerprint(), id.fingerprint());

  const auto listen_with = [](std::string cert_path, std::string key_path) {
    SimConfig config_files;
    config_files.cert_path = std::move(cert_path);
    config_files.key_path = std::move(key_path);
    SimContext ctx(std::move(config_files), TimePoint{});
    HttpsApi api(ctx, {});
    return api.listen("127.0.0.1", 0);
  };
  EXPECT_EQ(listen_with(cert, other_key), sim::TlsIdentityError::key_mismatch);
  EXPECT_EQ(listen_with("/nonexistent/cert.pem", key),
            sim::TlsIdentityError::certificate_unreadable);
  EXPECT_EQ(listen_with(cert, cert), sim::TlsIdentityError::key_unreadable);
  for (const auto& p : {cert, key, other_key}) std::remove(p.c_str());
}

TEST_F(HttpsApiTest, ListenReportsABusyPortAndASecondListen) {
  SimContext ctx(SimConfig{}, TimePoint{});
  HttpsApi second(ctx, {});
  const std::error_code ec = second.listen("127.0.0.1", api_->port());
  EXPECT_EQ(ec, std::errc::address_in_use) << ec.message();
  EXPECT_EQ(second.port(), 0);
  EXPECT_EQ(api_->listen("127.0.0.1", 0), std::errc::operation_in_progress);
  SimContext ctx2(SimConfig{}, TimePoint{});
  HttpsApi bad(ctx2, {});
  EXPECT_EQ(bad.listen("not an address", 0), sim::TlsIdentityError::bad_address);
}

// A recording TLS server: checks the exact requests WebClient sends.
TEST(WebClientWire, SendsExactlyTheSessionCookieAndCompactBodies) {
  sim::TlsIdentity id;
  ASSERT_FALSE(sim::TlsIdentity::generate("127.0.0.1", id));
  httplib::SSLServer server(id.certificate(), id.private_key());
  ASSERT_TRUE(server.is_valid());
  std::mutex m;
  std::vector<std::string> cookies;
  std::vector<int> client_ports;  // one per request: equal ports = one kept-alive connection
  std::string login_body, login_type;
  const std::string session_info = read_fixture("session_info.json");
  server.Get("/json/session_info", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(m);
    client_ports.push_back(req.remote_port);
    for (std::size_t i = 0; i < req.get_header_value_count("Cookie"); ++i)
      cookies.push_back(req.get_header_value("Cookie", i));
    res.set_content(session_info, "application/x-javascript");
  });
  server.Post("/json/login_session", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(m);
    client_ports.push_back(req.remote_port);
    login_body = req.body;
    login_type = req.get_header_value("Content-Type");
    res.set_content(R"({"session_key":"00112233445566778899aabbccddeeff"})",
                    "application/x-javascript");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();

  WebClient::Options o;
  o.base_url = "https://127.0.0.1:" + std::to_string(port);
  o.pin_sha256 = id.fingerprint();
  rest::Result<rest::SessionInfo> info = rest::Failure{};
  {
    WebClient c(o);
    auto login = c.login("Administrator", "pass\"word");
    EXPECT_TRUE(login) << login.detail();
    info = c.session_info();
    EXPECT_TRUE(info) << info.detail();
  }  // closes the kept-alive connection, so stop() need not wait for it
  server.stop();
  t.join();

  std::lock_guard lock(m);
  EXPECT_EQ(login_body,
            R"({"method":"login","user_login":"Administrator","password":"pass\"word"})");
  EXPECT_EQ(login_type, "application/json");
  ASSERT_EQ(client_ports.size(), 2u);
  EXPECT_EQ(client_ports[0], client_ports[1]) << "the connection is reused (keep-alive)";
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0], "sessionKey=00112233445566778899aabbccddeeff");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->user_ip, "10.139.205.102");
}

// A server that accepts TCP but never answers TLS: the total timeout ends the call.
TEST(WebClientWire, TotalTimeoutEndsASilentServer) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  WebClient::Options o;
  o.base_url = "https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.insecure = true;
  o.total_timeout = 300ms;
  WebClient c(o);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.login("Administrator", "secret-password");
  const auto took = std::chrono::steady_clock::now() - t0;
  close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), HttpError::timeout) << r.detail();
  EXPECT_EQ(r.detail().find("secret-password"), std::string::npos);
  EXPECT_LT(took, 2s);
}

}  // namespace
}  // namespace ilo
