// POST /json/vm_status (docs/rest-api.md#url-media): "scripted" URL virtual media, where the iLO
// fetches the image itself. Builds the insert / connect / eject bodies the Java client sends and
// parses them for the simulator. Not the vm_port protocol (that is src/vm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rest/rest_error.hpp"
#include "rest/session_key.hpp"

namespace ilo::rest {

enum class VmDevice : std::uint8_t { floppy, cdrom };      // "FLOPPY", "CDROM"
enum class VmCommand : std::uint8_t { insert, set, eject };  // "INSERT", "SET", "EJECT"

// {"method":"set_virtual_media_options","device":..,["boot_option":..,]"command":..,
//  ["url":..,]"session_key":..}
struct VmMediaRequest {
  VmDevice device = VmDevice::cdrom;
  VmCommand command = VmCommand::insert;
  std::optional<std::string> boot_option;  // required for SET ("CONNECT" after an insert)
  std::optional<std::string> url;          // required for INSERT, sent with SET
  SessionKey session_key;                  // repeats the cookie
  bool operator==(const VmMediaRequest&) const = default;
};

// Control characters (below 0x20, and 0x7F) are removed from the URL first, as the Java
// client does. Fails with RestError::not_utf8 if the URL is not UTF-8.
Result<std::string> build_vm_insert(VmDevice device, std::string_view url, const SessionKey& key);
// The "connect" body sent after a successful insert: boot_option CONNECT, command SET.
Result<std::string> build_vm_connect(VmDevice device, std::string_view url, const SessionKey& key);
std::string build_vm_eject(VmDevice device, const SessionKey& key);

// For the simulator. Checks method, the device and command names, the per-command required
// fields and the key format.
Result<VmMediaRequest> parse_vm_media_request(std::string_view body);

}  // namespace ilo::rest
