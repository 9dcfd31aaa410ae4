// The `events` stream's core: a bounded ring of JSON lines, one cursor per reader from its open
// on, an `overflow` line for a reader that fell too far behind, and coalescing of `text`
// events. No FUSE, no thread, no clock of its own: callers pass the time; the file system waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "rcd/shared_frame.hpp"

namespace ilo::fs {

class EventHub {
 public:
  using Clock = std::chrono::system_clock;

  // Keeps the last `capacity` lines; `text_interval` is the least time between two `text`
  // events (a change within it is held and published by a later text_changed or tick).
  explicit EventHub(std::size_t capacity = 1024,
                    std::chrono::milliseconds text_interval = std::chrono::milliseconds{300});

  // Called after every publish, outside the hub's lock (the file system wakes its readers).
  void set_listener(std::function<void()> listener);

  // Appends `event` (an object with at least "type") with "time" = `now` first, as one line.
  void publish(nlohmann::json event, Clock::time_point now = Clock::now());

  // The screen text as the recogniser read it from a new frame: a `text` event when it differs
  // from the last one published, at most one per text_interval.
  void text_changed(const std::string& text, Clock::time_point now);
  // Publishes a held text change once text_interval has passed.
  void tick(Clock::time_point now);

  // The screen's text recogniser (screen.txt's); none (the default): no `text` events.
  using ScreenReader = std::function<std::string(const rcd::FrameSnapshot&)>;
  void set_screen_reader(ScreenReader reader);
  // Whether a new frame is worth copying for frame_noticed: a recogniser is set and somebody
  // reads `events` (recognising costs CPU per frame).
  [[nodiscard]] bool reads_screen() const;
  // The one place a new frame reaches the hub: a frame with a new sequence is read by the
  // recogniser (outside the hub's lock) and its text goes to text_changed.
  void frame_noticed(const rcd::FrameSnapshot& frame, Clock::time_point now);

  // A new reader positioned after every line published so far.
  std::uint64_t open_reader();
  void close_reader(std::uint64_t reader);
  // Up to `max_bytes` of the reader's pending bytes ("" if none): whole lines when they fit,
  // else the start of one (the rest comes next). A reader overtaken by the ring first gets
  // {"type":"overflow","lost":N}.
  std::string take(std::uint64_t reader, std::size_t max_bytes);
  [[nodiscard]] bool pending(std::uint64_t reader) const;

  // RFC 3339, UTC, milliseconds: 2026-12-05T12:51:11.123Z.
  static std::string rfc3339(Clock::time_point t);

 private:
  struct Reader {
    std::uint64_t next = 0;  // sequence of its next line
    std::string carry;       // the unread rest of a line split by a short read
  };
  void append_locked(nlohmann::json event, Clock::time_point now);

  const std::size_t capacity_;
  const std::chrono::milliseconds text_interval_;
  mutable std::mutex mutex_;  // guards everything below; never held while calling listener_
  std::deque<std::string> lines_;
  std::uint64_t first_ = 0;   // sequence of lines_.front()
  std::map<std::uint64_t, Reader> readers_;
  std::uint64_t next_reader_ = 1;
  std::string last_text_;
  std::optional<std::string> held_text_;
  std::optional<Clock::time_point> last_text_time_;
  std::function<void()> listener_;
  ScreenReader screen_reader_;
  std::uint64_t last_frame_ = 0;
};

}  // namespace ilo::fs
