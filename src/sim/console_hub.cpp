// Counters and connection lists of the console port (see console_hub.hpp).
#include "sim/console_hub.hpp"

#include <algorithm>

#include "sim/command_connection.hpp"
#include "sim/console_connection.hpp"

namespace ilo::sim {

nlohmann::json ConsoleCounters::to_json() const {
  return {
      {"accepted", accepted},
      {"handshake_timeouts", handshake_timeouts},
      {"handshake_aborted", handshake_aborted},
      {"rejected", rejected},
      {"no_licence", no_licence},
      {"busy", busy},
      {"bad_busy_answers", bad_busy_answers},
      {"takeovers_refused", takeovers_refused},
      {"console_sessions", console_sessions},
      {"command_sessions", command_sessions},
      {"protocol_errors", protocol_errors},
      {"overflow_drops", overflow_drops},
      {"fault_drops", fault_drops},
      {"encoder_errors", encoder_errors},
      {"seized_notices", seized_notices},
  };
}

void ConsoleCounters::count_close(CloseReason reason) noexcept {
  if (reason == CloseReason::overflow) ++overflow_drops;
  if (reason == CloseReason::fault_drop) ++fault_drops;
}

void ConsoleHub::prune() {
  std::erase_if(sockets, [](const auto& w) { return w.expired(); });
  std::erase_if(handshaking, [](const auto& w) {
    const auto c = w.lock();
    return !c || !c->is_open();
  });
  std::erase_if(consoles, [](const auto& w) { return w.expired(); });
  std::erase_if(commands, [](const auto& w) { return w.expired(); });
}

}  // namespace ilo::sim
