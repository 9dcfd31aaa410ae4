// QMP, QEMU's JSON machine protocol, as a sans-I/O core: received bytes are cut into lines and
// parsed with nlohmann-json into the greeting, command replies (matched by id) and events;
// commands come out as lines with an id. No socket, no QEMU process, no policy here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ilo::sim {

struct QmpMessage {
  enum class Kind : std::uint8_t { greeting, reply, event };
  Kind kind = Kind::reply;
  std::uint64_t id = 0;   // reply: the command's id
  bool ok = true;         // reply: "return" (true) or "error" (false)
  std::string event;      // event: its name
  nlohmann::json body;    // reply: the return value or the error object; event: its data
};

class QmpChannel {
 public:
  // A line longer than this is not QMP as QEMU writes it: the channel is broken.
  static constexpr std::size_t kMaxLine = 1 << 20;

  // Bytes from QEMU, cut anywhere. Uses all of them unless the channel breaks.
  std::size_t feed(std::span<const std::uint8_t> in);
  [[nodiscard]] std::optional<QmpMessage> next();

  // One command line ({"execute": ..., "arguments": ..., "id": N} and a newline); `id` gets N.
  std::string command(std::string_view execute, const nlohmann::json& arguments,
                      std::uint64_t& id);

  [[nodiscard]] bool broken() const noexcept { return !error_.empty(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void on_line(std::string_view line);

  std::string line_;
  std::deque<QmpMessage> messages_;
  std::uint64_t next_id_ = 1;
  std::string error_;
};

}  // namespace ilo::sim
