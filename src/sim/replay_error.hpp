// Why ilo-sim refuses a replay recording (--replay, --replay-key): the error vocabulary of
// ConsoleServer::load_replay(). The category (messages, conditions) is in console_server.cpp;
// nothing here reads a file.
#pragma once

#include <system_error>

namespace ilo::sim {

enum class ReplayError {
  bad_key = 1,      // --replay-key is not 32 hex characters
  unreadable,       // the file cannot be opened or read
  too_large,        // larger than ConsoleServerOptions::max_replay_bytes
  not_a_recording,  // it does not start with the server's 'P' 'R'
};
const std::error_category& replay_category() noexcept;
inline std::error_code make_error_code(ReplayError e) noexcept {
  return {static_cast<int>(e), replay_category()};
}

}  // namespace ilo::sim

template <>
struct std::is_error_code_enum<ilo::sim::ReplayError> : std::true_type {};
