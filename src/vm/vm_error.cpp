// Messages and portable conditions of the virtual-media error category (see vm_error.hpp).
// The texts never contain key material or peer-supplied text.
#include "vm/vm_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::vm {
namespace {

ErrorInfo describe(VmError e) noexcept {
  switch (e) {
    case VmError::bad_connect_request:
      return {"malformed virtual-media connect request", EPROTO};
    case VmError::bad_device_type: return {"unknown virtual-media device type", EPROTO};
    case VmError::bad_key:
      return {"virtual-media connect request carries the wrong session key", EACCES};
    case VmError::bad_key_text:
      return {"session key or enc_key is not 32 hex characters", EINVAL};
    case VmError::device_busy:
      return {"another virtual media client is connected (0x21)", EBUSY};
    case VmError::auth_failed: return {"virtual media: invalid login (0x22)", EACCES};
    case VmError::not_licensed: return {"virtual media is not licensed (0x23)", EACCES};
    case VmError::wrong_device_type:
      return {"the virtual device is not configured as the requested type (0x25)", ENODEV};
    case VmError::no_privilege: return {"virtual media privilege required (0x26)", EACCES};
    case VmError::unexpected_response:
      return {"unexpected virtual-media connect response", EPROTO};
    case VmError::bad_magic:
      return {"virtual-media reply header without the 0x0BADC0DE magic", EPROTO};
    case VmError::reply_too_large: return {"virtual-media reply length above the limit", EMSGSIZE};
    case VmError::read_past_end: return {"read beyond the end of the medium", EINVAL};
    case VmError::medium_io: return {"the medium could not be read", EIO};
    case VmError::write_past_end: return {"write beyond the end of the medium", EINVAL};
    case VmError::medium_write: return {"the medium could not be written", EIO};
  }
  return {};
}

}  // namespace

const std::error_category& vm_category() noexcept {
  return enum_category<VmError, describe>("ilo.vm", "unknown virtual-media error");
}

}  // namespace ilo::vm
