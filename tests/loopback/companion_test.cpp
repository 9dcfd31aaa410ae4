// The companion end to end: Companion (this process) supervising the real ilofs-rc binary,
// which drives the real ilo-sim binary's console. The frame read through the shared memory
// must equal the simulated screen (SHA-256), commands must reach the machine, faults and a
// killed companion must heal by themselves, and no secret may reach a log line (the child's
// stderr is forwarded into the log, so it is checked too). Keys come from the product's
// SessionOwner logged in to the simulator, as in the mount.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <syslog.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"
#include "rc/text_keys.hpp"
#include "rcd/companion.hpp"
#include "rcd/companion_protocol.hpp"
#include "rcd/packet_socket.hpp"
#include "session/session_owner.hpp"
#include "sim_process.hpp"
#include "vm/sha256.hpp"

namespace ilo {
namespace {

using namespace std::chrono_literals;
using rcd::Companion;
using rcd::CompanionOptions;
using rcd::LinkState;
using test::SimProcess;
using test::wait_until;

// Every log line of a companion, for the secret check and for failure messages.
class Logs {
 public:
  void add(int priority, const std::string& text) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::to_string(priority) + " " + text);
  }
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// One simulator, the session owner logged in, and a started companion.
struct Rig {
  explicit Rig(std::vector<std::string> sim_args, net::BusyPolicy busy = net::BusyPolicy::fail,
               const std::function<void(CompanionOptions&)>& adjust = {})
      : sim([&] {
          sim_args.insert(sim_args.end(), {"--frame-interval", "50", "--ping-interval", "300"});
          return sim_args;
        }()) {
    if (!sim.error().empty()) return;
    session::SessionOwnerOptions so;
    so.host = "127.0.0.1";
    so.https_port = sim.https_port();
    so.password = session::Secret(SimProcess::password());
    so.tls.pin_sha256 = sim.fingerprint();
    so.keepalive_interval = 0ms;  // renewals in these tests come from the companion only
    so.log = [this](int p, const std::string& t) { logs.add(p, "session: " + t); };
    owner = std::make_unique<session::SessionOwner>(std::move(so));
    std::string error;
    if (owner->login(error)) {
      ADD_FAILURE() << "login: " << error;
      return;
    }
    remember_keys();
    keys_seen = owner->subscribe([this](const session::SessionKeys&) { remember_keys(); });
    CompanionOptions o;
    o.program = ILOFS_RC_EXE;
    o.host = "127.0.0.1";
    o.busy = busy;
    o.policy.backoff_initial = 100ms;
    o.policy.backoff_max = 1000ms;
    o.policy.handshake_timeout = 3000ms;
    o.restart_initial = 200ms;
    o.restart_max = 2000ms;
    o.command_timeout = 10'000ms;
    o.debug = true;  // debug lines must be free of secrets too
    o.log = [this](int p, const std::string& t) { logs.add(p, t); };
    if (adjust) adjust(o);
    companion = std::make_unique<Companion>(o, *owner);
    companion->start();
  }
  ~Rig() {
    if (companion) companion->stop();
    companion.reset();
    keys_seen.reset();
    owner.reset();  // logs out
    check_no_secret();
  }

  void remember_keys() {
    const auto k = owner->keys();
    if (!k) return;
    std::lock_guard lock(secrets_mutex);
    secrets.push_back(k->session_key.text());
    secrets.push_back(k->enc_key.text());
  }
  void check_no_secret() {
    const std::string text = lower(logs.all());
    // The companion's stderr is in the log: a sanitizer report there is a failure.
    EXPECT_EQ(text.find("sanitizer"), std::string::npos) << logs.all();
    EXPECT_EQ(text.find("runtime error"), std::string::npos) << logs.all();
    EXPECT_EQ(text.find(lower(SimProcess::password())), std::string::npos);
    std::lock_guard lock(secrets_mutex);
    for (const auto& s : secrets) {
      EXPECT_EQ(text.find(lower(s)), std::string::npos) << "a key reached the log";
    }
  }

