// The error vocabulary of the network layer (src/net): timeouts, the ends of a console session
// that come from the server's notices, and local stops. Socket errors stay Asio's (system
// category); handshake refusals stay rc::RcError. Texts never carry key material.
#pragma once

#include <system_error>

namespace ilo::net {

enum class NetError {
  handshake_timeout = 1,  // no hello or status byte within the handshake deadline
  seize_timeout,          // no answer to the seize word 55 00 within the seize deadline
  link_silent,            // nothing received for too long, even after a refresh request
  closed_by_peer,         // the iLO closed the connection (EOF)
  seized,                 // video command 10, or we allowed another user's seize request
  firmware_upgrade,       // command record 10
  unauthorised,           // command record 11, reason 2 (remote console)
  not_licensed,           // command record 14
  ilo_reset,              // command record 15
  stopped,                // the owner stopped the session
  input_queue_full,       // input dropped: too many messages waiting to be sent
  not_connected,          // input dropped: no console connection at the moment
  internal,               // an unexpected failure inside the session (e.g. out of memory)
};

const std::error_category& net_category() noexcept;
inline std::error_code make_error_code(NetError e) noexcept {
  return {static_cast<int>(e), net_category()};
}

}  // namespace ilo::net

template <>
struct std::is_error_code_enum<ilo::net::NetError> : std::true_type {};
