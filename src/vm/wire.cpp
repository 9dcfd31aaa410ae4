// Builders and parsers of the virtual-media wire format (see wire.hpp). All parsing goes
// through ByteReader, all building through ByteWriter; key bytes are never formatted as text.
#include "vm/wire.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"
#include "bytes/byte_writer.hpp"
#include "vm/vm_error.hpp"

namespace ilo::vm {
namespace {

bool is_device_type(std::uint8_t v) noexcept {
  return v == static_cast<std::uint8_t>(DeviceType::floppy) ||
         v == static_cast<std::uint8_t>(DeviceType::cdrom) ||
         v == static_cast<std::uint8_t>(DeviceType::usb_key);
}

// The header of a keep-alive or DISCONNECT: fields of the previous reply, no data.
ReplyHeaderBytes control_header(const ReplyHeader& previous, std::uint32_t flag) noexcept {
  ReplyHeader h = previous;
  h.flags = (previous.flags & kFlagWriteProtected) | flag;
  h.length = 0;
  return encode_reply_header(h);
}

}  // namespace

ConnectRequestBytes encode_connect_request(const ConnectRequest& request) noexcept {
  ConnectRequestBytes out{};
  ByteWriter w(out);
  w.u8(kConnectRequestMarker)                                      // 0: connect request
      .u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(request.device) |
                                    (request.image_file ? kImageFileFlag : 0)))  // 1: device
      .bytes(request.key);                                         // 2-33: key bytes
  return out;
}

ConnectRequestBytes build_connect_request(DeviceType device, bool image_file,
                                          std::string_view session_key, std::string_view enc_key,
                                          bool encrypt_vmkey, std::error_code& ec) {
  ConnectRequest r;
  r.device = device;
  r.image_file = image_file;
  r.key = rc::encode_session_key(session_key, enc_key, encrypt_vmkey, ec);
  if (ec) {
    ec = VmError::bad_key_text;
    return {};
  }
  return encode_connect_request(r);
}

std::optional<ConnectRequest> parse_connect_request(std::span<const std::uint8_t> bytes,
                                                    std::error_code& ec) {
  ByteReader r(bytes);
  const std::uint8_t marker = r.u8();
  const std::uint8_t device = r.u8();
  auto key = r.bytes(rc::kKeyTextLength);
  if (!r.ok() || r.remaining() != 0 || marker != kConnectRequestMarker) {
    ec = VmError::bad_connect_request;
    return std::nullopt;
  }
  const auto type = static_cast<std::uint8_t>(device & ~kImageFileFlag);
  if (!is_device_type(type)) {
    ec = VmError::bad_device_type;
    return std::nullopt;
  }
  ConnectRequest out;
  out.device = static_cast<DeviceType>(type);
  out.image_file = (device & kImageFileFlag) != 0;
  std::copy(key.begin(), key.end(), out.key.begin());
  ec.clear();
  return out;
}

std::error_code validate_connect_key(const ConnectRequest& request, std::string_view session_key,
                                     std::string_view enc_key, bool encrypt_vmkey) {
  std::error_code ec;
  const rc::EncodedKey expected = rc::encode_session_key(session_key, enc_key, encrypt_vmkey, ec);
  if (ec) return VmError::bad_key_text;
  if (!rc::encoded_keys_equal(request.key, expected)) return VmError::bad_key;
  return {};
}

std::array<std::uint8_t, 4> build_connect_accept(ProtocolVersion version) noexcept {
  std::array<std::uint8_t, 4> out{};
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(ConnectStatus::accepted))  // 0: accepted
      .u8(0x00)                                            // 1: zero
      .u8(version.minor)                                   // 2: minor version
      .u8(version.major);                                  // 3: major version
  return out;
}

std::array<std::uint8_t, 2> build_connect_refusal(ConnectStatus status) noexcept {
  return {static_cast<std::uint8_t>(status),  // 0: error code
          0x00};                              // 1: zero
}

