// ilo-sim's timing options end to end: the real binary (tests/support's SimProcess) started with
// --busy-timeout and --vm-poll-interval, observed through /sim/state and a raw console client
// (the core's connect request over a plain socket). No client session code; the keep-alive
// behaviour itself is tested in-process by vm_loopback.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "http/web_client.hpp"
#include "rc/connect_request.hpp"
#include "sim_process.hpp"

namespace ilo {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::SimProcess;

// A blocking TCP client with bounded reads.
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  bool send(const std::uint8_t* data, std::size_t n) {
    return ::send(fd_, data, n, MSG_NOSIGNAL) == static_cast<ssize_t>(n);
  }
  // One byte (0..255), -1 at end of stream or on an error, -2 if nothing came in `timeout`.
  int read_byte(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -2;
    std::uint8_t b = 0;
    return ::recv(fd_, &b, 1, 0) == 1 ? b : -1;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// Logs in over HTTPS and opens a console connection up to its status byte; returns the socket
// (or nothing if the login or the hello failed) and the status byte in `status`.
std::unique_ptr<RawSocket> console_handshake(const SimProcess& sim, int& status) {
  http::WebClient web({.base_url = sim.base_url(), .pin_sha256 = sim.fingerprint()});
  auto login = web.login("Administrator", SimProcess::password());
  if (!login) return nullptr;
  auto info = web.rc_info();
  if (!info) return nullptr;
  std::error_code ec;
  const auto request =
      rc::build_connect_request(rc::ConnectionType::console, login->session_key.text(),
                                info->enc_key.text(), info->optional_features, ec);
  if (ec) return nullptr;
  auto socket = std::make_unique<RawSocket>(info->rc_port);
  if (!socket->connected() || socket->read_byte(3s) != 'P') return nullptr;
  if (!socket->send(request.data(), request.size())) return nullptr;
  status = socket->read_byte(3s);
  return socket;
}

std::uint64_t handshake_timeouts(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() ? s["console"]["counters"]["handshake_timeouts"].get<std::uint64_t>() : 99;
}

TEST(SimOptions, BusyTimeoutClosesASilentBusyClient) {
  SimProcess sim({"--fault", "busy", "--busy-timeout", "500"});
  ASSERT_TRUE(sim.error().empty()) << sim.error();
  int status = 0;
  auto socket = console_handshake(sim, status);
  ASSERT_TRUE(socket);
  ASSERT_EQ(status, 'S');
  const auto asked = Clock::now();
  EXPECT_EQ(socket->read_byte(5s), -1);  // closed, nothing sent
  EXPECT_GE(Clock::now() - asked, 400ms);
  EXPECT_LT(Clock::now() - asked, 3s);
  EXPECT_TRUE(test::wait_until([&] { return handshake_timeouts(sim) == 1; }, 2s))
      << sim.state().dump();
}

TEST(SimOptions, BusyClientMayTakeItsTime) {
  SimProcess sim({"--fault", "busy", "--busy-timeout", "5000"});
  ASSERT_TRUE(sim.error().empty()) << sim.error();
  int status = 0;
  auto socket = console_handshake(sim, status);
  ASSERT_TRUE(socket);
  ASSERT_EQ(status, 'S');
  EXPECT_EQ(socket->read_byte(2s), -2);  // still open, waiting for the answer
  EXPECT_EQ(handshake_timeouts(sim), 0u);
  const std::uint8_t seize[] = {0x55, 0x00};
  ASSERT_TRUE(socket->send(seize, sizeof seize));
  EXPECT_EQ(socket->read_byte(3s), 'R');  // the phantom owner gives way
}

TEST(SimOptions, VmPollIntervalIsReported) {
  {
    SimProcess sim({"--vm-poll-interval", "3000"});
    ASSERT_TRUE(sim.error().empty()) << sim.error();
    EXPECT_EQ(sim.state()["vm"]["poll_interval_ms"], 3000);
  }
  SimProcess sim;
  ASSERT_TRUE(sim.error().empty()) << sim.error();
  EXPECT_EQ(sim.state()["vm"]["poll_interval_ms"], 500);
}

}  // namespace
}  // namespace ilo
