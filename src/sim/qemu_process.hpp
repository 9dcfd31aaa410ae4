// The QEMU child of ilo-sim: started with given fds at fixed numbers (3, 4, ...), it dies with
// the simulator (PR_SET_PDEATHSIG in the child, SIGKILL in the destructor) and is reaped here.
// It knows nothing of QMP or of what the fds carry.
#pragma once

#include <string>
#include <sys/types.h>
#include <system_error>
#include <vector>

namespace ilo::sim {

class QemuProcess {
 public:
  QemuProcess() = default;
  ~QemuProcess();
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;

  // Runs argv[0] (searched in PATH) with `fds[i]` as fd 3 + i and stdin on /dev/null; every
  // other fd of ours stays out. The caller keeps (and closes) its fds.
  std::error_code spawn(const std::vector<std::string>& argv, const std::vector<int>& fds);
  // Reaps the child if it ended (no wait); true once it has, with how in exit_text().
  bool poll_exit();
  // SIGKILL and reap (waits for it).
  void kill();

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool running() const noexcept { return pid_ > 0 && !exited_; }
  // "exited with status N" or "killed by signal N (NAME)"; empty while running.
  [[nodiscard]] const std::string& exit_text() const noexcept { return exit_text_; }

 private:
  void reaped(int status);

  pid_t pid_ = -1;
  bool exited_ = false;
  std::string exit_text_;
};

}  // namespace ilo::sim
