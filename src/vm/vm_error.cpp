// Messages of the virtual-media error category (see vm_error.hpp). The texts never contain key
// material or peer-supplied text.
#include "vm/vm_error.hpp"

#include <string>

namespace ilo::vm {
namespace {

class VmCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ilo.vm"; }
  std::string message(int c) const override {
    switch (static_cast<VmError>(c)) {
      case VmError::bad_connect_request: return "malformed virtual-media connect request";
      case VmError::bad_device_type: return "unknown virtual-media device type";
      case VmError::bad_key: return "virtual-media connect request carries the wrong session key";
      case VmError::bad_key_text: return "session key or enc_key is not 32 hex characters";
      case VmError::device_busy: return "another virtual media client is connected (0x21)";
      case VmError::auth_failed: return "virtual media: invalid login (0x22)";
      case VmError::not_licensed: return "virtual media is not licensed (0x23)";
      case VmError::wrong_device_type:
        return "the virtual device is not configured as the requested type (0x25)";
      case VmError::no_privilege: return "virtual media privilege required (0x26)";
      case VmError::unexpected_response: return "unexpected virtual-media connect response";
      case VmError::bad_magic: return "virtual-media reply header without the 0x0BADC0DE magic";
      case VmError::reply_too_large: return "virtual-media reply length above the limit";
      case VmError::read_past_end: return "read beyond the end of the medium";
      case VmError::medium_io: return "the medium could not be read";
      case VmError::write_past_end: return "write beyond the end of the medium";
      case VmError::medium_write: return "the medium could not be written";
    }
    return "unknown virtual-media error";
  }
};

}  // namespace

const std::error_category& vm_category() noexcept {
  static const VmCategory c;
  return c;
}

}  // namespace ilo::vm
