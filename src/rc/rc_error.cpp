// Messages of the remote-console session error category (see rc_error.hpp). The texts never
// contain key material or peer-supplied text.
#include "rc/rc_error.hpp"

#include <string>

namespace ilo::rc {
namespace {

class RcCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ilo.rc"; }
  std::string message(int c) const override {
    switch (static_cast<RcError>(c)) {
      case RcError::bad_hello: return "server did not send the hello byte 'P'";
      case RcError::access_denied:
        return "access denied ('Q'): bad key, missing remote-console privilege or session limit";
      case RcError::busy: return "console busy ('S'/'Y')";
      case RcError::no_licence: return "no licence for the remote console ('W')";
      case RcError::no_free_sessions: return "no free sessions ('X')";
      case RcError::unexpected_status: return "unexpected handshake status byte";
      case RcError::seize_refused: return "seize refused ('Q')";
      case RcError::share_unsupported: return "console sharing is not supported";
      case RcError::cancelled: return "busy console: connection cancelled";
      case RcError::bad_connect_request: return "malformed connect request";
      case RcError::bad_flags: return "connect request flags do not match the advertised features";
      case RcError::bad_key: return "connect request carries the wrong session key";
      case RcError::bad_busy_answer: return "busy answer is neither seize nor share";
      case RcError::bad_key_text: return "session key or enc_key is not 32 hex characters";
      case RcError::bad_state: return "operation not valid in this state";
      case RcError::protocol_error: return "remote-console protocol error";
      case RcError::unknown_input_message: return "unknown input message number";
      case RcError::record_too_large: return "command record payload too large";
      case RcError::malformed_record: return "command record payload too short for its type";
      case RcError::decoder_stalled: return "video decoder made no progress";
    }
    return "unknown remote-console error";
  }
};

}  // namespace

const std::error_category& rc_category() noexcept {
  static const RcCategory c;
  return c;
}

}  // namespace ilo::rc
