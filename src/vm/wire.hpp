// The virtual-media wire format (docs/virtual-media.md): the 34-byte connect request, the
// connect response, 12-byte requests (incremental framing), 16-byte reply headers, keep-alive
// and DISCONNECT headers and the 0xFE echo. Byte layouts only: what a device answers is
// cdrom_target.hpp, what an initiator asks is initiator.hpp; nothing here does I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

#include "rc/key_encoding.hpp"
#include "vm/sense.hpp"

namespace ilo::vm {

// ---- Connect request (client -> server, #connect-request) ----

inline constexpr std::size_t kConnectRequestSize = 34;
inline constexpr std::uint8_t kConnectRequestMarker = 0x10;  // byte 0
inline constexpr std::uint8_t kImageFileFlag = 0x80;         // byte 1: an image, not a drive

enum class DeviceType : std::uint8_t { floppy = 1, cdrom = 2, usb_key = 3 };

struct ConnectRequest {
  DeviceType device = DeviceType::cdrom;
  bool image_file = true;  // byte 1 bit 7
  rc::EncodedKey key{};    // the 32 key bytes as sent
};
using ConnectRequestBytes = std::array<std::uint8_t, kConnectRequestSize>;

// Serialises a request.
ConnectRequestBytes encode_connect_request(const ConnectRequest& request) noexcept;

// The request a client sends: the session key text, XOR-ed with the enc_key text iff
// `encrypt_vmkey` (feature ENCRYPT_VMKEY; no bit on the wire says so).
// VmError::bad_key_text on malformed key texts.
ConnectRequestBytes build_connect_request(DeviceType device, bool image_file,
                                          std::string_view session_key, std::string_view enc_key,
                                          bool encrypt_vmkey, std::error_code& ec);

// Structural parse of the received bytes (exactly 34): marker 0x10 and device type 1-3, else
// VmError::bad_connect_request / VmError::bad_device_type.
std::optional<ConnectRequest> parse_connect_request(std::span<const std::uint8_t> bytes,
                                                    std::error_code& ec);

// The server's key check against what it issued and advertised (constant-time compare):
// VmError::bad_key on mismatch, VmError::bad_key_text if its own texts are malformed.
std::error_code validate_connect_key(const ConnectRequest& request, std::string_view session_key,
                                     std::string_view enc_key, bool encrypt_vmkey);

// ---- Connect response (server -> client, #connect-response) ----

enum class ConnectStatus : std::uint8_t {
  accepted = 0x20,
  busy = 0x21,               // another virtual media client is connected
  auth_failed = 0x22,        // invalid login
  not_licensed = 0x23,
  wrong_device_type = 0x25,  // device configured as another type
  no_privilege = 0x26,
};

struct ProtocolVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  friend constexpr bool operator==(ProtocolVersion, ProtocolVersion) noexcept = default;
};

// `20 00 minor major`.
std::array<std::uint8_t, 4> build_connect_accept(ProtocolVersion version) noexcept;
// `code 00`: two bytes, which both the Java reader (first byte of a 4-byte read) and a
// 2-then-2 reader understand. `status` must not be `accepted`.
std::array<std::uint8_t, 2> build_connect_refusal(ConnectStatus status) noexcept;
// The error for a refusal's first byte (VmError::unexpected_response for unknown bytes).
std::error_code connect_refusal_error(std::uint8_t first_byte) noexcept;

// Client side: reads 2 bytes, then 2 more only if the first is 0x20 (accepted). As in Java the
// first byte alone decides; byte 1 is not checked. Never consumes bytes after the response.
class ConnectResponseReader {
 public:
  enum class Status : std::uint8_t { need_more, accepted, refused };

  // Uses bytes up to the end of the response; returns how many it used.
  std::size_t feed(std::span<const std::uint8_t> in) noexcept;
  [[nodiscard]] Status status() const noexcept { return status_; }
  // Valid once accepted.
  [[nodiscard]] ProtocolVersion version() const noexcept { return {bytes_[3], bytes_[2]}; }
  // The refusal as an error (empty unless refused).
  [[nodiscard]] std::error_code error() const noexcept;

 private:
  std::array<std::uint8_t, 4> bytes_{};
  std::size_t have_ = 0;
  Status status_ = Status::need_more;
};

// ---- Fixed-size framing, split-safe ----