  // The companion's frame equals the simulated screen now.
  bool frame_matches() const {
    rcd::FrameSnapshot f;
    if (!companion->snapshot(f)) return false;
    const auto state = sim.state();
    if (!state.is_object()) return false;
    return to_hex(vm::Sha256::of(f.pixels)) == state["screen"]["sha256"].get<std::string>();
  }
  bool console_up() const { return companion->status().console == LinkState::up; }
  bool power_is(bool on) const { return companion->status().power_on == std::optional<bool>(on); }
  bool sim_power_is(const char* v) const {
    const auto s = sim.state();
    return s.is_object() && s["power"] == v;
  }

  SimProcess sim;
  Logs logs;
  std::unique_ptr<session::SessionOwner> owner;
  std::shared_ptr<void> keys_seen;
  std::mutex secrets_mutex;
  std::vector<std::string> secrets;
  std::unique_ptr<Companion> companion;
};

#define ASSERT_RIG(rig) \
  ASSERT_EQ((rig).sim.error(), "");  \
  ASSERT_TRUE((rig).companion)

// Each cipher: the published frame is the simulated screen; typed keys and a pointer action
// reach the machine, and each command returns once written.
class CompanionCipher : public ::testing::TestWithParam<std::string> {};

TEST_P(CompanionCipher, FrameKeysPointer) {
  Rig rig({"--cipher", GetParam()});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.console_up(); }, 10s)) << rig.logs.all();
  ASSERT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s)) << rig.logs.all();
  // The status follows the frame within one report interval.
  ASSERT_TRUE(wait_until([&] { return rig.companion->status().width > 0; }));
  const auto st = rig.companion->status();
  EXPECT_GT(st.pid, 0);
  EXPECT_EQ(st.width, rig.sim.state()["screen"]["width"].get<int>());
  EXPECT_GT(st.frames, 0u);
  EXPECT_GT(rig.companion->frame_sequence(), 0u);
  // Nothing secret in the companion's command line or environment.
  for (const char* what : {"cmdline", "environ"}) {
    std::ifstream in("/proc/" + std::to_string(st.pid) + "/" + what, std::ios::binary);
    const std::string text =
        lower({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
    EXPECT_NE(text.find(what == std::string("cmdline") ? "--fd" : "lc_all"), std::string::npos);
    std::lock_guard lock(rig.secrets_mutex);
    for (const auto& secret : rig.secrets) EXPECT_EQ(text.find(lower(secret)), std::string::npos);
  }

  // Typing before the machine's shell runs would be eaten by its boot script.
  ASSERT_TRUE(wait_until([&] { return rig.sim.state()["phase"] == "running"; }, 15s));
  std::error_code ec;
  const auto reports = rc::reports_for_text("hello\n", ec);
  ASSERT_FALSE(ec);
  EXPECT_FALSE(rig.companion->keys(reports));
  EXPECT_TRUE(wait_until([&] {
    return test::state_text(rig.sim.state()).find("hello") != std::string::npos;
  }));
  EXPECT_TRUE(wait_until([&] { return rig.sim.state()["keys_typed"] == 6; }));
  EXPECT_TRUE(wait_until([&] { return rig.frame_matches(); }));

  const int w = st.width, h = st.height;
  const rc::PointerAction click[] = {{w / 4, h / 2, rc::kButtonLeft}, {-1, -1, 0}};
  EXPECT_FALSE(rig.companion->pointer(click));
  EXPECT_TRUE(wait_until([&] {
    const auto p = rig.sim.state()["pointer"];
    // The machine maps the absolute 0..3000 back to pixels: within one pixel of ours.
    return std::abs(p["x"].get<int>() - w / 4) <= 1 && std::abs(p["y"].get<int>() - h / 2) <= 1 &&
           p["buttons"] == 0;
  })) << rig.sim.state()["pointer"].dump();
  // Outside the screen: refused whole.
  const rc::PointerAction outside[] = {{w + 5, 1, 0}};
  EXPECT_EQ(rig.companion->pointer(outside), std::errc::invalid_argument);
  EXPECT_FALSE(rig.companion->refresh());
  EXPECT_EQ(rig.sim.state()["console"]["counters"]["protocol_errors"], 0);
}

INSTANTIATE_TEST_SUITE_P(Ciphers, CompanionCipher,
                         ::testing::Values("rc4", "aes128", "aes256", "none"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// A long line is typed whole: the time the companion takes to pace the keys is added to the
// command timeout (here 22 reports at 100 ms each, 2.2 s, against a 1 s timeout).
TEST(Companion, TypingLongerThanTheCommandTimeoutCompletes) {
  Rig rig({}, net::BusyPolicy::fail, [](CompanionOptions& o) {
    o.command_timeout = 1000ms;
    o.typing_interval = 100ms;
  });
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.console_up(); }, 10s)) << rig.logs.all();
  ASSERT_TRUE(wait_until([&] { return rig.sim.state()["phase"] == "running"; }, 15s));
  std::error_code ec;
  const auto reports = rc::reports_for_text("abcdefghij\n", ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(reports.size(), 22u);
  EXPECT_FALSE(rig.companion->keys(reports));
  EXPECT_TRUE(wait_until([&] { return rig.sim.state()["keys_typed"] == 11; }));
  EXPECT_NE(test::state_text(rig.sim.state()).find("abcdefghij"), std::string::npos);
}

// Power words reach the machine; off publishes 0x0 (no video), on brings a frame back.
TEST(Companion, PowerOffPublishesNoVideoAndOnBringsTheFrameBack) {
  Rig rig({});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s)) << rig.logs.all();
  EXPECT_TRUE(wait_until([&] { return rig.power_is(true); }));
  EXPECT_FALSE(rig.companion->power(rc::PowerAction::press_and_hold));
  EXPECT_TRUE(wait_until([&] { return rig.sim_power_is("off"); }));
  rcd::FrameSnapshot f;
  EXPECT_TRUE(wait_until([&] {
    return rig.companion->snapshot(f) && f.width == 0 && f.height == 0;
  }));
  EXPECT_TRUE(f.pixels.empty());
  EXPECT_TRUE(wait_until([&] { return rig.power_is(false); }));
  EXPECT_TRUE(rig.frame_matches());  // the sim's hash of no pixels

  EXPECT_FALSE(rig.companion->power(rc::PowerAction::momentary_press));
  EXPECT_TRUE(wait_until([&] { return rig.sim_power_is("on"); }));
  EXPECT_TRUE(wait_until([&] { return rig.companion->snapshot(f) && f.width > 0; }));
  EXPECT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s));
  EXPECT_TRUE(wait_until([&] { return rig.power_is(true); }));
}

