// Loopback tests of RIBCL (docs/ribcl.md): the session owner's ribcl() and the web client's
// POST /ribcl against the real ilo-sim binary over TLS on 127.0.0.1: SET/GET_ONE_TIME_BOOT
// round trip (as the simulator's machine sees it), GET_HOST_POWER_STATUS, a wrong password
// (STATUS 0x005F, counted as a failed login), an unknown command, a pin mismatch refused before
// anything is sent, and no password in any log line, error text or simulator output.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "http/web_client.hpp"
#include "ribcl/ribcl_error.hpp"
#include "ribcl/ribcl_reply.hpp"
#include "ribcl/ribcl_request.hpp"
#include "session/session_owner.hpp"
#include "session_log_fixture.hpp"
#include "sim_process.hpp"

namespace ilo::session {
namespace {

using namespace std::chrono_literals;
using ribcl::BootDevice;
using test::SimProcess;

constexpr const char* kWrongPin =
    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:"
    "ee:ff";

// Keep-alives off: a test's requests are the only ones the simulator sees.
class RibclTest : public test::SessionLogTest {
 protected:
  SessionOwnerOptions options_for(const SimProcess& sim,
                                  const std::string& password = SimProcess::password()) {
    SessionOwnerOptions o = SessionLogTest::options_for(sim, password);
    o.keepalive_interval = 0ms;
    return o;
  }
};

TEST_F(RibclTest, OneTimeBootRoundTripsThroughTheMachine) {
  SimProcess sim({"--boot-order", "hdd,cd"});
  ASSERT_EQ(sim.error(), "");
  EXPECT_EQ(sim.state()["boot_order"], (nlohmann::json{"hdd", "cd"}));
  // The machine boots when the simulator starts: let that boot pick its device first, or it
  // would use (and clear) a one-time boot set below.
  ASSERT_TRUE(test::wait_until([&] {
    const auto s = sim.state();
    return s["phase"] == "running" && s["last_boot_device"] == "hdd";
  }, 10s)) << sim.state().dump();
  SessionOwner owner(options_for(sim));
  std::string reply, error;
  ASSERT_FALSE(owner.ribcl(ribcl::get_one_time_boot(), reply, error)) << error;
  auto device = ribcl::parse_one_time_boot(reply);
  ASSERT_TRUE(device) << device.detail();
  EXPECT_EQ(device.value(), BootDevice::normal);
  // iLO 4's shape: several documents, the payload in one of them.
  EXPECT_EQ(ribcl::split_documents(reply)->size(), 6u) << reply;

  for (const auto d : {BootDevice::cd, BootDevice::usb, BootDevice::floppy, BootDevice::hdd,
                       BootDevice::network, BootDevice::normal}) {
    ASSERT_FALSE(owner.ribcl(ribcl::set_one_time_boot(d), reply, error)) << error;
    EXPECT_EQ(sim.state()["one_time_boot"], ribcl::boot_word(d));
    ASSERT_FALSE(owner.ribcl(ribcl::get_one_time_boot(), reply, error)) << error;
    device = ribcl::parse_one_time_boot(reply);
    ASSERT_TRUE(device) << device.detail();
    EXPECT_EQ(device.value(), d);
  }

  ASSERT_FALSE(owner.ribcl(ribcl::get_host_power_status(), reply, error)) << error;
  auto on = ribcl::parse_host_power(reply);
  ASSERT_TRUE(on) << on.detail();
  EXPECT_TRUE(on.value());
  // RIBCL logins are not web sessions.
  EXPECT_EQ(sim.state()["web"]["sessions"], 0);
  EXPECT_EQ(sim.stderr_text().find(SimProcess::password()), std::string::npos);
}

TEST_F(RibclTest, BadBootOrderIsRefusedAtStart) {
  for (const std::string order : {"cd,cd", "normal", "hdd,", "dvd"}) {
    SimProcess sim({"--boot-order", order});
    EXPECT_NE(sim.error().find("--boot-order takes distinct words"), std::string::npos)
        << order << ": " << sim.error();
  }
}

TEST_F(RibclTest, WrongPasswordIsRefusedWithTheIloStatus) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim, "not-the-password"));
  std::string reply, error;
  const auto ec = owner.ribcl(ribcl::set_one_time_boot(BootDevice::cd), reply, error);
  EXPECT_EQ(ec, SessionError::wrong_credentials);
  EXPECT_NE(error.find("refused the RIBCL login"), std::string::npos) << error;
  EXPECT_NE(error.find("STATUS 0x005F: Login failed."), std::string::npos) << error;
  EXPECT_EQ(reply, "");
  remember_text(error);
  const auto state = sim.state();
  EXPECT_EQ(state["one_time_boot"], "normal");  // nothing changed
  EXPECT_EQ(state["web"]["failed_logins"], 1);

  // The raw reply: two documents, the second with the login status (as iLO 4 sends it).
  http::WebClient web({.base_url = sim.base_url(), .pin_sha256 = sim.fingerprint()});
  auto body = ribcl::build_request("Administrator", "not-the-password",
                                   ribcl::get_one_time_boot());
  ASSERT_TRUE(body);
  auto raw = web.ribcl(body.value());
  ASSERT_TRUE(raw) << raw.detail();
  EXPECT_EQ(ribcl::split_documents(raw.value())->size(), 2u) << raw.value();
  EXPECT_EQ(ribcl::check_reply(raw.value()).error(), ribcl::RibclError::login_failed);
}

