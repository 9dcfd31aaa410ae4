// The VNC console through a real mount: `ilofs -o vnc=127.0.0.1:PORT,vncpassfile=F` against
// ilo-sim, viewed with libvncclient (the client half of the Debian source package that gives
// the server). A viewer with the password sees the simulator's screen pixel for pixel (its
// SHA-256 is /sim/state's), types text that appears on the simulated console, clicks where the
// simulator says; a wrong password is refused; two viewers see the same screen; a viewer
// killed mid-update leaves the mount (and its companion) working. Exits 77 without /dev/fuse.
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rfb/rfbclient.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mount_support.hpp"
#include "sim_process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace ilo::test;
using nlohmann::json;

// A TCP port on 127.0.0.1 nobody listens on right now, for `-o vnc=` (which takes a fixed
// port). It is picked below the kernel's ephemeral range (ip_local_port_range), from which
// every port-0 bind and outgoing connection of the tests running beside this one is drawn, so
// none of them can take it between this check and the companion's bind.
std::uint16_t free_port() {
  int ephemeral_low = 32768;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d", &ephemeral_low) != 1) ephemeral_low = 32768;
    std::fclose(f);
  }
  const int low = 10000, high = std::max(low + 1000, ephemeral_low);
  std::mt19937 random(static_cast<std::uint32_t>(::getpid()) ^ std::random_device{}());
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto port = static_cast<std::uint16_t>(
        std::uniform_int_distribution<int>(low, high - 1)(random));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 0;  // the mount then fails with a clear message
}

char g_password_tag;

char* give_password(rfbClient* client) {
  const auto* password =
      static_cast<const std::string*>(rfbClientGetClientData(client, &g_password_tag));
  return ::strdup(password ? password->c_str() : "");
}

// A libvncclient viewer on 127.0.0.1:port; connected() false if the handshake failed.
class Viewer {
 public:
  Viewer(std::uint16_t port, std::string password) : password_(std::move(password)) {
    rfbClient* c = rfbGetClient(8, 3, 4);  // RGBX in memory: red shift 0
    std::free(c->serverHost);  // rfbGetClient's default ("")
    c->serverHost = ::strdup("127.0.0.1");
    c->serverPort = port;
    c->appData.encodingsString = "zrle hextile raw";  // lossless (no JPEG)
    c->appData.enableJPEG = FALSE;
    c->canHandleNewFBSize = TRUE;
    c->GetPassword = give_password;
    rfbClientSetClientData(c, &g_password_tag, &password_);
    int argc = 0;
    if (rfbInitClient(c, &argc, nullptr)) client_ = c;  // on failure it freed `c`
  }
  ~Viewer() {
    if (client_) {
      std::free(client_->frameBuffer);
      rfbClientCleanup(client_);
    }
  }
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  [[nodiscard]] bool connected() const { return client_ != nullptr; }
  [[nodiscard]] int width() const { return client_->width; }
  [[nodiscard]] int height() const { return client_->height; }

