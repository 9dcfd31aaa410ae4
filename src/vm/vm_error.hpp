// The error vocabulary of the virtual-media protocol core (docs/virtual-media.md): connect request
// and response, reply framing, media reads and the initiator's view of a broken peer. SCSI
// command failures are not errors here: they travel as sense data in reply headers (sense.hpp).
#pragma once

#include <system_error>

namespace ilo::vm {

enum class VmError {
  // Connect request (#connect-request), server side and local arguments.
  bad_connect_request = 1,  // byte 0 is not 0x10 or the request is not 34 bytes
  bad_device_type,          // device type (byte 1 without 0x80) is not 1, 2 or 3
  bad_key,                  // the 32 key bytes do not match the issued session key
  bad_key_text,             // session key or enc_key is not 32 characters of ASCII hex
  // Connect response (#connect-response), client side: one code per error byte.
  device_busy,              // 0x21: another virtual media client is connected
  auth_failed,              // 0x22: invalid login
  not_licensed,             // 0x23: virtual media not licensed
  wrong_device_type,        // 0x25: the virtual device is configured as another type
  no_privilege,             // 0x26: virtual media privilege required
  unexpected_response,      // any other first byte
  // Reply headers (#reply-header).
  bad_magic,                // the header does not start with DE C0 AD 0B
  reply_too_large,          // a length field above the bound the reader accepts
  // Media (medium.hpp).
  read_past_end,            // a read starting beyond the end of the medium
  medium_io,                // the medium's backing store failed
  write_past_end,           // a write (writable_medium.hpp) reaching beyond the end
  medium_write,             // the medium's backing store failed a write or flush
};

const std::error_category& vm_category() noexcept;
inline std::error_code make_error_code(VmError e) noexcept {
  return {static_cast<int>(e), vm_category()};
}

}  // namespace ilo::vm

template <>
struct std::is_error_code_enum<ilo::vm::VmError> : std::true_type {};
