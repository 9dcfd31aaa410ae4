// Typed command-connection records and their framing (see command_records.hpp).
#include "rc/command_records.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"
#include "bytes/byte_writer.hpp"
#include "rc/rc_error.hpp"

namespace ilo::rc {
namespace {

constexpr std::size_t kArgCountdown = 2;  // header byte 10
constexpr std::size_t kNameChars = kRequesterFieldSize - 1;  // Java uses characters 0..62

// One name field of a seize/share payload: up to the first NUL within its first 63 bytes,
// trimmed of spaces, anything outside printable ASCII replaced by '?'.
std::string requester_field(std::span<const std::uint8_t> payload, std::size_t offset) {
  if (payload.size() <= offset) return {};
  auto field = payload.subspan(offset, std::min(kNameChars, payload.size() - offset));
  const auto nul = std::find(field.begin(), field.end(), std::uint8_t{0});
  std::string s;
  for (auto it = field.begin(); it != nul; ++it) {
    const std::uint8_t c = *it;
    s.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

void put_requester_field(ByteWriter& w, std::string_view name) {
  const std::string_view cut = name.substr(0, kNameChars);
  w.text(cut).zeros(kRequesterFieldSize - cut.size());  // NUL padded
}

struct ToRaw {
  RawCommandRecord operator()(const PostComplete&) const { return make(CommandRecordType::post_complete); }
  RawCommandRecord operator()(const HostPower& r) const {
    return make(CommandRecordType::host_power, {r.value});
  }
  RawCommandRecord operator()(const HealthStatus& r) const {
    return make(CommandRecordType::health, {r.value});
  }
  RawCommandRecord operator()(const PostCode& r) const {
    return make(CommandRecordType::post_code,
                {static_cast<std::uint8_t>(r.code), static_cast<std::uint8_t>(r.code >> 8)});
  }
  RawCommandRecord operator()(const SeizeRequest& r) const {
    auto raw = make(CommandRecordType::seize_request, requester_payload(r.user, r.address));
    raw.args[kArgCountdown] = r.countdown_s;
    return raw;
  }
  RawCommandRecord operator()(const VmStatus& r) const {
    return make(CommandRecordType::vm_status, {r.kind, r.device, r.reserved, r.connected});
  }
  RawCommandRecord operator()(const Playback&) const { return make(CommandRecordType::playback); }
  RawCommandRecord operator()(const ShareRequest& r) const {
    return make(CommandRecordType::share_request, requester_payload(r.user, r.address));
  }
  RawCommandRecord operator()(const FirmwareUpgrade&) const {
    return make(CommandRecordType::firmware_upgrade);
  }
  RawCommandRecord operator()(const UnauthorisedAction& r) const {
    auto raw = make(CommandRecordType::unauthorised);
    raw.args[kArgCountdown] = r.reason;
    return raw;
  }
  RawCommandRecord operator()(const VmNotification& r) const {
    return make(CommandRecordType::vm_notification, {r.value});
  }
  RawCommandRecord operator()(const NotLicensed&) const { return make(CommandRecordType::not_licensed); }
  RawCommandRecord operator()(const IloReset&) const { return make(CommandRecordType::ilo_reset); }
  RawCommandRecord operator()(const UnknownRecord& r) const { return r.raw; }

  static RawCommandRecord make(CommandRecordType type, std::vector<std::uint8_t> payload = {}) {
    RawCommandRecord raw;
    raw.type = static_cast<std::uint32_t>(type);
    raw.payload = std::move(payload);
    return raw;
  }
  static std::vector<std::uint8_t> requester_payload(std::string_view user,
                                                     std::string_view address) {
    std::vector<std::uint8_t> payload(kRequesterPayloadSize);
    ByteWriter w(payload);
    put_requester_field(w, user);     // 0..63: user name, NUL padded
    put_requester_field(w, address);  // 64..127: network address, NUL padded
    return payload;
  }
};

}  // namespace

CommandRecord interpret_command_record(const RawCommandRecord& raw, std::error_code& ec) {
  ec.clear();
  ByteReader r(raw.payload);
  auto need = [&](std::size_t n) {
    if (raw.payload.size() >= n) return true;
    ec = RcError::malformed_record;
    return false;
  };
  switch (static_cast<CommandRecordType>(raw.type)) {
    case CommandRecordType::post_complete: return PostComplete{};
    case CommandRecordType::host_power:
      if (!need(1)) break;
      return HostPower{r.u8()};
    case CommandRecordType::health:
      if (!need(1)) break;
      return HealthStatus{r.u8()};
    case CommandRecordType::post_code:
      if (!need(2)) break;
      return PostCode{r.u16le()};
    case CommandRecordType::seize_request:
      return SeizeRequest{requester_field(raw.payload, 0),
                          requester_field(raw.payload, kRequesterFieldSize),
                          raw.args[kArgCountdown]};
    case CommandRecordType::vm_status: {
      if (!need(4)) break;
      VmStatus v;
      v.kind = r.u8();
      v.device = r.u8();
      v.reserved = r.u8();
      v.connected = r.u8();
      return v;
    }
    case CommandRecordType::playback: return Playback{};
    case CommandRecordType::share_request:
      return ShareRequest{requester_field(raw.payload, 0),
                          requester_field(raw.payload, kRequesterFieldSize)};
    case CommandRecordType::firmware_upgrade: return FirmwareUpgrade{};
    case CommandRecordType::unauthorised: return UnauthorisedAction{raw.args[kArgCountdown]};
    case CommandRecordType::vm_notification:
      if (!need(1)) break;
      return VmNotification{r.u8()};
    case CommandRecordType::not_licensed: return NotLicensed{};
    case CommandRecordType::ilo_reset: return IloReset{};
    case CommandRecordType::ignored_12:
    case CommandRecordType::unknown_16: break;
  }
  return UnknownRecord{raw};
}

RawCommandRecord to_raw_command_record(const CommandRecord& record) {
  return std::visit(ToRaw{}, record);
}

std::vector<std::uint8_t> encode_command_record(const RawCommandRecord& raw) {
  std::vector<std::uint8_t> out(kCommandHeaderSize + raw.payload.size());
  ByteWriter w(out);
  w.u32le(raw.type)                                         // 0: record type
      .u32le(static_cast<std::uint32_t>(raw.payload.size()))  // 4: payload length
      .bytes(raw.args)                                      // 8: argument bytes (10 = s2)
      .bytes(raw.payload);                                  // 12: payload
  return out;
}

std::vector<std::uint8_t> encode_command_record(const CommandRecord& record) {
  return encode_command_record(to_raw_command_record(record));
}

std::array<std::uint8_t, 4> encode_seize_answer(SeizeAnswer answer) noexcept {
  std::array<std::uint8_t, 4> out{};
  ByteWriter(out).u32le(static_cast<std::uint32_t>(answer));  // 03 = deny, 04 = allow, LE
  return out;
}

std::optional<SeizeAnswer> parse_seize_answer(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() != 4) return std::nullopt;
  ByteReader r(bytes);
  const std::uint32_t v = r.u32le();
  if (v == static_cast<std::uint32_t>(SeizeAnswer::allow)) return SeizeAnswer::allow;
  if (v == static_cast<std::uint32_t>(SeizeAnswer::deny)) return SeizeAnswer::deny;
  return std::nullopt;
}

}  // namespace ilo::rc