  // Handles whatever the server sent within `wait`, then asks for changes. False if the
  // connection broke.
  bool pump(std::chrono::milliseconds wait = 50ms) {
    const int n = WaitForMessage(client_, static_cast<unsigned>(wait.count() * 1000));
    if (n < 0) return false;
    if (n > 0 && !HandleRFBServerMessage(client_)) return false;
    return SendFramebufferUpdateRequest(client_, 0, 0, client_->width, client_->height, TRUE);
  }
  // Pumps until `done` holds or `limit` passes, so the viewer keeps up with the server.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    return wait_until([&] {
      pump(10ms);
      return done();
    }, limit);
  }
  // The picture as RGB888 rows (what /sim/state hashes).
  [[nodiscard]] std::string sha256() const {
    std::string rgb;
    const std::size_t pixels = std::size_t(client_->width) * std::size_t(client_->height);
    rgb.reserve(pixels * 3);
    for (std::size_t i = 0; i < pixels; ++i) {
      for (std::size_t k = 0; k < 3; ++k) {
        rgb.push_back(static_cast<char>(client_->frameBuffer[i * 4 + k]));
      }
    }
    return sha256_hex(rgb);
  }
  // Pumps until the picture's hash is the simulator's (read afresh each turn).
  bool shows(const SimProcess& sim, std::chrono::milliseconds limit = 10s) {
    return wait_until([&] {
      if (!pump()) return false;
      const auto screen = sim.state()["screen"];
      return screen.is_object() && screen["width"] == width() && screen["height"] == height() &&
             screen["sha256"] == sha256();
    }, limit);
  }
  void key(std::uint32_t keysym) {
    SendKeyEvent(client_, keysym, TRUE);
    SendKeyEvent(client_, keysym, FALSE);
  }
  void type(const std::string& text) {
    for (const char ch : text) {
      const bool upper = ch >= 'A' && ch <= 'Z';
      if (upper) SendKeyEvent(client_, 0xffe1, TRUE);  // Shift_L, then the upper-case keysym
      key(static_cast<unsigned char>(ch));
      if (upper) SendKeyEvent(client_, 0xffe1, FALSE);
    }
  }
  void click(int x, int y) {
    SendPointerEvent(client_, x, y, 1);
    SendPointerEvent(client_, x, y, 0);
  }
  [[nodiscard]] rfbClient* raw() const { return client_; }
  // Where the picture differs from RGB rows `rgb` (debugging): "x,y" of the first and last
  // differing pixel and their count.
  [[nodiscard]] std::string diff(const std::string& rgb) const {
    const std::size_t pixels = std::size_t(client_->width) * std::size_t(client_->height);
    if (rgb.size() != pixels * 3) return "size differs";
    std::size_t first = pixels, last = 0, count = 0;
    for (std::size_t i = 0; i < pixels; ++i) {
      bool same = true;
      for (std::size_t k = 0; k < 3; ++k) {
        same &= client_->frameBuffer[i * 4 + k] == static_cast<std::uint8_t>(rgb[i * 3 + k]);
      }
      if (same) continue;
      first = std::min(first, i);
      last = i;
      ++count;
    }
    const auto w = std::size_t(client_->width);
    return std::to_string(first % w) + "," + std::to_string(first / w) + " .. " +
           std::to_string(last % w) + "," + std::to_string(last / w) + ": " +
           std::to_string(count);
  }

 private:
  std::string password_;
  rfbClient* client_ = nullptr;
};

// A bare RFB 3.8 viewer without authentication that announces only the Raw encoding (no
// desktop-size extension): libvncclient always announces it, so this one is by hand.
class RawViewer {
 public:
  explicit RawViewer(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    std::string version = take(12), types;
    put("RFB 003.008\n");
    const std::string count = take(1);
    if (count.size() == 1) types = take(static_cast<unsigned char>(count[0]));
    if (types.find('\x01') == std::string::npos) return;
    put(std::string(1, '\x01'));                              // security: None
    if (take(4) != std::string(4, '\0')) return;              // SecurityResult OK
    put(std::string(1, '\x01'));                              // ClientInit: shared
    const std::string init = take(24);
    if (init.size() != 24) return;
    width_ = (static_cast<unsigned char>(init[0]) << 8) | static_cast<unsigned char>(init[1]);
    const auto name = (std::size_t(static_cast<unsigned char>(init[22])) << 8) |
                      static_cast<unsigned char>(init[23]);
    take(name);
    put(std::string("\x02\x00\x00\x01\x00\x00\x00\x00", 8));  // SetEncodings: Raw only
    ready_ = true;
  }
  ~RawViewer() { ::close(fd_); }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] int width() const { return width_; }
  // Asks for the whole screen and reads whatever comes; false once the server closed.
  bool pump() {
    put(std::string("\x03\x00\x00\x00\x00\x00\x10\x00\x10\x00", 10));
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) return true;
    char buffer[1 << 16];
    return ::recv(fd_, buffer, sizeof buffer, 0) > 0;
  }

 private:
  std::string take(std::size_t n) {
    std::string out;
    char buffer[256];
    while (out.size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) break;
      const ssize_t got = ::recv(fd_, buffer, std::min(sizeof buffer, n - out.size()), 0);
      if (got <= 0) break;
      out.append(buffer, std::size_t(got));
    }
    return out;
  }
  void put(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  int fd_ = -1;
  int width_ = 0;
  bool ready_ = false;
};

