// EventWatcher (see event_watcher.hpp): a Sample of everything `events` reports, taken every
// period; each difference from the last sample is one event. Read progress is rate-limited to
// one event per 5 % of the medium or per second, whichever comes first.
#include "fs/event_watcher.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "fs/cdrom_drive.hpp"
#include "fs/status_report.hpp"
#include "rcd/companion.hpp"
#include "session/session_owner.hpp"

namespace ilo::fs {
namespace {

using nlohmann::json;

struct Link {
  rcd::LinkState state = rcd::LinkState::down;
  std::string error;
  bool operator==(const Link&) const = default;
};

struct Media {
  std::string name;
  std::uint64_t size = 0;
  bool inserted = false, ready = false;
  std::uint64_t bytes_served = 0;
};

struct Sample {
  std::optional<bool> power;
  int width = 0, height = 0;
  std::array<Link, 5> links;  // web console command cdrom usb
  std::array<Media, 2> media; // cdrom usb
};
constexpr std::array<const char*, 5> kLinkNames = {"web", "console", "command", "cdrom", "usb"};
constexpr std::array<const char*, 2> kDriveNames = {"cdrom", "usb"};

Link link_of(const DriveStatus& s) { return {s.link, s.error}; }
Media media_of(const DriveStatus& s) {
  return {s.name, s.size, s.inserted, s.ready, s.bytes_served};
}

Sample take_sample(const FilesystemContext& context) {
  Sample s;
  if (context.owner) {
    const auto web = context.owner->status();
    using State = session::SessionOwnerStatus::State;
    s.links[0].state = web.state == State::up           ? rcd::LinkState::up
                       : web.state == State::connecting ? rcd::LinkState::connecting
                                                        : rcd::LinkState::down;
    s.links[0].error = web.last_error_text;
  }
  if (context.companion) {
    const auto rc = context.companion->status();
    s.power = rc.power_on;
    s.width = rc.width;
    s.height = rc.height;
    s.links[1] = {rc.console, rc.console_error};
    s.links[2] = {rc.command, rc.command_error};
  }
  const std::array<CdromDrive*, 2> drives = {context.cdrom, context.usb};
  for (std::size_t i = 0; i < drives.size(); ++i) {
    if (!drives[i]) continue;
    const auto d = drives[i]->status();
    s.links[3 + i] = link_of(d);
    s.media[i] = media_of(d);
  }
  return s;
}

json media_event(const char* drive, const char* what, const Media& m) {
  return {{"type", "media"}, {"drive", drive}, {"event", what}, {"name", m.name},
          {"size", m.size}};
}

// A connection's error only matters while it is not up (as in `status`).
json connection_event(const char* name, const Link& link) {
  json j = {{"type", "connection"}, {"link", name}, {"state", rcd::to_string(link.state)}};
  if (link.state != rcd::LinkState::up && !link.error.empty()) j["error"] = link.error;
  return j;
}

}  // namespace

EventWatcher::EventWatcher(const FilesystemContext& context, EventHub& hub,
                           std::chrono::milliseconds period)
    : context_(context), hub_(hub), period_(period) {}

EventWatcher::~EventWatcher() { stop(); }

void EventWatcher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void EventWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventWatcher::run() {
  using Clock = EventHub::Clock;
  Sample last = take_sample(context_);
  // Read progress: the bytes and time of the last progress event (or insertion) per drive.
  std::array<std::uint64_t, 2> progress_bytes{};
  std::array<Clock::time_point, 2> progress_time{};
  std::uint64_t frame_seen = 0;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    const Sample now = take_sample(context_);
    const auto t = Clock::now();
    if (now.power != last.power) {
      hub_.publish({{"type", "power"}, {"state", power_word(now.power)}}, t);
    }
    for (std::size_t i = 0; i < now.media.size(); ++i) {
      const Media& was = last.media[i];
      const Media& is = now.media[i];
      const bool replaced = is.inserted && was.inserted && is.name != was.name;
      if (was.inserted && (!is.inserted || replaced)) {
        hub_.publish(media_event(kDriveNames[i], "ejected", was), t);
      }
      if (is.inserted && (!was.inserted || replaced)) {
        hub_.publish(media_event(kDriveNames[i], "inserted", is), t);
        progress_bytes[i] = is.bytes_served;
        progress_time[i] = t;
      }
    }
    // Connections after a medium came or went (the drive connects for it), before `ready`.
    for (std::size_t i = 0; i < now.links.size(); ++i) {
      if (now.links[i].state != last.links[i].state ||
          (now.links[i].state != rcd::LinkState::up && now.links[i].error != last.links[i].error &&
           !now.links[i].error.empty())) {
        hub_.publish(connection_event(kLinkNames[i], now.links[i]), t);
      }
    }
    for (std::size_t i = 0; i < now.media.size(); ++i) {
      const Media& was = last.media[i];
      const Media& is = now.media[i];
      const bool replaced = is.inserted && was.inserted && is.name != was.name;
      if (is.inserted && is.ready && (!was.ready || replaced || !was.inserted)) {
        hub_.publish(media_event(kDriveNames[i], "ready", is), t);
      }
      if (is.inserted && is.bytes_served != progress_bytes[i]) {
        const std::uint64_t step = is.size / 20;  // 5 %
        const std::uint64_t moved = is.bytes_served > progress_bytes[i]
                                        ? is.bytes_served - progress_bytes[i]
                                        : progress_bytes[i] - is.bytes_served;
        if (moved >= step || t - progress_time[i] >= std::chrono::seconds{1}) {
          json j = media_event(kDriveNames[i], "progress", is);
          j["bytes_read"] = is.bytes_served;
          if (is.size > 0) {
            j["percent"] = static_cast<int>(std::min<std::uint64_t>(
                100, is.bytes_served * 100 / is.size));
          }
          hub_.publish(std::move(j), t);
          progress_bytes[i] = is.bytes_served;
          progress_time[i] = t;
        }
      }
    }
    if (now.width != last.width || now.height != last.height) {
      hub_.publish({{"type", "screen"}, {"width", now.width}, {"height", now.height}}, t);
    }
    // New frames for `text`: only copied when a recogniser is wired in.
    if (context_.companion && hub_.reads_screen() &&
        context_.companion->frame_sequence() != frame_seen) {
      rcd::FrameSnapshot frame;
      if (context_.companion->snapshot(frame)) {
        frame_seen = frame.sequence;
        hub_.frame_noticed(frame, t);
      }
    }
    hub_.tick(t);
    last = now;
    lock.lock();
  }
}

}  // namespace ilo::fs
