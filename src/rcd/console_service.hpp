// The companion's whole job (ilofs-rc): read the parent's messages from the socket pair, run
// one net::ConsoleSession (on its own io_context thread) with its own framebuffer, publish a
// copy of every complete frame into the shared frame, carry out commands one at a time (keys
// paced, each acknowledged once written to the console connection), and report status, stale
// keys and log lines back. It does not log in (keys come from the parent) and never puts a
// key into any message but its own `keys`.
#pragma once

#include <memory>

namespace ilo::rcd {

class ConsoleService {
 public:
  // `socket` is the companion's end of the socket pair (owned from now on).
  ConsoleService(int socket, bool debug);
  ~ConsoleService();
  ConsoleService(const ConsoleService&) = delete;
  ConsoleService& operator=(const ConsoleService&) = delete;

  // Runs until the parent closes the socket, sends `close`, or SIGTERM/SIGINT arrives (the
  // caller blocks those signals in every thread before the call). Returns the exit status.
  int run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::rcd