// Waits until the simulator has dropped the connection (its fault counter), then measures
// until the companion publishes a whole frame equal to the screen again. The start is seen
// through /sim/state, so it is late by at most one poll (a few ms on loopback).
void expect_heals_after_drop(Rig& rig, const char* what) {
  ASSERT_TRUE(wait_until([&] {
    const auto s = rig.sim.state();
    return s.is_object() && s["console"]["counters"]["fault_drops"] == 1;
  }, 15s)) << rig.logs.all();
  const auto t0 = std::chrono::steady_clock::now();
  const auto before = rig.companion->status();
  const auto seq = rig.companion->frame_sequence();
  // Reconnected, and a frame decoded since (published if the picture changed) equals the
  // screen. On a slow machine the reconnect may beat the poll that saw the drop.
  ASSERT_TRUE(wait_until([&] {
    const auto now = rig.companion->status();
    return now.reconnects >= 1 && now.console == LinkState::up &&
           (rig.companion->frame_sequence() > seq || now.frames > before.frames) &&
           rig.frame_matches();
  }, 10s)) << rig.logs.all();
  const auto reconnects = before.reconnects;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0).count();
  std::printf("[ figure ] %s: whole frame again %lld ms after the drop (reconnects %llu -> %llu)\n",
              what, static_cast<long long>(ms), static_cast<unsigned long long>(reconnects),
              static_cast<unsigned long long>(rig.companion->status().reconnects));
  EXPECT_LT(ms, 5000);
}

