// Messages and portable conditions of the remote-console error category (see rc_error.hpp).
// The texts never contain key material or peer-supplied text.
#include "rc/rc_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::rc {
namespace {

ErrorInfo describe(RcError e) noexcept {
  switch (e) {
    case RcError::bad_hello: return {"server did not send the hello byte 'P'", EPROTO};
    case RcError::access_denied:
      return {"access denied ('Q'): bad key, missing remote-console privilege or session limit",
              EACCES};
    case RcError::busy: return {"console busy ('S'/'Y')", EBUSY};
    case RcError::no_licence: return {"no licence for the remote console ('W')", EACCES};
    case RcError::no_free_sessions: return {"no free sessions ('X')", EBUSY};
    case RcError::unexpected_status: return {"unexpected handshake status byte", EPROTO};
    case RcError::seize_refused: return {"seize refused ('Q')", EACCES};
    case RcError::share_unsupported: return {"console sharing is not supported", ENOTSUP};
    case RcError::cancelled: return {"busy console: connection cancelled", ECANCELED};
    case RcError::bad_connect_request: return {"malformed connect request", EPROTO};
    case RcError::bad_flags:
      return {"connect request flags do not match the advertised features", EPROTO};
    case RcError::bad_key: return {"connect request carries the wrong session key", EACCES};
    case RcError::bad_busy_answer: return {"busy answer is neither seize nor share", EPROTO};
    case RcError::bad_key_text:
      return {"session key or enc_key is not 32 hex characters", EINVAL};
    case RcError::bad_state: return {"operation not valid in this state", 0};
    case RcError::protocol_error: return {"remote-console protocol error", EPROTO};
    case RcError::unknown_input_message: return {"unknown input message number", EBADMSG};
    case RcError::record_too_large: return {"command record payload too large", EMSGSIZE};
    case RcError::malformed_record:
      return {"command record payload too short for its type", EBADMSG};
    case RcError::decoder_stalled: return {"video decoder made no progress", EPROTO};
    case RcError::bad_screen_size: return {"screen size not encodable in a MODE", EINVAL};
    case RcError::bad_bits_per_colour: return {"bits per colour outside 2..5", EINVAL};
    case RcError::bad_text: return {"string contains NUL or is too long", EINVAL};
    case RcError::no_mode: return {"no MODE for this framebuffer size", 0};
  }
  return {};
}

}  // namespace

const std::error_category& rc_category() noexcept {
  return enum_category<RcError, describe>("ilo.rc", "unknown remote-console error");
}

}  // namespace ilo::rc
