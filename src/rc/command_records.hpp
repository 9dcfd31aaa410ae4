// Records of the command connection (docs/command-session.md): the 12-byte-header framing, typed
// records for every known type, their interpretation and server-side encoding, and the
// client's 4-byte seize/share answers. Incremental parsing of a byte stream is
// command_record_parser.hpp. No I/O; requester names from the peer are sanitised to printable
// ASCII.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace ilo::rc {

inline constexpr std::size_t kCommandHeaderSize = 12;
// Largest payload accepted (the Java client never expects more than 128 bytes).
inline constexpr std::size_t kMaxCommandPayload = 4096;
// Seize/share payload: user name in bytes 0..63, address in 64..127.
inline constexpr std::size_t kRequesterFieldSize = 64;
inline constexpr std::size_t kRequesterPayloadSize = 2 * kRequesterFieldSize;

enum class CommandRecordType : std::uint32_t {
  post_complete = 2,
  host_power = 3,
  health = 4,
  post_code = 5,
  seize_request = 6,
  vm_status = 7,
  playback = 8,
  share_request = 9,
  firmware_upgrade = 10,
  unauthorised = 11,
  ignored_12 = 12,
  vm_notification = 13,
  not_licensed = 14,
  ilo_reset = 15,
  unknown_16 = 16,  // sent once after connect with 8 zero bytes; meaning unknown
};

// A record as framed on the wire.
struct RawCommandRecord {
  std::uint32_t type = 0;
  std::array<std::uint8_t, 4> args{};  // header bytes 8..11 (byte 10 = args[2])
  std::vector<std::uint8_t> payload;
  friend bool operator==(const RawCommandRecord&, const RawCommandRecord&) = default;
};

struct PostComplete {  // type 2
  friend bool operator==(const PostComplete&, const PostComplete&) = default;
};
struct HostPower {  // type 3
  std::uint8_t value = 0;  // 0 off, non-zero on
  [[nodiscard]] bool on() const noexcept { return value != 0; }
  friend bool operator==(const HostPower&, const HostPower&) = default;
};
struct HealthStatus {  // type 4
  std::uint8_t value = 0;  // 0 green, 1 yellow (degraded), 2 red (critical), other unknown
  friend bool operator==(const HealthStatus&, const HealthStatus&) = default;
};
struct PostCode {  // type 5, little-endian 16-bit
  std::uint16_t code = 0;
  friend bool operator==(const PostCode&, const PostCode&) = default;
};
struct SeizeRequest {  // type 6: another user wants the console
  std::string user;
  std::string address;
  std::uint8_t countdown_s = 0;  // header byte 10; Java allows when it reaches 0
  friend bool operator==(const SeizeRequest&, const SeizeRequest&) = default;
};
struct VmStatus {  // type 7: URL/scripted virtual media status, bytes a b c d
  std::uint8_t kind = 0;       // a: 0 = the fields below apply
  std::uint8_t device = 0;     // b: 1 floppy, 2 CD-ROM
  std::uint8_t reserved = 0;   // c
  std::uint8_t connected = 0;  // d: 1 connected, 0 disconnected
  friend bool operator==(const VmStatus&, const VmStatus&) = default;
};
struct Playback {  // type 8 (unsupported by Java)
  friend bool operator==(const Playback&, const Playback&) = default;
};
struct ShareRequest {  // type 9: another user wants to share the console
  std::string user;
  std::string address;
  friend bool operator==(const ShareRequest&, const ShareRequest&) = default;
};
struct FirmwareUpgrade {  // type 10: stop console and virtual media
  friend bool operator==(const FirmwareUpgrade&, const FirmwareUpgrade&) = default;
};
struct UnauthorisedAction {  // type 11
  std::uint8_t reason = 0;  // header byte 10: 2 console, 3 virtual media, 4 power switch
  friend bool operator==(const UnauthorisedAction&, const UnauthorisedAction&) = default;
};
struct VmNotification {  // type 13 (ignored by Java)
  std::uint8_t value = 0;
  friend bool operator==(const VmNotification&, const VmNotification&) = default;
};
struct NotLicensed {  // type 14
  friend bool operator==(const NotLicensed&, const NotLicensed&) = default;
};
struct IloReset {  // type 15: reconnect after 30 s
  friend bool operator==(const IloReset&, const IloReset&) = default;
};
// Types 12, 16 and every other number, kept as framed.
struct UnknownRecord {
  RawCommandRecord raw;
  friend bool operator==(const UnknownRecord&, const UnknownRecord&) = default;
};

using CommandRecord =
    std::variant<PostComplete, HostPower, HealthStatus, PostCode, SeizeRequest, VmStatus,
                 Playback, ShareRequest, FirmwareUpgrade, UnauthorisedAction, VmNotification,
                 NotLicensed, IloReset, UnknownRecord>;

// Typed view of a framed record. Payload bytes beyond what the type uses are ignored; a
// payload too short for its type is RcError::malformed_record. Seize/share payloads may be
// short (Java reads "up to 128 bytes"); each name field is cut at its first NUL or at 63
// characters, trimmed, and non-printable bytes become '?'.
CommandRecord interpret_command_record(const RawCommandRecord& raw, std::error_code& ec);

// The framed form of a typed record, with the payload sizes the Java client expects
// (0, 1, 2, 4 or 128 bytes; names longer than 63 bytes are cut).
RawCommandRecord to_raw_command_record(const CommandRecord& record);
// Header and payload bytes, ready to send.
std::vector<std::uint8_t> encode_command_record(const RawCommandRecord& raw);
std::vector<std::uint8_t> encode_command_record(const CommandRecord& record);

// The client's answer to a seize (or share) request: 4 bytes, no header.
enum class SeizeAnswer : std::uint8_t { deny = 0x03, allow = 0x04 };
std::array<std::uint8_t, 4> encode_seize_answer(SeizeAnswer answer) noexcept;
// Server side: nullopt unless the 4 bytes are 04 00 00 00 or 03 00 00 00.
std::optional<SeizeAnswer> parse_seize_answer(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace ilo::rc
