// RIBCL replies (docs/ribcl.md). An iLO answers one request with several XML documents one
// after the other, each `<?xml ...?><RIBCL VERSION="2.23"><RESPONSE STATUS=".." MESSAGE=".."/>
// [payload]</RIBCL>`: the client splits them, reports the first non-zero STATUS and reads the
// payload it asked for; the simulator builds them. pugixml parses and writes every document.
// Replies are untrusted: size-limited, and malformed input is an error, never a crash.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rest/rest_error.hpp"
#include "ribcl/boot_device.hpp"

namespace ilo::ribcl {

// Replies larger than this are refused unread (the ones ilofs asks for are about 1 KiB).
inline constexpr std::size_t kMaxReplyBytes = 256 * 1024;
inline constexpr std::size_t kMaxDocuments = 64;

// The documents of a reply, each from its "<?xml" up to the next. White space around them is
// ignored; anything else outside a document, or no document at all, is refused.
rest::Result<std::vector<std::string_view>> split_documents(std::string_view reply);

// Every document well-formed with a RIBCL root and every RESPONSE STATUS zero. The first
// non-zero STATUS fails with login_failed (0x005F or a "Login failed" message) or ilo_status;
// the detail reads "STATUS 0x003C: Feature not supported" with the MESSAGE sanitised.
rest::Result<std::monostate> check_reply(std::string_view reply);
// check_reply, then the BOOT_TYPE VALUE of ONE_TIME_BOOT (GET_ONE_TIME_BOOT's answer).
rest::Result<BootDevice> parse_one_time_boot(std::string_view reply);
// check_reply, then GET_HOST_POWER HOST_POWER: true for "ON", false for "OFF".
rest::Result<bool> parse_host_power(std::string_view reply);

// ---- the simulator's side ----

// A payload element, e.g. {"ONE_TIME_BOOT", {}, {{"BOOT_TYPE", {{"VALUE", "CDROM"}}, {}}}}.
struct Element {
  std::string tag;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<Element> children;
};
struct ReplyDocument {
  unsigned status = 0;
  std::string message = "No error";
  std::optional<Element> payload;
};
// The documents one after the other, each with its own declaration and a RIBCL VERSION="2.23"
// root, indented as an iLO 4 writes them.
std::string build_reply(const std::vector<ReplyDocument>& documents);

}  // namespace ilo::ribcl
