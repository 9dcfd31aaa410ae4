// GET /json/rc_info (docs/rest-api.md#keys-and-ports): ports, keys and features for the console and
// virtual media connections. Parses the reply strictly and serialises it compactly for the
// simulator. It does not use the keys or features: the handshake and transport cores do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "rc/optional_features.hpp"
#include "rest/enc_key.hpp"
#include "rest/rest_error.hpp"

namespace ilo::rest {

// Fields neither client reads (docs/rest-api.md#keys-and-ports: enc_type, vm_key, cmd_enc_key) are
// optional; the rest are required. bay and enclosure are null unless blade = 1 (absent = null).
struct RcInfo {
  explicit RcInfo(EncKey key) : enc_key(std::move(key)) {}  // no default: a key is required

  EncKey enc_key;                           // text for the XOR mask, bytes for the cipher
  std::optional<std::int64_t> enc_type;     // 0 captured; unused
  std::uint16_t rc_port = 0;                // console and command connections
  std::optional<std::string> vm_key;        // unused by the clients (secret)
  std::uint16_t vm_port = 0;                // virtual media connections
  std::optional<std::string> cmd_enc_key;   // unused by the clients (secret)
  std::string protocol_version;             // "1.1"
  rc::OptionalFeatures optional_features;   // flags; the handshake core takes them as they are
  std::string server_name;                  // window title
  std::string ilo_fqdn;                     // window title
  bool blade = false;
  std::optional<std::int64_t> bay;          // blade bay number
  std::optional<std::string> enclosure;     // enclosure name
  bool operator==(const RcInfo&) const = default;
};

Result<RcInfo> parse_rc_info(std::string_view body);
// Compact JSON, keys in the iLO's order; bay and enclosure are always written (null if unset),
// the optional unused fields only when set. optional_features is written from the flags in
// the captured order (unknown names in a parsed list are not kept).
std::string serialise(const RcInfo& info);

}  // namespace ilo::rest
