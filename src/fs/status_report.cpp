// build_status (see status_report.hpp).
#include "fs/status_report.hpp"

#include <nlohmann/json.hpp>

#include "fs/boot_file.hpp"
#include "fs/cdrom_drive.hpp"
#include "fs/log.hpp"
#include "fs/screen_text_file.hpp"
#include "rcd/companion.hpp"
#include "session/session_owner.hpp"

namespace ilo::fs {
namespace {

using nlohmann::json;

json link(rcd::LinkState state, const std::string& error) {
  json j = {{"state", rcd::to_string(state)}};
  if (state != rcd::LinkState::up && !error.empty()) j["error"] = error;
  return j;
}

std::string iso_time(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

const char* power_word(const std::optional<bool>& on) noexcept {
  if (!on) return "unknown";
  return *on ? "on" : "off";
}

std::string build_status(const FilesystemContext& context) {
  json status = json::object();
  json connections = json::object();

  if (context.owner) {
    const auto web = context.owner->status();
    rcd::LinkState state = rcd::LinkState::down;
    if (web.state == session::SessionOwnerStatus::State::up) state = rcd::LinkState::up;
    if (web.state == session::SessionOwnerStatus::State::connecting) {
      state = rcd::LinkState::connecting;
    }
    connections["web"] = link(state, web.last_error_text);
    connections["web"]["logins"] = web.logins;
    connections["web"]["renewals"] = web.renewals;
  }

  rcd::CompanionStatus rc;
  if (context.companion) rc = context.companion->status();
  status["power"] = power_word(rc.power_on);
  status["screen"] = {{"width", rc.width}, {"height", rc.height}, {"frames", rc.frames}};
  // Cells of the last screen.txt read that no font explains (-1: not read yet).
  if (context.screen_text) status["screen"]["unknown_cells"] = context.screen_text->unknown_cells();
  status["keyboard"] = {{"layout", context.layout_name}};
  connections["console"] = link(rc.console, rc.console_error);
  connections["console"]["reconnects"] = rc.reconnects;
  connections["command"] = link(rc.command, rc.command_error);
  connections["command"]["reconnects"] = rc.command_reconnects;

  DriveStatus cd;
  if (context.cdrom) cd = context.cdrom->status();
  connections["cdrom"] = link(cd.link, cd.error);
  connections["cdrom"]["reconnects"] = cd.reconnects;
  DriveStatus key;
  if (context.usb) key = context.usb->status();
  connections["usb"] = link(key.link, key.error);
  connections["usb"]["reconnects"] = key.reconnects;
  status["connections"] = connections;
  status["cdrom"] = {{"name", cd.name},          {"size", cd.size},
                     {"inserted", cd.inserted},  {"ready", cd.ready},
                     {"bytes_served", cd.bytes_served},
                     {"last_lba", cd.last_lba >= 0 ? json(cd.last_lba) : json(nullptr)}};
  // The USB key (NAME.img): the cdrom object's keys plus what the iLO wrote.
  status["usb"] = {{"name", key.name},          {"size", key.size},
                   {"inserted", key.inserted},  {"ready", key.ready},
                   {"bytes_served", key.bytes_served},
                   {"last_lba", key.last_lba >= 0 ? json(key.last_lba) : json(nullptr)},
                   {"write_protected", key.write_protected},
                   {"bytes_written", key.bytes_written},
                   {"write_errors", key.write_errors}};
  if (context.boot) {
    const auto boot = context.boot->status();
    status["boot"] = {
        {"one_time_boot", boot.one_time_boot.empty() ? json(nullptr) : json(boot.one_time_boot)},
        {"last_error", boot.last_error.empty() ? json(nullptr) : json(boot.last_error)},
        {"requests", boot.requests},
        {"failures", boot.failures}};
  }
  status["companion"] = {{"pid", rc.pid}, {"restarts", rc.restarts}};
  if (!rc.vnc_listen.empty()) {
    json viewers = json::array();
    for (const auto& v : rc.vnc_viewers) {
      viewers.push_back({{"address", v.address}, {"since", iso_time(v.since)}});
    }
    status["vnc"] = {{"listen", rc.vnc_listen},
                     {"error", rc.vnc_error.empty() ? json(nullptr) : json(rc.vnc_error)},
                     {"viewers", viewers}};
  }
  status["counters"] = {{"bytes_received", rc.bytes_received}, {"pings", rc.pings},
                        {"decode_errors", rc.decode_errors}, {"inputs_sent", rc.inputs_sent},
                        {"inputs_dropped", rc.inputs_dropped}};
  json errors = json::array();
  for (const auto& entry : Log::recent()) {
    errors.push_back({{"time", iso_time(entry.time)}, {"text", entry.text}});
  }
  status["errors"] = errors;
  // Names and texts were checked on their way in; a byte that slipped through becomes U+FFFD
  // rather than an exception in a FUSE callback.
  return status.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace ilo::fs