std::error_code connect_refusal_error(std::uint8_t first_byte) noexcept {
  switch (static_cast<ConnectStatus>(first_byte)) {
    case ConnectStatus::busy: return VmError::device_busy;
    case ConnectStatus::auth_failed: return VmError::auth_failed;
    case ConnectStatus::not_licensed: return VmError::not_licensed;
    case ConnectStatus::wrong_device_type: return VmError::wrong_device_type;
    case ConnectStatus::no_privilege: return VmError::no_privilege;
    case ConnectStatus::accepted: break;
  }
  return VmError::unexpected_response;
}

std::size_t ConnectResponseReader::feed(std::span<const std::uint8_t> in) noexcept {
  std::size_t used = 0;
  while (status_ == Status::need_more && used < in.size()) {
    bytes_[have_++] = in[used++];
    if (have_ == 2 && bytes_[0] != static_cast<std::uint8_t>(ConnectStatus::accepted))
      status_ = Status::refused;
    else if (have_ == 4)
      status_ = Status::accepted;
  }
  return used;
}

std::error_code ConnectResponseReader::error() const noexcept {
  if (status_ != Status::refused) return {};
  return connect_refusal_error(bytes_[0]);
}

Request make_request(std::span<const std::uint8_t> cdb) noexcept {
  Request out{};
  const std::size_t n = cdb.size() < out.size() ? cdb.size() : out.size();
  for (std::size_t i = 0; i < n; ++i) out[i] = cdb[i];
  return out;
}

std::uint16_t cdb_u16(const Request& cdb, std::size_t at) noexcept {
  ByteReader r(cdb);
  r.skip(at);
  return r.u16be();
}

std::uint32_t cdb_u32(const Request& cdb, std::size_t at) noexcept {
  ByteReader r(cdb);
  r.skip(at);
  return r.u32be();
}

Request build_echo_request(std::span<const std::uint8_t, 8> cookie) noexcept {
  Request out{};
  ByteWriter w(out);
  w.u8(kEchoOpcode)  // 0: echo
      .zeros(3)      // 1-3: unused
      .bytes(cookie);  // 4-11: returned in reply bytes 8-15
  return out;
}

ReplyHeaderBytes encode_reply_header(const ReplyHeader& header) noexcept {
  ReplyHeaderBytes out{};
  ByteWriter w(out);
  w.u32le(kReplyMagic)       // 0-3: magic DE C0 AD 0B
      .u32le(header.flags)   // 4-7: WP / KEEPALIVE / DISCONNECT
      .u8(header.media)      // 8: media byte
      .u8(header.sense.key)  // 9: sense key
      .u8(header.sense.asc)  // 10: ASC
      .u8(header.sense.ascq) // 11: ASCQ
      .u32le(header.length); // 12-15: data bytes that follow
  return out;
}

std::optional<ReplyHeader> parse_reply_header(std::span<const std::uint8_t> bytes,
                                              std::error_code& ec) {
  ByteReader r(bytes);
  const std::uint32_t magic = r.u32le();
  ReplyHeader h;
  h.flags = r.u32le();
  h.media = r.u8();
  h.sense.key = r.u8();
  h.sense.asc = r.u8();
  h.sense.ascq = r.u8();
  h.length = r.u32le();
  if (!r.ok() || r.remaining() != 0 || magic != kReplyMagic) {
    ec = VmError::bad_magic;
    return std::nullopt;
  }
  ec.clear();
  return h;
}

ReplyHeaderBytes build_keep_alive(const ReplyHeader& previous) noexcept {
  return control_header(previous, kFlagKeepAlive);
}

ReplyHeaderBytes build_disconnect(const ReplyHeader& previous) noexcept {
  return control_header(previous, kFlagDisconnect);
}

ReplyHeaderBytes build_echo_reply(const Request& request, std::uint32_t flags) noexcept {
  ReplyHeaderBytes out{};
  ByteWriter w(out);
  w.u32le(kReplyMagic)                             // 0-3: magic
      .u32le(flags)                                // 4-7: current flags
      .bytes(std::span(request).subspan(4, 8));    // 8-15: request bytes 4-11
  return out;
}

std::array<std::uint8_t, 8> echo_cookie(const ReplyHeader& header) noexcept {
  std::array<std::uint8_t, 8> out{};
  ByteWriter w(out);
  w.u8(header.media).u8(header.sense.key).u8(header.sense.asc).u8(header.sense.ascq).u32le(
      header.length);
  return out;
}

}  // namespace ilo::vm