TEST(Companion, ConsoleDropReconnects) {
  // The drop comes mid-stream, after whole frames: the machine is reset until the stream
  // (a new boot banner each time) reaches the fault's byte count.
  Rig rig({"--fault", "drop:rc:6000"});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s)) << rig.logs.all();
  std::printf("[ info ] first whole frame after %llu console bytes\n",
              static_cast<unsigned long long>(rig.companion->status().bytes_received));
  EXPECT_EQ(rig.sim.state()["console"]["counters"]["fault_drops"], 0);  // not dropped yet
  const auto dropped = [&] {
    const auto s = rig.sim.state();
    return s.is_object() && s["console"]["counters"]["fault_drops"] == 1;
  };
  for (int i = 0; i < 10 && !dropped(); ++i) {
    (void)rig.companion->power(rc::PowerAction::reset);  // fails once the drop happened
    if (wait_until(dropped, 1500ms)) break;
  }
  expect_heals_after_drop(rig, "drop:rc");
  EXPECT_TRUE(wait_until([&] { return rig.companion->status().reconnects == 1; }));
  EXPECT_EQ(rig.companion->status().restarts, 0u);
}

TEST(Companion, CommandDropReconnects) {
  Rig rig({"--fault", "drop:cmd:20"});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s)) << rig.logs.all();
  // The command connection came back on its own; the console never left.
  EXPECT_TRUE(wait_until([&] { return rig.companion->status().command == LinkState::up; }, 8s))
      << rig.logs.all();
  // A second command session: the first was dropped by the fault.
  EXPECT_TRUE(wait_until([&] {
    return rig.sim.state()["console"]["counters"]["command_sessions"] == 2 &&
           rig.companion->status().command == LinkState::up;
  }, 8s)) << rig.sim.state()["console"].dump();
  EXPECT_EQ(rig.companion->status().reconnects, 0u);  // the console stayed up
  EXPECT_FALSE(rig.companion->power(rc::PowerAction::press_and_hold));
  EXPECT_TRUE(wait_until([&] { return rig.sim_power_is("off"); }));
}

TEST(Companion, BusyFailIsAClearErrorWithoutConsole) {
  Rig rig({"--fault", "busy"}, net::BusyPolicy::fail);
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return !rig.companion->status().console_error.empty(); }, 10s));
  const auto st = rig.companion->status();
  EXPECT_NE(st.console, LinkState::up);
  std::printf("[ info ] busy + fail: %s\n", st.console_error.c_str());
  EXPECT_EQ(rig.companion->power(rc::PowerAction::momentary_press), std::errc::not_connected);
  rcd::FrameSnapshot f;
  EXPECT_FALSE(rig.companion->snapshot(f));
  std::this_thread::sleep_for(500ms);
  EXPECT_NE(rig.companion->status().console, LinkState::up);
}

// The phantom user of `--fault busy` gives way to a seize and allows a share.
// A console in use by someone else is taken over (seize) or joined (share).
class CompanionBusy : public ::testing::TestWithParam<net::BusyPolicy> {};

TEST_P(CompanionBusy, Works) {
  Rig rig({"--fault", "busy"}, GetParam());
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.console_up(); }, 10s)) << rig.logs.all();
  EXPECT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s));
  EXPECT_EQ(rig.sim.state()["console"]["counters"]["busy"], 1);
}

INSTANTIATE_TEST_SUITE_P(Policies, CompanionBusy,
                         ::testing::Values(net::BusyPolicy::seize, net::BusyPolicy::share),
                         [](const auto& p) {
                           return p.param == net::BusyPolicy::seize ? "Seize" : "Share";
                         });