TEST_F(RibclTest, AChangedPasswordRefusesRibclButKeepsTheWebSession) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim));
  std::string error;
  ASSERT_FALSE(owner.login(error)) << error;
  remember_secret("changed-by-the-admin");
  ASSERT_EQ(sim.post("/sim/password", R"({"password":"changed-by-the-admin"})"), 200);
  EXPECT_EQ(sim.post("/sim/password", R"({"password":""})"), 400);
  std::string reply;
  EXPECT_EQ(owner.ribcl(ribcl::get_one_time_boot(), reply, error),
            SessionError::wrong_credentials);
  remember_text(error);
  EXPECT_EQ(owner.status().state, SessionOwnerStatus::State::up);
  EXPECT_TRUE(owner.keys());
}

TEST_F(RibclTest, UnknownCommandGetsAnErrorStatus) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  SessionOwner owner(options_for(sim));
  std::string reply, error;
  const auto ec = owner.ribcl({"SERVER_INFO", "read", "GET_WARP_DRIVE", std::nullopt}, reply,
                              error);
  EXPECT_EQ(ec, ribcl::RibclError::ilo_status);
  EXPECT_NE(error.find("STATUS 0x0001"), std::string::npos) << error;
  EXPECT_NE(error.find("GET_WARP_DRIVE"), std::string::npos) << error;
  remember_text(error);
  // A write command in a read section, and a value that is no device.
  EXPECT_EQ(owner.ribcl({"SERVER_INFO", "read", "SET_ONE_TIME_BOOT", "CDROM"}, reply, error),
            ribcl::RibclError::ilo_status);
  EXPECT_EQ(owner.ribcl({"SERVER_INFO", "write", "SET_ONE_TIME_BOOT", "WARP"}, reply, error),
            ribcl::RibclError::ilo_status);
  EXPECT_EQ(sim.state()["one_time_boot"], "normal");

  // A body that is not RIBCL at all gets the syntax error status too.
  http::WebClient web({.base_url = sim.base_url(), .pin_sha256 = sim.fingerprint()});
  auto raw = web.ribcl("<html/>");
  ASSERT_TRUE(raw) << raw.detail();
  EXPECT_EQ(ribcl::check_reply(raw.value()).error(), ribcl::RibclError::ilo_status);
}

TEST_F(RibclTest, PinMismatchIsRefusedBeforeThePasswordIsSent) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto options = options_for(sim);
  options.tls.pin_sha256 = kWrongPin;
  SessionOwner owner(std::move(options));
  std::string reply, error;
  EXPECT_EQ(owner.ribcl(ribcl::set_one_time_boot(BootDevice::cd), reply, error),
            SessionError::tls_mismatch);
  EXPECT_NE(error.find(sim.fingerprint()), std::string::npos) << error;
  remember_text(error);
  const auto state = sim.state();
  EXPECT_EQ(state["one_time_boot"], "normal");
  EXPECT_EQ(state["web"]["failed_logins"], 0);  // no request reached the server
}

}  // namespace
}  // namespace ilo::session
