// Feeds the `events` hub from the mount's state: power, the five connections, both drives'
// media (inserted / ready / ejected / read progress), the screen size, new frames (for `text`).
// These live in the companion, the drives and the session owner, which expose polled status
// only: one low-rate thread compares snapshots and publishes the differences. No FUSE here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "fs/event_hub.hpp"
#include "fs/filesystem.hpp"

namespace ilo::fs {

class EventWatcher {
 public:
  // `context`'s objects and `hub` must outlive the watcher.
  EventWatcher(const FilesystemContext& context, EventHub& hub,
               std::chrono::milliseconds period = std::chrono::milliseconds{100});
  ~EventWatcher();  // stop()
  EventWatcher(const EventWatcher&) = delete;
  EventWatcher& operator=(const EventWatcher&) = delete;

  void start();
  void stop();

 private:
  void run();

  const FilesystemContext& context_;
  EventHub& hub_;
  const std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ilo::fs
