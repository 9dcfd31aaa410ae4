// Support for the mount tests that abuse a real mount (mount_abuse_test.cpp): `ilofs` as a child
// process against a SimProcess, temporary directories, whole-file reads and one-call writes with
// read(2)/write(2), ISO images made by xorriso, and the descriptors a process holds. It checks
// nothing itself. (mount_test.cpp still has its own copy of the Mount fixture.)
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim_process.hpp"

namespace ilo::test {

// The whole file with read(2) ("" if it cannot be opened). Not <fstream>: GCC 12 warns about
// null dereferences inside <streambuf> under -Werror.
inline std::string read_file(const std::string& path) {
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

inline bool write_file(const std::string& path, const std::string& bytes, mode_t mode = 0644) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return ok;
}

// write(2) of `text` to `path` in one call: the errno, or 0 (EIO for a short write: a control
// file takes a whole command or nothing).
inline int write_once(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  if (err) return err;
  return n == static_cast<ssize_t>(text.size()) ? 0 : EIO;
}

inline std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string data(n, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  return data;
}

// A temporary directory removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "ilofs-abuse-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An ISO 9660 image made by xorriso with one file of seeded random bytes ("" on failure).
inline std::string make_iso(const std::string& dir, const std::string& volume_id,
                            std::size_t bytes) {
  const std::string tree = dir + "/" + volume_id + "-tree";
  std::filesystem::create_directories(tree);
  if (!write_file(tree + "/payload.bin", random_bytes(bytes, bytes))) return {};
  const std::string iso = dir + "/" + volume_id + ".iso";
  const std::string cmd = "xorriso -as mkisofs -quiet -V " + volume_id + " -o '" + iso + "' '" +
                          tree + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? iso : std::string();
}

// The descriptors process `pid` holds (-1 if /proc cannot say).
inline int open_descriptors(pid_t pid) {
  std::error_code ec;
  int n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
}

// What each descriptor of `pid` refers to, one per line (for failure messages).
inline std::string describe_descriptors(pid_t pid) {
  std::string out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code link_ec;
    out += it->path().filename().string() + " -> " +
           std::filesystem::read_symlink(it->path(), link_ec).string() + "\n";
  }
  return out;
}

// `ilofs -f` as a child process with its own mount point, cache and password file, against
// `sim`; unmounted (fusermount3 -u, then a lazy unmount) in every exit path.
class Mount {
 public:
  // `options`: extra -o options; `cache`: the cache directory ("" = one of its own).
  Mount(const SimProcess& sim, const std::vector<std::string>& options,
        const std::string& cache = {}) {
    mountpoint_ = dir_.path() + "/mnt";
    cache_ = cache.empty() ? dir_.path() + "/cache" : cache;
    std::filesystem::create_directories(mountpoint_);
    const std::string passfile = dir_.path() + "/password";
    write_file(passfile, std::string(SimProcess::password()) + "\n", 0600);
    std::string o = "passfile=" + passfile + ",cache=" + cache_ + ",fingerprint=" +
                    sim.fingerprint();
    for (const auto& extra : options) o += "," + extra;
    args_ = {ILOFS_EXE, "-f", "-o", o, "127.0.0.1:" + std::to_string(sim.https_port()),
             mountpoint_};
    log_path_ = dir_.path() + "/ilofs.log";
    spawn();
    mounted_ = wait_until([&] { return is_mounted() || exited(); },
                          std::chrono::seconds(15)) && is_mounted();
  }
  ~Mount() {
    unmount();
    if (::testing::Test::HasFailure()) {
      std::fprintf(stderr, "--- ilofs log (%s):\n%s---\n", mountpoint_.c_str(), log().c_str());
    }
  }
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string log() const { return read_file(log_path_); }
  [[nodiscard]] std::string path(const std::string& name) const {
    return mountpoint_ + "/" + name;
  }
  [[nodiscard]] const std::string& cache() const { return cache_; }
  [[nodiscard]] const std::string& mountpoint() const { return mountpoint_; }
  [[nodiscard]] nlohmann::json status() const {
    return nlohmann::json::parse(read_file(path("status")), nullptr, false);
  }
  [[nodiscard]] bool is_mounted() const {
    return read_file("/proc/self/mounts").find(" " + mountpoint_ + " ") != std::string::npos;
  }
  // True once the child has ended (its status in exit_status()).
  bool exited() {
    if (pid_ <= 0) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_) return false;
    exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    pid_ = -1;
    return true;
  }
  [[nodiscard]] int exit_status() const { return exit_status_; }

  void unmount() {
    if (is_mounted()) {
      const std::string cmd = "fusermount3 -u '" + mountpoint_ + "' 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) ::umount2(mountpoint_.c_str(), MNT_DETACH);
    }
    if (!wait_until([&] { return exited(); }, std::chrono::seconds(10))) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (is_mounted()) ::umount2(mountpoint_.c_str(), MNT_DETACH);
  }

 private:
  void spawn() {
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

  TempDir dir_;
  std::string mountpoint_, cache_, log_path_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  bool mounted_ = false;
  int exit_status_ = -1;
};

}  // namespace ilo::test
