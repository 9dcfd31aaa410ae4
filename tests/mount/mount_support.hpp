// What the three mount test binaries share: the Mount fixture (`ilofs` as a child process),
// file, ISO and child-process helpers, and their main(). It asserts nothing itself
// (console_up() returns a result for the test to assert).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim_process.hpp"

namespace ilo::test {

// The whole file with read(2) ("" if it cannot be opened). Not <fstream>: GCC 12 warns about
// null dereferences inside <streambuf> under -Werror.
std::string read_file(const std::string& path);
bool write_file(const std::string& path, const std::string& bytes, mode_t mode = 0644);
// write(2) of `text` to `path` in one call: the errno, or 0 (EIO for a short write: a control
// file takes a whole command or nothing).
int write_control(const std::string& path, const std::string& text);
std::string random_bytes(std::size_t n, std::uint64_t seed);
std::string sha256_hex(std::string_view bytes);

// A temporary directory removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An ISO 9660 image made by xorriso with one file of seeded random bytes ("" on failure).
std::string make_iso(const std::string& dir, const std::string& volume_id, std::size_t bytes);

// The descriptors process `pid` holds (-1 if /proc cannot say).
int open_descriptors(pid_t pid);
// What each descriptor of `pid` refers to, one per line (for failure messages).
std::string describe_descriptors(pid_t pid);

// The waitpid(2) status of child `pid` once it ends within `limit`, or nullopt (still running).
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds limit);
// The same, but a child still running at `limit` is killed (SIGKILL) and reaped: nullopt then.
std::optional<int> wait_child_or_kill(pid_t pid, std::chrono::milliseconds limit);

// Simulator arguments for quick tests: a frame every 50 ms, a ping every 300 ms.
std::vector<std::string> fast_sim();
// The simulator's virtual-media part of /sim/state (null if there is none).
nlohmann::json vm_state(const SimProcess& sim);
// The simulator's CD-ROM drive holds the disc whose ISO 9660 volume ID is `volume_id`.
bool disc_in(const SimProcess& sim, const std::string& volume_id);
// The simulated machine has booted to its prompt (keys typed before would mix into POST).
bool at_prompt(const SimProcess& sim);

// `ilofs` as a child process with its own mount point, cache and password file, against `sim`;
// unmounted (fusermount3 -u, then a lazy unmount) in every exit path. A failing test shows
// what the mount logged (ilofs never logs a secret).
class Mount {
 public:
  struct Options {
    std::vector<std::string> o;  // extra -o options
    std::string password = SimProcess::password();
    bool pin = true;  // fingerprint= of the simulator
    bool foreground = true;
  };

  // `cache`: the cache directory ("" = a new one in the mount's own directory). In the
  // foreground (-f) it waits until mounted or ended; otherwise first for the parent to exit.
  Mount(const SimProcess& sim, Options options, const std::string& cache = {});
  ~Mount();
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  // Why it is not mounted ("" if it is, or if the daemonizing parent failed).
  [[nodiscard]] const std::string& error() const { return error_; }
  // The exit status (128 + signal for a signal) once known, else -1. Without -f: the parent's.
  [[nodiscard]] int exit_status() const { return exit_status_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string log() const { return read_file(log_path_); }
  [[nodiscard]] std::string path(const std::string& name) const {
    return mountpoint_ + "/" + name;
  }
  [[nodiscard]] const std::string& cache() const { return cache_; }
  [[nodiscard]] std::string passfile() const { return dir_.path() + "/password"; }
  [[nodiscard]] const std::string& mountpoint() const { return mountpoint_; }
  [[nodiscard]] nlohmann::json status() const;
  [[nodiscard]] bool is_mounted() const;

  // The exit status once the child ended within `limit`, else -1.
  int wait_exit(std::chrono::milliseconds limit);
  // fusermount3 -u (what a user does), then the process must end by itself (else SIGKILL).
  void unmount();
  // SIGTERM; true if the process unmounted and ended by itself.
  bool terminate();

 private:
  void spawn();

  TempDir dir_;
  std::string mountpoint_, cache_, log_path_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  bool mounted_ = false;
  int exit_status_ = -1;
  std::string error_;
};

// The console is up and the screen published (the mount's status says so).
bool console_ready(const Mount& mount);

// The mount is mounted and its console ready within `limit`; a failure says which, with the
// mount's error or status.
::testing::AssertionResult console_up(const Mount& mount, std::chrono::milliseconds limit);

// main() of a mount test binary: exits 77 and says why without a usable /dev/fuse, fusermount3
// or (if `needs_xorriso`) xorriso; else runs the tests, reporting skips.
int run_mount_tests(int argc, char** argv, bool needs_xorriso);

}  // namespace ilo::test
