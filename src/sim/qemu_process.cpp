// The QEMU child (see qemu_process.hpp). Between fork and exec the child calls only
// async-signal-safe functions: the simulator has other threads (the HTTPS server's).
#include "sim/qemu_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ilo::sim {

QemuProcess::~QemuProcess() { kill(); }

std::error_code QemuProcess::spawn(const std::vector<std::string>& argv,
                                   const std::vector<int>& fds) {
  if (argv.empty() || pid_ > 0) return std::make_error_code(std::errc::invalid_argument);
  // Everything the child needs is made before fork.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) return {errno, std::generic_category()};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(devnull);
    return {e, std::generic_category()};
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the simulator died before the prctl
    // Move the fds out of the way of their targets first, then into place.
    const int base = 100;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (::dup2(fds[i], base + static_cast<int>(i)) < 0) ::_exit(127);
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (::dup2(base + static_cast<int>(i), 3 + static_cast<int>(i)) < 0) ::_exit(127);
    ::dup2(devnull, 0);
    const unsigned first_closed = 3 + static_cast<unsigned>(fds.size());
    ::syscall(SYS_close_range, first_closed, ~0U, 0U);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(devnull);
  pid_ = pid;
  exited_ = false;
  exit_text_.clear();
  return {};
}

bool QemuProcess::poll_exit() {
  if (pid_ <= 0 || exited_) return exited_;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) reaped(status);
  return exited_;
}

void QemuProcess::kill() {
  if (pid_ <= 0 || exited_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) reaped(status);
}

void QemuProcess::reaped(int status) {
  exited_ = true;
  if (WIFEXITED(status)) {
    exit_text_ = "exited with status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    const char* name = ::sigabbrev_np(WTERMSIG(status));
    exit_text_ = "killed by signal " + std::to_string(WTERMSIG(status)) + " (SIG" +
                 (name ? name : "?") + ")";
  } else {
    exit_text_ = "ended";
  }
}

}  // namespace ilo::sim
