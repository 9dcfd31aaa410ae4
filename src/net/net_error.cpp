// Messages and portable conditions of the network-layer error category (see net_error.hpp).
#include "net/net_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::net {
namespace {

ErrorInfo describe(NetError e) noexcept {
  switch (e) {
    case NetError::handshake_timeout: return {"console handshake timed out", ETIMEDOUT};
    case NetError::seize_timeout: return {"no answer to the seize request in time", ETIMEDOUT};
    case NetError::link_silent: return {"nothing received from the iLO for too long", ETIMEDOUT};
    case NetError::closed_by_peer: return {"the iLO closed the connection", ECONNRESET};
    case NetError::seized: return {"the console was taken over by another user", ECONNABORTED};
    case NetError::firmware_upgrade: return {"the iLO is upgrading its firmware", EAGAIN};
    case NetError::unauthorised:
      return {"remote console closed: session timed out or access not authorised", EACCES};
    case NetError::not_licensed: return {"the remote console is not licensed", EACCES};
    case NetError::ilo_reset: return {"the iLO is resetting; reconnect in about 30 s", EAGAIN};
    case NetError::stopped: return {"session stopped", ECANCELED};
    case NetError::input_queue_full: return {"input dropped: send queue full", EAGAIN};
    case NetError::not_connected: return {"input dropped: console not connected", ENOTCONN};
    case NetError::internal: return {"internal error in the console session", 0};
  }
  return {};
}

}  // namespace

const std::error_category& net_category() noexcept {
  return enum_category<NetError, describe>("ilo.net", "unknown network-layer error");
}

}  // namespace ilo::net
