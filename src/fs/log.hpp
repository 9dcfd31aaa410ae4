// The mount's log: syslog (the journal) once the daemon runs in the background, stderr in the
// foreground (-f), debug lines only with -d. Callers pass finished texts that never contain a
// secret; this file does no formatting of its own beyond the program prefix.
#pragma once

#include <syslog.h>

#include <ctime>
#include <string>
#include <vector>

namespace ilo::fs {

class Log {
 public:
  // Before start-up ends everything goes to stderr; to_syslog() switches for a daemon.
  static void set_debug(bool on) noexcept;
  static void to_syslog() noexcept;
  static void write(int priority, const std::string& text) noexcept;  // LOG_ERR .. LOG_DEBUG
  static bool debug() noexcept;
  // The last warnings and errors (at most 20), oldest first, for the `status` file.
  struct Entry {
    std::time_t time;
    std::string text;
  };
  static std::vector<Entry> recent();
};

inline void log_error(const std::string& text) { Log::write(LOG_ERR, text); }
inline void log_warning(const std::string& text) { Log::write(LOG_WARNING, text); }
inline void log_info(const std::string& text) { Log::write(LOG_INFO, text); }
inline void log_debug(const std::string& text) {
  if (Log::debug()) Log::write(LOG_DEBUG, text);
}

}  // namespace ilo::fs
