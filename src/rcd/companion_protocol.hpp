// The messages between ilofs and its companion ilofs-rc over their SOCK_SEQPACKET socket pair:
// one message per packet, a type byte and a 32-bit request id (little-endian), then the body.
// Commands and keys are binary; status reports are a JSON object. Pure encode/parse, no I/O:
// every parse is bounds-checked (the companion parses untrusted video all day, so the parent
// trusts nothing it sends either). The session keys travel only here, never in argv or env.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "rc/input_messages.hpp"
#include "rc/text_keys.hpp"

namespace ilo::rcd::proto {

// The largest packet either side sends or accepts.
inline constexpr std::size_t kMaxMessage = 64 * 1024;
// The most keyboard or pointer reports in one command message (the parent splits longer ones).
inline constexpr std::size_t kMaxReports = 2048;

enum class Type : std::uint8_t {
  // parent -> companion
  configure = 1,  // JSON: host, busy policy, timeouts (no secret)
  keys = 2,       // the session keys of one login (secret)
  power = 3,
  keyboard = 4,
  pointer = 5,
  refresh = 6,
  close = 7,      // close the console cleanly and exit
  vnc = 8,        // serve VNC viewers: address, port, password (secret)
  layout = 9,     // the server's keyboard layout (character -> strokes), for VNC keysyms
  // companion -> parent
  frame = 64,     // the frame memfd (SCM_RIGHTS); empty body
  status = 65,    // JSON status object
  ack = 66,       // a command's outcome
  stale_keys = 67,  // the console refused these keys' generation: renew the login
  log = 68,       // one log line (no secret)
};

struct Configure { std::string json; };
struct Keys {
  std::string session_key;  // 32 hex characters
  std::string enc_key;      // 32 hex characters, case as received
  std::uint8_t features = 0;  // bit 0 encrypt_key, bit 1 encrypt_vmkey, bit 2 encrypt_cmd
  std::uint16_t rc_port = 0;
  std::uint64_t generation = 0;
};
struct Power { std::uint16_t action = 0; };
struct Keyboard { std::vector<rc::KeyboardReport> reports; };
struct PointerMove { std::int32_t x = 0, y = 0; std::uint8_t buttons = 0; };
struct Pointer { std::vector<PointerMove> moves; };
struct Vnc {
  std::string address;   // numeric IPv4 or IPv6
  std::uint16_t port = 0;
  std::string password;  // empty: no authentication (loopback only; the parent decides)
};
// The strokes of one character (one, or a dead key then a base key).
struct LayoutEntry {
  char32_t character = 0;
  std::vector<rc::KeyStroke> strokes;
};
inline constexpr std::size_t kMaxLayoutEntries = 4096;
struct Layout {
  std::string name;
  std::vector<LayoutEntry> entries;  // at most kMaxLayoutEntries, 1-2 strokes each
};
struct Refresh {};
struct Close {};
struct Frame {};
struct Status { std::string json; };
// `error` is a std::errc value (0: written to the console connection).
struct Ack { std::int32_t error = 0; };
struct StaleKeys { std::uint64_t generation = 0; };
struct Log { std::uint8_t priority = 6; std::string text; };

using Body = std::variant<Configure, Keys, Power, Keyboard, Pointer, Refresh, Close, Frame,
                          Status, Ack, StaleKeys, Log, Vnc, Layout>;

struct Message {
  std::uint32_t id = 0;  // commands: chosen by the parent, echoed in the ack; others 0
  Body body;
};

// Encodes one packet. Oversized bodies (more than kMaxReports reports, texts beyond
// kMaxMessage) are the caller's bug: they are truncated to fit, never sent larger.
std::vector<std::uint8_t> encode(const Message& message);

// Parses one packet; nullopt if it is malformed, truncated, has trailing bytes or an unknown
// type. Texts are taken as they are (JSON bodies are parsed by their users, bounded here).
std::optional<Message> parse(std::span<const std::uint8_t> packet);

}  // namespace ilo::rcd::proto
