// The `optional_features` string of /json/rc_info (docs/rc-handshake.md#key-encoding): a
// ';'-separated list of feature names, parsed into flags and formatted back (for the simulator's
// rc_info reply). It does not decide what the flags imply on the wire (connect_request.hpp,
// key_encoding.hpp).
#pragma once

#include <string>
#include <string_view>

namespace ilo::rc {

struct OptionalFeatures {
  bool encrypt_key = false;    // ENCRYPT_KEY: console/command key XOR-ed with enc_key
  bool encrypt_vmkey = false;  // ENCRYPT_VMKEY: virtual-media key XOR-ed with enc_key
  bool encrypt_cmd = false;    // ENCRYPT_CMD: advertised, unused by the Java client
  friend bool operator==(const OptionalFeatures&, const OptionalFeatures&) = default;
};

// Names are matched exactly (case-sensitive) after trimming spaces around each item; empty
// items and unknown names are ignored.
OptionalFeatures parse_optional_features(std::string_view text);
// The set flags in the captured order, e.g. "ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD".
std::string format_optional_features(const OptionalFeatures& features);

}  // namespace ilo::rc
