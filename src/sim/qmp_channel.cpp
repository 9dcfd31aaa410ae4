// The QMP line core (see qmp_channel.hpp). A message QEMU never sends (not an object, or none of
// QMP, return, error, event) breaks the channel, as does malformed JSON: after either the
// stream cannot be trusted.
#include "sim/qmp_channel.hpp"

#include <algorithm>

namespace ilo::sim {

std::size_t QmpChannel::feed(std::span<const std::uint8_t> in) {
  std::size_t used = 0;
  while (used < in.size() && !broken()) {
    const auto rest = in.subspan(used);
    const auto nl = std::find(rest.begin(), rest.end(), std::uint8_t{'\n'});
    const auto n = static_cast<std::size_t>(nl - rest.begin());
    if (line_.size() + n > kMaxLine) {
      error_ = "QMP line longer than 1 MiB";
      break;
    }
    line_.append(reinterpret_cast<const char*>(rest.data()), n);
    used += n;
    if (nl == rest.end()) break;
    ++used;  // the newline
    std::string line;
    line.swap(line_);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) on_line(line);
  }
  return used;
}

void QmpChannel::on_line(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error_ = "QMP sent a line that is not a JSON object";
    return;
  }
  QmpMessage m;
  if (j.contains("QMP")) {
    m.kind = QmpMessage::Kind::greeting;
    m.body = std::move(j["QMP"]);
  } else if (j.contains("event") && j["event"].is_string()) {
    m.kind = QmpMessage::Kind::event;
    m.event = j["event"].get<std::string>();
    if (j.contains("data")) m.body = std::move(j["data"]);
  } else if (j.contains("return") || j.contains("error")) {
    m.kind = QmpMessage::Kind::reply;
    m.ok = j.contains("return");
    m.body = std::move(m.ok ? j["return"] : j["error"]);
    // Our ids are numbers; a reply without one answers a command QEMU could not parse.
    if (j.contains("id") && j["id"].is_number_unsigned()) m.id = j["id"].get<std::uint64_t>();
  } else {
    error_ = "QMP sent an object that is no greeting, reply or event";
    return;
  }
  messages_.push_back(std::move(m));
}

std::optional<QmpMessage> QmpChannel::next() {
  if (messages_.empty()) return std::nullopt;
  QmpMessage m = std::move(messages_.front());
  messages_.pop_front();
  return m;
}

std::string QmpChannel::command(std::string_view execute, const nlohmann::json& arguments,
                                std::uint64_t& id) {
  id = next_id_++;
  nlohmann::json j{{"execute", execute}, {"id", id}};
  if (!arguments.is_null()) j["arguments"] = arguments;
  return j.dump() + "\n";
}

}  // namespace ilo::sim
