// vm_status POST bodies (see vm_media_request.hpp). Key order follows the Java client:
// method, device, [boot_option], command, [url], session_key.
#include "rest/vm_media_request.hpp"

#include "rest/json_fields.hpp"

namespace ilo::rest {
namespace {

constexpr std::string_view kVmRequestContext = "vm_status request";
constexpr std::string_view kMethod = "set_virtual_media_options";

std::string_view device_name(VmDevice d) { return d == VmDevice::floppy ? "FLOPPY" : "CDROM"; }

std::string_view command_name(VmCommand c) {
  switch (c) {
    case VmCommand::insert: return "INSERT";
    case VmCommand::set: return "SET";
    case VmCommand::eject: return "EJECT";
  }
  return "INSERT";
}

std::string without_control_characters(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != 0x7F) out.push_back(c);
  }
  return out;
}

Failure url_not_utf8() {
  return Failure{RestError::not_utf8,
                 std::string(kVmRequestContext) + ": field 'url' is not valid UTF-8"};
}

std::string build(VmDevice device, std::optional<std::string_view> boot_option,
                  VmCommand command, std::optional<std::string_view> url,
                  const SessionKey& key) {
  detail::OrderedJson j = detail::OrderedJson::object();
  j["method"] = kMethod;
  j["device"] = device_name(device);
  if (boot_option) j["boot_option"] = *boot_option;
  j["command"] = command_name(command);
  if (url) j["url"] = *url;
  j["session_key"] = key.text();
  return detail::dump_compact(j);
}

}  // namespace

Result<std::string> build_vm_insert(VmDevice device, std::string_view url, const SessionKey& key) {
  const std::string clean = without_control_characters(url);
  if (!detail::is_utf8(clean)) return url_not_utf8();
  return build(device, std::nullopt, VmCommand::insert, clean, key);
}

Result<std::string> build_vm_connect(VmDevice device, std::string_view url,
                                     const SessionKey& key) {
  const std::string clean = without_control_characters(url);
  if (!detail::is_utf8(clean)) return url_not_utf8();
  return build(device, "CONNECT", VmCommand::set, clean, key);
}

std::string build_vm_eject(VmDevice device, const SessionKey& key) {
  return build(device, std::nullopt, VmCommand::eject, std::nullopt, key);
}

Result<VmMediaRequest> parse_vm_media_request(std::string_view body) {
  auto parsed = detail::parse_object(body, kVmRequestContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kVmRequestContext);

  std::string method, device, command, key_text;
  std::optional<std::string> boot_option, url;
  r.string("method", method);
  if (r.ok() && method != kMethod)
    r.fail(RestError::bad_value, "method", "must be \"set_virtual_media_options\"");
  r.string("device", device);
  if (r.ok() && device != "FLOPPY" && device != "CDROM")
    r.fail(RestError::bad_value, "device", "must be \"FLOPPY\" or \"CDROM\"");
  r.optional_string("boot_option", boot_option);
  r.string("command", command);
  if (r.ok() && command != "INSERT" && command != "SET" && command != "EJECT")
    r.fail(RestError::bad_value, "command", "must be \"INSERT\", \"SET\" or \"EJECT\"");
  r.optional_string("url", url);
  if (r.ok() && command == "INSERT" && !url)
    r.fail(RestError::missing_field, "url", "is missing (required by INSERT)");
  if (r.ok() && command == "SET" && !boot_option)
    r.fail(RestError::missing_field, "boot_option", "is missing (required by SET)");
  r.string("session_key", key_text);
  std::optional<SessionKey> key;
  if (r.ok()) {
    key = SessionKey::from_text(key_text);
    if (!key) r.fail(RestError::bad_value, "session_key", "must be 32 lower-case hex digits");
  }
  if (!r.ok()) return r.failure();

  const VmCommand cmd = command == "INSERT" ? VmCommand::insert
                        : command == "SET"  ? VmCommand::set
                                            : VmCommand::eject;
  return VmMediaRequest{device == "FLOPPY" ? VmDevice::floppy : VmDevice::cdrom, cmd,
                        std::move(boot_option), std::move(url), std::move(*key)};
}

}  // namespace ilo::rest
