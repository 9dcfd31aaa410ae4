// ilofs-rc: the companion process ilofs starts for each mounted server (see
// console_service.hpp). Usage: `ilofs-rc --fd N [--debug]`, N being its end of the socket pair.
// Everything else (host, keys, policy) arrives over that socket; nothing secret is in argv.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rcd/console_service.hpp"

namespace {

int usage() {
  std::fputs("usage: ilofs-rc --fd N [--debug]\n"
             "  (started by ilofs; N is its end of a SOCK_SEQPACKET socket pair)\n",
             stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int fd = -1;
  bool debug = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--fd" && i + 1 < argc) {
      char* end = nullptr;
      const long v = std::strtol(argv[++i], &end, 10);
      if (end == nullptr || *end != '\0' || v < 0 || v > 1'000'000) return usage();
      fd = static_cast<int>(v);
    } else if (arg == "--debug") {
      debug = true;
    } else {
      return usage();
    }
  }
  int type = 0;
  socklen_t len = sizeof type;
  if (fd < 0 || ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
      type != SOCK_SEQPACKET) {
    std::fputs("ilofs-rc: --fd is not a SOCK_SEQPACKET socket\n", stderr);
    return 2;
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  // SIGTERM and SIGINT are read from a signalfd by the service; blocked in every thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  ilo::rcd::ConsoleService service(fd, debug);
  return service.run();
}