// stop() closes the console cleanly: the companion closes its connections and exits.
TEST(Companion, StopClosesTheConsoleAndEndsTheProcess) {
  Rig rig({});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.console_up(); }, 10s)) << rig.logs.all();
  const int pid = rig.companion->status().pid;
  const auto t0 = std::chrono::steady_clock::now();
  rig.companion->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  EXPECT_EQ(rig.companion->status().pid, 0);
  EXPECT_EQ(::kill(pid, 0), -1);  // exited and reaped
  EXPECT_TRUE(wait_until([&] { return rig.sim.state()["console"]["connections"].empty(); }))
      << rig.sim.state()["console"].dump();
  EXPECT_NE(rig.logs.all().find("closing the console"), std::string::npos) << rig.logs.all();
  EXPECT_EQ(rig.logs.all().find("SIGKILL"), std::string::npos);
  EXPECT_EQ(rig.companion->power(rc::PowerAction::momentary_press), std::errc::not_connected);
}

// A killed companion is restarted; the frame comes back from the new one's memory.
TEST(Companion, KilledCompanionIsRestarted) {
  Rig rig({});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s)) << rig.logs.all();
  const auto seq = rig.companion->frame_sequence();
  const int pid = rig.companion->status().pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return rig.companion->status().restarts == 1; }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return rig.console_up() && rig.frame_matches(); }, 10s))
      << rig.logs.all();
  std::printf("[ figure ] companion SIGKILL: whole frame again %lld ms after the restart\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - t0).count()));
  EXPECT_NE(rig.companion->status().pid, pid);
  EXPECT_GT(rig.companion->frame_sequence(), seq);
  EXPECT_EQ(rig.companion->status().restarts, 1u);
}

// The iLO forgets the login: the next console attempt is refused ('Q'), the companion reports
// the stale generation, the owner logs in again and the new keys bring the console back.
TEST(Companion, StaleKeyIsRenewedThroughTheOwner) {
  Rig rig({});
  ASSERT_RIG(rig);
  ASSERT_TRUE(wait_until([&] { return rig.frame_matches(); }, 10s)) << rig.logs.all();
  const auto generation = rig.owner->keys()->generation;
  std::string body;
  ASSERT_EQ(rig.sim.post("/sim/sessions/expire", "{}", &body), 200) << body;
  // A new console connection is needed for the iLO to check the key: restart the companion.
  ASSERT_EQ(::kill(rig.companion->status().pid, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] {
    const auto k = rig.owner->keys();
    return k && k->generation > generation;
  }, 10s)) << rig.logs.all();
  EXPECT_TRUE(wait_until([&] { return rig.console_up() && rig.frame_matches(); }, 10s))
      << rig.logs.all();
  EXPECT_GE(rig.owner->status().renewals, 1u);
  EXPECT_GE(rig.sim.state()["console"]["counters"]["rejected"].get<int>(), 1);
  EXPECT_NE(rig.logs.all().find("refused the keys of login"), std::string::npos);
}