// Accumulates one frame of N bytes from input cut anywhere. feed() never takes bytes beyond
// the frame, so the caller can hand the rest to whatever follows (data, the next frame).
template <std::size_t N>
class FrameReader {
 public:
  std::size_t feed(std::span<const std::uint8_t> in) noexcept {
    std::size_t n = N - have_;
    if (in.size() < n) n = in.size();
    for (std::size_t i = 0; i < n; ++i) bytes_[have_ + i] = in[i];
    have_ += n;
    return n;
  }
  [[nodiscard]] bool complete() const noexcept { return have_ == N; }
  [[nodiscard]] const std::array<std::uint8_t, N>& bytes() const noexcept { return bytes_; }
  void clear() noexcept { have_ = 0; }

 private:
  std::array<std::uint8_t, N> bytes_{};
  std::size_t have_ = 0;
};

// ---- Requests (server -> client, #requests) ----

inline constexpr std::size_t kRequestSize = 12;
inline constexpr std::uint8_t kEchoOpcode = 0xFE;
using Request = std::array<std::uint8_t, kRequestSize>;  // a CDB, zero-padded to 12 bytes
using RequestReader = FrameReader<kRequestSize>;

// A 12-byte request from a CDB of up to 12 bytes (longer input is cut at 12).
Request make_request(std::span<const std::uint8_t> cdb) noexcept;
// Big-endian CDB fields at byte `at` (the caller keeps `at` within the 12 bytes; past them, 0).
std::uint16_t cdb_u16(const Request& cdb, std::size_t at) noexcept;
std::uint32_t cdb_u32(const Request& cdb, std::size_t at) noexcept;
[[nodiscard]] constexpr bool is_echo_request(const Request& r) noexcept {
  return r[0] == kEchoOpcode;
}
// `FE 00 00 00` + an 8-byte cookie, returned in bytes 8-15 of the echo reply (#echo).
Request build_echo_request(std::span<const std::uint8_t, 8> cookie) noexcept;

// ---- Reply header (client -> server, #reply-header) ----

inline constexpr std::size_t kReplyHeaderSize = 16;
inline constexpr std::uint32_t kReplyMagic = 0x0BADC0DE;
inline constexpr std::uint32_t kFlagWriteProtected = 1u << 0;
inline constexpr std::uint32_t kFlagKeepAlive = 1u << 1;
inline constexpr std::uint32_t kFlagDisconnect = 1u << 2;
inline constexpr std::uint32_t kKnownFlags = kFlagWriteProtected | kFlagKeepAlive | kFlagDisconnect;
// Media byte of the CD image model: 1 with a medium, 0 without.
inline constexpr std::uint8_t kMediaCdPresent = 0x01;
inline constexpr std::uint8_t kMediaNone = 0x00;

struct ReplyHeader {
  std::uint32_t flags = 0;
  std::uint8_t media = 0;
  Sense sense{};
  std::uint32_t length = 0;  // data bytes after the header
  friend constexpr bool operator==(const ReplyHeader&, const ReplyHeader&) noexcept = default;
};
using ReplyHeaderBytes = std::array<std::uint8_t, kReplyHeaderSize>;
using ReplyHeaderReader = FrameReader<kReplyHeaderSize>;

ReplyHeaderBytes encode_reply_header(const ReplyHeader& header) noexcept;
// Exactly 16 bytes starting with the magic, else VmError::bad_magic. Flags are returned as
// sent (unknown bits included): judging them is the reader's business.
std::optional<ReplyHeader> parse_reply_header(std::span<const std::uint8_t> bytes,
                                              std::error_code& ec);

// Keep-alive after a second of silence (#keep-alive): KEEPALIVE plus the WP bit of `previous`, its
// media and sense, and length 0 (Java repeats the previous length; receivers ignore it).
ReplyHeaderBytes build_keep_alive(const ReplyHeader& previous) noexcept;
// DISCONNECT before an unmount (#disconnect): as the keep-alive but with the DISCONNECT flag.
ReplyHeaderBytes build_disconnect(const ReplyHeader& previous) noexcept;
// Echo reply (#echo): magic, `flags`, then request bytes 4-11.
ReplyHeaderBytes build_echo_reply(const Request& request, std::uint32_t flags) noexcept;
// The 8 bytes 8-15 of a parsed header (an echo reply's cookie).
std::array<std::uint8_t, 8> echo_cookie(const ReplyHeader& header) noexcept;

}  // namespace ilo::vm
