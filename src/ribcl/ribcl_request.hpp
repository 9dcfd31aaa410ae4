// RIBCL request documents (docs/ribcl.md): the client builds one <RIBCL VERSION="2.0"> document
// with the LOGIN (user and password as attributes) around one command; the simulator parses it
// back. Built and parsed with pugixml, never by hand. No HTTP here.
//
// The built text holds the password: the caller wipes it after sending (OPENSSL_cleanse), and
// the builder overwrites the attribute inside pugixml's own memory before freeing it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rest/rest_error.hpp"
#include "ribcl/boot_device.hpp"

namespace ilo::ribcl {

// One command inside one section, e.g. <SERVER_INFO MODE="write"><SET_ONE_TIME_BOOT
// VALUE="CDROM"/></SERVER_INFO>.
struct Command {
  std::string section;               // "SERVER_INFO"
  std::string mode;                  // "read" or "write"
  std::string tag;                   // "GET_ONE_TIME_BOOT"
  std::optional<std::string> value;  // the VALUE attribute, if any
  bool operator==(const Command&) const = default;
};

Command get_one_time_boot();
Command set_one_time_boot(BootDevice device);
Command get_host_power_status();

// Requests larger than this are refused by parse_request (every real one is under 1 KiB).
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// `<?xml version="1.0"?>` + CRLF + the RIBCL document (python-hpilo's framing). Fails with
// bad_request if a text holds a NUL or is not valid in XML.
rest::Result<std::string> build_request(std::string_view user, std::string_view password,
                                        const Command& command);

// What the simulator reads from a request: the login and every command in document order.
struct Request {
  std::string user;
  std::string password;
  std::vector<Command> commands;
};
// Fails with malformed (not one RIBCL document with a LOGIN holding USER_LOGIN and PASSWORD)
// or too_large. Attribute names are matched case-insensitively (HP's samples write "value").
rest::Result<Request> parse_request(std::string_view body);

}  // namespace ilo::ribcl
