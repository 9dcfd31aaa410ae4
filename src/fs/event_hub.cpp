// EventHub (see event_hub.hpp).
#include "fs/event_hub.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

namespace ilo::fs {

EventHub::EventHub(std::size_t capacity, std::chrono::milliseconds text_interval)
    : capacity_(capacity == 0 ? 1 : capacity), text_interval_(text_interval) {}

void EventHub::set_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::string EventHub::rfc3339(Clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  const auto millis = static_cast<int>(ms.count() % 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), text, millis < 0 ? 0 : millis);
  return out;
}

void EventHub::append_locked(nlohmann::json event, Clock::time_point now) {
  nlohmann::json line = {{"time", rfc3339(now)}};
  line.update(event);
  lines_.push_back(line.dump() + "\n");
  while (lines_.size() > capacity_) {
    lines_.pop_front();
    ++first_;
  }
}

void EventHub::publish(nlohmann::json event, Clock::time_point now) {
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    append_locked(std::move(event), now);
    listener = listener_;
  }
  if (listener) listener();
}

void EventHub::text_changed(const std::string& text, Clock::time_point now) {
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    if (text == last_text_) {
      held_text_.reset();  // changed and back within the interval: nothing to say
      return;
    }
    if (last_text_time_ && now - *last_text_time_ < text_interval_) {
      held_text_ = text;
      return;
    }
    held_text_.reset();
    last_text_ = text;
    last_text_time_ = now;
    append_locked({{"type", "text"}, {"text", text}}, now);
    listener = listener_;
  }
  if (listener) listener();
}

void EventHub::tick(Clock::time_point now) {
  std::optional<std::string> held;
  {
    std::lock_guard lock(mutex_);
    if (!held_text_ || (last_text_time_ && now - *last_text_time_ < text_interval_)) return;
    held = std::move(held_text_);
    held_text_.reset();
  }
  text_changed(*held, now);
}

void EventHub::set_screen_reader(ScreenReader reader) {
  std::lock_guard lock(mutex_);
  screen_reader_ = std::move(reader);
}

bool EventHub::reads_screen() const {
  std::lock_guard lock(mutex_);
  return screen_reader_ && !readers_.empty();
}

void EventHub::frame_noticed(const rcd::FrameSnapshot& frame, Clock::time_point now) {
  ScreenReader reader;
  {
    std::lock_guard lock(mutex_);
    // A reader may have closed since the caller asked reads_screen().
    if (!screen_reader_ || readers_.empty() || frame.sequence == last_frame_) return;
    last_frame_ = frame.sequence;
    reader = screen_reader_;
  }
  text_changed(reader(frame), now);
}

std::uint64_t EventHub::open_reader() {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_reader_++;
  readers_[id].next = first_ + lines_.size();
  return id;
}

void EventHub::close_reader(std::uint64_t reader) {
  std::lock_guard lock(mutex_);
  readers_.erase(reader);
}

bool EventHub::pending(std::uint64_t reader) const {
  std::lock_guard lock(mutex_);
  const auto it = readers_.find(reader);
  if (it == readers_.end()) return false;
  return !it->second.carry.empty() || it->second.next < first_ + lines_.size();
}

std::string EventHub::take(std::uint64_t reader, std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  const auto it = readers_.find(reader);
  if (it == readers_.end() || max_bytes == 0) return {};
  Reader& r = it->second;
  if (r.next < first_) {
    const nlohmann::json line = {
        {"time", rfc3339(Clock::now())}, {"type", "overflow"}, {"lost", first_ - r.next}};
    r.carry += line.dump() + "\n";
    r.next = first_;
  }
  std::string out;
  const std::uint64_t end = first_ + lines_.size();
  // The carried rest first, then whole lines while they fit.
  while (true) {
    if (r.carry.empty()) {
      if (r.next >= end) break;
      const std::string& line = lines_[static_cast<std::size_t>(r.next - first_)];
      ++r.next;
      if (out.size() + line.size() <= max_bytes) {
        out += line;
        continue;
      }
      if (!out.empty()) {  // keep it whole for the next read
        --r.next;
        break;
      }
      r.carry = line;
    }
    const std::size_t room = max_bytes - out.size();
    if (room == 0) break;
    const std::size_t n = std::min(room, r.carry.size());
    out.append(r.carry, 0, n);
    r.carry.erase(0, n);
    if (!r.carry.empty()) break;
  }
  return out;
}

}  // namespace ilo::fs
