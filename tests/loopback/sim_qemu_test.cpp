// ilo-sim --machine qemu's process rules on the real binary: a QEMU that cannot start, or that
// dies, is a clear error in /sim/state (power off), never a hang; and QEMU never outlives the
// simulator, even one killed with SIGKILL. The boot through a mount is tests/mount's.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "sim_process.hpp"

namespace ilo {
namespace {

using namespace std::chrono_literals;
using test::SimProcess;
using test::wait_until;

bool qemu_installed() {
  return std::system("command -v qemu-system-x86_64 >/dev/null 2>&1") == 0;
}

nlohmann::json machine(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() ? s["machine"] : nlohmann::json();
}

// Alive and not a zombie.
bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  const int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[512] = {};
  const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  if (n <= 0) return false;
  const std::string stat(buffer, static_cast<std::size_t>(n));
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST(SimQemu, AQemuThatCannotStartIsAnErrorInState) {
  SimProcess sim({"--machine", "qemu", "--qemu", "/nonexistent/qemu-system-x86_64"});
  ASSERT_EQ(sim.error(), "");
  ASSERT_TRUE(wait_until([&] { return machine(sim)["error"].is_string(); }, 10s))
      << sim.state().dump();
  EXPECT_EQ(machine(sim)["error"], "QEMU exited with status 127");
  EXPECT_EQ(sim.state()["power"], "off");
  EXPECT_EQ(sim.state()["screen"]["width"], 0);
}

TEST(SimQemu, AQemuThatDiesIsAnErrorAndNeverOutlivesTheSimulator) {
  if (!qemu_installed()) GTEST_SKIP() << "qemu-system-x86_64 not installed (tools/deps)";
  pid_t qemu = -1;
  {
    SimProcess sim({"--machine", "qemu"});
    ASSERT_EQ(sim.error(), "");
    qemu = machine(sim)["pid"].get<pid_t>();
    ASSERT_GT(qemu, 0);
    ASSERT_TRUE(process_alive(qemu));
    ::kill(qemu, SIGKILL);
    ASSERT_TRUE(wait_until([&] { return machine(sim)["error"].is_string(); }, 10s));
    EXPECT_EQ(machine(sim)["error"], "QEMU killed by signal 9 (SIGKILL)");
    EXPECT_EQ(sim.state()["power"], "off");
  }
  {
    SimProcess sim({"--machine", "qemu"});
    ASSERT_EQ(sim.error(), "");
    qemu = machine(sim)["pid"].get<pid_t>();
    ASSERT_TRUE(process_alive(qemu));
    ::kill(sim.pid(), SIGKILL);  // no chance to clean up: the child's death signal does it
    EXPECT_TRUE(wait_until([&] { return !process_alive(qemu); }, 10s));
  }
}

}  // namespace
}  // namespace ilo