TEST(MountVnc, ViewerSeesTypesAndClicksWithThePassword) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  const std::uint16_t port = free_port();
  const TempDir secrets;
  const std::string passfile = secrets.path() + "/vnc.pass";
  ASSERT_TRUE(write_file(passfile, "vncpass1\n", 0600));
  Mount mount(sim, {.o = {"vnc=127.0.0.1:" + std::to_string(port), "vncpassfile=" + passfile}});
  ASSERT_TRUE(console_up(mount, 15s));
  ASSERT_TRUE(wait_until([&] { return at_prompt(sim); }, 15s));
  EXPECT_EQ(mount.status()["vnc"]["listen"], "127.0.0.1:" + std::to_string(port));

  // A wrong password is refused (and never listed).
  {
    Viewer wrong(port, "wrongpw!");
    EXPECT_FALSE(wrong.connected());
  }

  Viewer viewer(port, "vncpass1");
  ASSERT_TRUE(viewer.connected());
  ASSERT_TRUE(viewer.shows(sim)) << viewer.sha256() << " " << sim.state()["screen"].dump();
  EXPECT_EQ(viewer.width(), 1024);
  EXPECT_EQ(viewer.height(), 768);
  ASSERT_TRUE(wait_until([&] { return mount.status()["vnc"]["viewers"].size() == 1; }, 5s))
      << mount.status().dump();
  const auto listed = mount.status()["vnc"]["viewers"][0];
  EXPECT_EQ(listed["address"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << listed;
  EXPECT_TRUE(listed["since"].is_string()) << listed;

  // Typing: a Shift held around upper-case keysyms types them once, and Return.
  viewer.type("echo Vnc OK");
  viewer.key(0xff0d);  // Return
  ASSERT_TRUE(viewer.pump_until([&] {
    const auto text = state_text(sim.state());
    return text.find("root@ilo-sim:~# echo Vnc OK\nroot@ilo-sim:~#") != std::string::npos;
  }, 10s)) << state_text(sim.state());
  // ... and the viewer sees the new text (only the changed tiles were sent).
  EXPECT_TRUE(viewer.shows(sim));

  // A click lands on that pixel of the server's screen.
  viewer.click(321, 123);
  EXPECT_TRUE(viewer.pump_until([&] {
    const auto p = sim.state()["pointer"];
    return p["x"] == 321 && p["y"] == 123;
  }, 5s)) << sim.state()["pointer"].dump();

  // A second viewer sees the same screen; the keyboard file still works beside them.
  Viewer second(port, "vncpass1");
  ASSERT_TRUE(second.connected());
  EXPECT_TRUE(second.shows(sim));
  EXPECT_TRUE(viewer.shows(sim));

  // A viewer killed in the middle of updates: a child process that keeps asking while the
  // screen changes, then SIGKILL. The mount, its companion and the other viewers go on.
  const int companion = mount.status()["companion"]["pid"].get<int>();
  const pid_t child = ::fork();
  if (child == 0) {
    Viewer doomed(port, "vncpass1");
    for (;;) doomed.pump(5ms);
  }
  ASSERT_TRUE(wait_until([&] { return mount.status()["vnc"]["viewers"].size() == 3; }, 5s));
  for (int i = 0; i < 5; ++i) viewer.type("x");  // changes while it reads
  std::this_thread::sleep_for(100ms);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(viewer.pump_until([&] {
    return mount.status()["vnc"]["viewers"].size() == 2;
  }, 5s)) << mount.status().dump();
  const int fd = ::open(mount.path("keyboard").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  const std::string line = "<Backspace><Backspace><Backspace><Backspace><Backspace>echo after\n";
  EXPECT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  ::close(fd);
  ASSERT_TRUE(viewer.pump_until([&] {
    const auto text = state_text(sim.state());
    return text.find("root@ilo-sim:~# echo after\nroot@ilo-sim:~#") != std::string::npos;
  }, 10s)) << state_text(sim.state());
  EXPECT_TRUE(viewer.shows(sim));
  EXPECT_TRUE(second.shows(sim));
  EXPECT_EQ(mount.status()["companion"]["pid"], companion);
  EXPECT_EQ(mount.status()["companion"]["restarts"], 0);
  EXPECT_EQ(mount.log().find("vncpass1"), std::string::npos);  // never logged

  // The server switches its screen mode: viewers (with the desktop-size extension) get the
  // new size and picture.
  ASSERT_EQ(sim.post("/sim/resolution", R"({"width":800,"height":600})"), 200);
  EXPECT_TRUE(viewer.shows(sim)) << viewer.width() << "x" << viewer.height();
  EXPECT_EQ(viewer.width(), 800);
  EXPECT_EQ(viewer.height(), 600);
  EXPECT_TRUE(second.shows(sim)) << second.width() << "x" << second.height() << " "
                                 << second.diff(read_file(mount.path("screen.ppm")).substr(15));
  Viewer late(port, "vncpass1");
  ASSERT_TRUE(late.connected());
  EXPECT_TRUE(late.shows(sim));
  EXPECT_EQ(late.width(), 800);
}

TEST(MountVnc, ListeningBeyondLoopbackNeedsAPassword) {
  SimProcess sim({"--frame-interval", "50"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {.o = {"vnc=0.0.0.0:5999"}});
  EXPECT_EQ(mount.wait_exit(10s), 2);
  EXPECT_NE(mount.log().find("without a password"), std::string::npos) << mount.log();
  EXPECT_FALSE(mount.mounted());
}

TEST(MountVnc, LoopbackWithoutPasswordIsOpen) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  const std::uint16_t port = free_port();
  Mount mount(sim, {.o = {"vnc=127.0.0.1:" + std::to_string(port)}});
  ASSERT_TRUE(console_up(mount, 15s));
  Viewer viewer(port, "");
  ASSERT_TRUE(viewer.connected());
  EXPECT_TRUE(viewer.shows(sim));

  // A viewer that cannot be told of a new size is disconnected when the mode changes; it
  // reconnects at the new size.
  RawViewer fixed(port);
  ASSERT_TRUE(fixed.ready());
  EXPECT_EQ(fixed.width(), 1024);
  ASSERT_TRUE(fixed.pump());
  ASSERT_EQ(sim.post("/sim/resolution", R"({"width":640,"height":480})"), 200);
  EXPECT_TRUE(wait_until([&] { return !fixed.pump(); }, 5s));
  EXPECT_TRUE(viewer.shows(sim));
  RawViewer again(port);
  ASSERT_TRUE(again.ready());
  EXPECT_EQ(again.width(), 640);

  // Ctrl-Alt-Delete as a viewer's menu sends it reboots the server.
  const auto boots = sim.state()["boots"].get<int>();
  for (const std::uint32_t k : {0xffe3u, 0xffe9u, 0xffffu}) SendKeyEvent(viewer.raw(), k, TRUE);
  for (const std::uint32_t k : {0xffffu, 0xffe9u, 0xffe3u}) SendKeyEvent(viewer.raw(), k, FALSE);
  EXPECT_TRUE(viewer.pump_until([&] {
    return sim.state()["boots"].get<int>() > boots;
  }, 5s)) << sim.state().dump();
}

// Keysyms go through the mount's layout= table (handed to the companion): on a German server
// 'z' and 'y' are swapped, '@' is AltGr+q and 'é' a dead key then e; a US table would type
// "yz\"" and nothing for é.
TEST(MountVnc, KeysFollowTheServersLayout) {
  auto args = fast_sim();
  args.insert(args.end(), {"--layout", "de"});
  SimProcess sim(args);
  ASSERT_EQ(sim.error(), "");
  const std::uint16_t port = free_port();
  Mount mount(sim, {.o = {"layout=de", "vnc=127.0.0.1:" + std::to_string(port)}});
  ASSERT_TRUE(console_up(mount, 15s));
  ASSERT_TRUE(wait_until([&] { return at_prompt(sim); }, 15s));
  Viewer viewer(port, "");
  ASSERT_TRUE(viewer.connected());
  for (const std::uint32_t keysym : {0x7au /* z */, 0x79u /* y */, 0x40u /* @ */, 0xe9u}) {
    viewer.key(keysym);
  }
  EXPECT_TRUE(viewer.pump_until([&] {
    return state_text(sim.state()).find("root@ilo-sim:~# zy@\u00e9") !=
           std::string::npos;
  }, 10s)) << state_text(sim.state());
}

}  // namespace

void quiet(const char*, ...) {}

int main(int argc, char** argv) {
  rfbClientLog = quiet;  // libvncclient's progress lines; its errors (rfbClientErr) stay
  return ilo::test::run_mount_tests(argc, argv, /*needs_xorriso=*/false);
}
