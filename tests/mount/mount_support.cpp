// Support shared by the mount test binaries: the Mount fixture (`ilofs` as a child process),
// file helpers with read(2)/write(2), xorriso images, child waits with a deadline, the skip
// checks of main(). Nothing here asserts; the tests do.
#include "mount_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <span>
#include <thread>

#include "bytes/hex.hpp"
#include "gtest_skips.hpp"
#include "vm/sha256.hpp"

namespace ilo::test {

namespace fsys = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buffer[1 << 16];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

bool write_file(const std::string& path, const std::string& bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return ok;
}

int write_control(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  if (err) return err;
  return n == static_cast<ssize_t>(text.size()) ? 0 : EIO;
}

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string data(n, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  return data;
}

std::string sha256_hex(std::string_view bytes) {
  return ilo::to_hex(ilo::vm::Sha256::of(std::span(
      reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())));
}

TempDir::TempDir() {
  std::string tmpl = (fsys::temp_directory_path() / "ilofs-mount-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data())) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fsys::remove_all(path_, ec);
}

std::string make_iso(const std::string& dir, const std::string& volume_id, std::size_t bytes) {
  const std::string tree = dir + "/" + volume_id + "-tree";
  fsys::create_directories(tree);
  if (!write_file(tree + "/payload.bin", random_bytes(bytes, bytes))) return {};
  const std::string iso = dir + "/" + volume_id + ".iso";
  const std::string cmd = "xorriso -as mkisofs -quiet -V " + volume_id + " -o '" + iso + "' '" +
                          tree + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? iso : std::string();
}

namespace {

// Calls `each` for every entry of /proc/PID/fd; false if the directory cannot be read.
template <typename Each>
bool for_each_descriptor(pid_t pid, Each each) {
  std::error_code ec;
  for (fsys::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    each(*it);
  }
  return !ec;
}

// A waitpid(2) status as one number: the exit code, or 128 + the signal.
int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int open_descriptors(pid_t pid) {
  int n = 0;
  return for_each_descriptor(pid, [&](const fsys::directory_entry&) { ++n; }) ? n : -1;
}

std::string describe_descriptors(pid_t pid) {
  std::string out;
  for_each_descriptor(pid, [&](const fsys::directory_entry& entry) {
    std::error_code link_ec;
    out += entry.path().filename().string() + " -> " +
           fsys::read_symlink(entry.path(), link_ec).string() + "\n";
  });
  return out;
}

std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds limit) {
  int status = 0;
  if (wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, limit)) return status;
  return std::nullopt;
}

std::optional<int> wait_child_or_kill(pid_t pid, std::chrono::milliseconds limit) {
  const auto status = wait_child(pid, limit);
  if (!status) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  return status;
}

std::vector<std::string> fast_sim() {
  return {"--frame-interval", "50", "--ping-interval", "300"};
}

nlohmann::json vm_state(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() ? s["vm"] : nlohmann::json();
}

bool disc_in(const SimProcess& sim, const std::string& volume_id) {
  const auto vm = vm_state(sim);
  return vm.is_object() && vm["medium_present"] == true && vm["volume_id"] == volume_id;
}

bool at_prompt(const SimProcess& sim) {
  return state_text(sim.state()).find("root@ilo-sim:~#") != std::string::npos;
}

Mount::Mount(const SimProcess& sim, Options options, const std::string& cache) {
  mountpoint_ = dir_.path() + "/mnt";
  cache_ = cache.empty() ? dir_.path() + "/cache" : cache;
  fsys::create_directories(mountpoint_);
  write_file(passfile(), options.password + "\n", 0600);
  std::string o = "passfile=" + passfile() + ",cache=" + cache_;
  if (options.pin) o += ",fingerprint=" + sim.fingerprint();
  for (const auto& extra : options.o) o += "," + extra;
  args_ = {ILOFS_EXE};
  if (options.foreground) args_.push_back("-f");
  args_.insert(args_.end(), {"-o", o, "127.0.0.1:" + std::to_string(sim.https_port()),
                             mountpoint_});
  log_path_ = dir_.path() + "/ilofs.log";
  spawn();
  if (!options.foreground) {
    exit_status_ = wait_exit(20s);
    if (exit_status_ != 0) return;
  }
  // In the foreground a child that ends (a bad option) stops the wait early.
  mounted_ = wait_until([&] { return is_mounted() || (pid_ > 0 && wait_exit(0ms) != -1); },
                        15s) && is_mounted();
  if (!mounted_) {
    error_ = "not mounted within 15 s (exit status " + std::to_string(exit_status_) + "): " +
             log();
  }
}

Mount::~Mount() {
  unmount();
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "--- ilofs log (%s):\n%s---\n", mountpoint_.c_str(), log().c_str());
  }
}

nlohmann::json Mount::status() const {
  return nlohmann::json::parse(read_file(path("status")), nullptr, false);
}

bool Mount::is_mounted() const {
  return read_file("/proc/self/mounts").find(" " + mountpoint_ + " ") != std::string::npos;
}

int Mount::wait_exit(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return exit_status_;
  const auto status = wait_child(pid_, limit);
  if (!status) return -1;
  pid_ = -1;
  exit_status_ = exit_code(*status);
  return exit_status_;
}

void Mount::unmount() {
  if (is_mounted()) {
    const std::string cmd = "fusermount3 -u '" + mountpoint_ + "' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) ::umount2(mountpoint_.c_str(), MNT_DETACH);
  }
  if (pid_ > 0) {
    const auto status = wait_child_or_kill(pid_, 10s);
    exit_status_ = status ? exit_code(*status) : 128 + SIGKILL;
    pid_ = -1;
  }
  if (is_mounted()) ::umount2(mountpoint_.c_str(), MNT_DETACH);
}

bool Mount::terminate() {
  if (pid_ <= 0) return false;
  ::kill(pid_, SIGTERM);
  if (wait_exit(10s) == -1) return false;
  return !is_mounted();
}

void Mount::spawn() {
  pid_ = ::fork();
  if (pid_ != 0) return;
  const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) {
    ::dup2(fd, STDERR_FILENO);
    ::dup2(fd, STDOUT_FILENO);
  }
  std::vector<char*> argv;
  for (auto& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::setenv("ILOFS_RC", ILOFS_RC_EXE, 1);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

bool console_ready(const Mount& mount) {
  const auto s = mount.status();
  return s.is_object() && s["connections"]["console"]["state"] == "up" &&
         s["screen"]["width"].get<int>() > 0;
}

::testing::AssertionResult console_up(const Mount& mount, std::chrono::milliseconds limit) {
  if (!mount.mounted()) return ::testing::AssertionFailure() << "not mounted: " << mount.error();
  if (!wait_until([&] { return console_ready(mount); }, limit)) {
    return ::testing::AssertionFailure() << "console not ready within " << limit.count()
                                         << " ms: " << mount.status().dump();
  }
  return ::testing::AssertionSuccess();
}

int run_mount_tests(int argc, char** argv, bool needs_xorriso) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    std::fprintf(stderr, "SKIP: /dev/fuse is not usable here (%s): the mount tests need FUSE\n",
                 std::strerror(errno));
    return 77;
  }
  if (std::system("command -v fusermount3 >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "SKIP: fusermount3 is not installed (apt-get install fuse3)\n");
    return 77;
  }
  if (needs_xorriso && std::system("command -v xorriso >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "SKIP: xorriso is not installed (apt-get install xorriso)\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return run_all_tests_reporting_skips();
}

}  // namespace ilo::test
