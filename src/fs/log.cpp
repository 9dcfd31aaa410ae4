// The mount's log (see log.hpp).
#include "fs/log.hpp"

#include "fs/clean_text.hpp"

#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>

namespace ilo::fs {
namespace {
std::atomic<bool> g_debug{false};
std::atomic<bool> g_syslog{false};
std::mutex g_stderr_mutex;  // keeps stderr lines whole across FUSE worker threads
constexpr std::size_t kRecent = 20;
std::mutex g_recent_mutex;  // guards g_recent
std::deque<Log::Entry> g_recent;
}  // namespace

void Log::set_debug(bool on) noexcept { g_debug = on; }
bool Log::debug() noexcept { return g_debug; }

void Log::to_syslog() noexcept {
  ::openlog("ilofs", LOG_PID, LOG_DAEMON);
  g_syslog = true;
}

void Log::write(int priority, const std::string& raw) noexcept {
  if (priority == LOG_DEBUG && !g_debug) return;
  // Texts quote what users and peers sent (a word written to `power`, a file name): one line
  // of valid UTF-8 always, so nobody can forge log lines and `status` stays valid JSON.
  std::string text;
  try {
    text = clean_text(raw);
  } catch (...) {
    return;  // out of memory: the line is lost, the caller is not
  }
  if (priority <= LOG_WARNING) {
    std::lock_guard lock(g_recent_mutex);
    if (g_recent.size() == kRecent) g_recent.pop_front();
    g_recent.push_back({std::time(nullptr), text});
  }
  if (g_syslog) {
    ::syslog(priority, "%s", text.c_str());
    return;
  }
  const char* level = priority <= LOG_ERR       ? "error: "
                      : priority == LOG_WARNING ? "warning: "
                      : priority == LOG_DEBUG   ? "debug: "
                                                : "";
  std::lock_guard lock(g_stderr_mutex);
  std::fprintf(stderr, "ilofs: %s%s\n", level, text.c_str());
}

std::vector<Log::Entry> Log::recent() {
  std::lock_guard lock(g_recent_mutex);
  return {g_recent.begin(), g_recent.end()};
}

}  // namespace ilo::fs