// ilofs-rc on its own, driven by the test over its socket: it hands over its frame memfd
// first, survives garbage from its parent, and exits when the parent's socket closes.
class RawChild {
 public:
  explicit RawChild(std::vector<std::string> args = {"--fd", "3"}) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return;
    parent_ = pair[0];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 3);
    args.insert(args.begin(), ILOFS_RC_EXE);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    char* envp[] = {nullptr};
    if (::posix_spawn(&pid_, ILOFS_RC_EXE, &actions, nullptr, argv.data(), envp) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(pair[1]);
  }
  ~RawChild() {
    if (parent_ >= 0) ::close(parent_);
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // The next message from the child within 5 s.
  std::optional<rcd::proto::Message> next(int* fd = nullptr) {
    pollfd p{parent_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return std::nullopt;
    std::vector<std::uint8_t> packet;
    int received = -1;
    bool eof = false;
    if (rcd::receive_packet(parent_, packet, rcd::proto::kMaxMessage, received, eof) || eof) {
      return std::nullopt;
    }
    if (fd != nullptr) *fd = received;
    else if (received >= 0) ::close(received);
    return rcd::proto::parse(packet);
  }
  // The exit status within 5 s, or -1.
  int wait_exit() {
    for (int i = 0; i < 500; ++i) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  void close_parent() {
    ::close(parent_);
    parent_ = -1;
  }
  int parent_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

TEST(CompanionProcess, HandsOverTheFrameSurvivesGarbageAndExitsWithItsParent) {
  RawChild child;
  ASSERT_GT(child.pid_, 0);
  int fd = -1;
  auto first = child.next(&fd);
  ASSERT_TRUE(first);
  ASSERT_TRUE(std::holds_alternative<rcd::proto::Frame>(first->body));
  std::error_code ec;
  auto reader = rcd::SharedFrameReader::open(fd, ec);
  EXPECT_FALSE(ec) << ec.message();
  rcd::FrameSnapshot f;
  EXPECT_FALSE(reader.snapshot(f));  // nothing published without a console
  // Garbage and a command without a console: a warning and not_connected, no crash.
  const std::vector<std::uint8_t> garbage = {0xee, 1, 2, 3, 4, 5, 6};
  ASSERT_FALSE(rcd::send_packet(child.parent_, garbage));
  bool warned = false;
  for (int i = 0; i < 5 && !warned; ++i) {
    auto m = child.next();
    ASSERT_TRUE(m);
    if (auto* l = std::get_if<rcd::proto::Log>(&m->body)) {
      warned = l->text.find("malformed") != std::string::npos;
    }
  }
  EXPECT_TRUE(warned);
  ASSERT_FALSE(rcd::send_packet(child.parent_, rcd::proto::encode({42, rcd::proto::Power{0}})));
  bool acked = false;
  for (int i = 0; i < 10 && !acked; ++i) {
    auto m = child.next();
    ASSERT_TRUE(m);
    if (auto* a = std::get_if<rcd::proto::Ack>(&m->body)) {
      EXPECT_EQ(m->id, 42u);
      EXPECT_EQ(a->error, static_cast<int>(std::errc::not_connected));
      acked = true;
    }
  }
  EXPECT_TRUE(acked);
  child.close_parent();
  EXPECT_EQ(child.wait_exit(), 0);
}

TEST(CompanionProcess, SigtermEndsItCleanly) {
  RawChild child;
  ASSERT_GT(child.pid_, 0);
  ASSERT_TRUE(child.next());  // the frame: it is up
  ASSERT_EQ(::kill(child.pid_, SIGTERM), 0);
  EXPECT_EQ(child.wait_exit(), 0);
}

// A key source without keys (the companion then waits for them).
class NoKeys final : public rcd::KeySource {
 public:
  [[nodiscard]] std::optional<session::SessionKeys> keys() const override { return std::nullopt; }
  void renew(std::uint64_t) override {}
  [[nodiscard]] std::shared_ptr<void> subscribe(session::SessionOwner::KeysHandler) override {
    return nullptr;
  }
};

TEST(CompanionProcess, MissingProgramIsReportedAndRetried) {
  Logs logs;
  CompanionOptions o;
  o.program = "/nonexistent/ilofs-rc";
  o.restart_initial = 50ms;
  o.restart_max = 100ms;
  o.log = [&](int p, const std::string& t) { logs.add(p, t); };
  Companion companion(o, std::make_shared<NoKeys>());
  companion.start();
  EXPECT_TRUE(wait_until([&] {
    return companion.status().console_error.find("cannot start") != std::string::npos;
  }, 2s)) << logs.all();
  std::this_thread::sleep_for(300ms);
  const auto st = companion.status();
  EXPECT_EQ(st.pid, 0);
  EXPECT_EQ(st.restarts, 0u);  // nothing was started
  EXPECT_EQ(st.console, LinkState::down);
  EXPECT_EQ(companion.refresh(), std::errc::not_connected);
  rcd::FrameSnapshot f;
  EXPECT_FALSE(companion.snapshot(f));
  EXPECT_EQ(companion.frame_sequence(), 0u);
  const auto t0 = std::chrono::steady_clock::now();
  companion.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

TEST(CompanionProcess, RefusesAnFdThatIsNotItsSocket) {
  RawChild child({"--fd", "0"});
  ASSERT_GT(child.pid_, 0);
  EXPECT_EQ(child.wait_exit(), 2);
  RawChild bad_usage({"--secret", "x"});
  EXPECT_EQ(bad_usage.wait_exit(), 2);
}

}  // namespace
}  // namespace ilo
