// Messages of the network-layer error category (see net_error.hpp).
#include "net/net_error.hpp"

#include <string>

namespace ilo::net {
namespace {

class NetCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ilo.net"; }
  std::string message(int c) const override {
    switch (static_cast<NetError>(c)) {
      case NetError::handshake_timeout: return "console handshake timed out";
      case NetError::seize_timeout: return "no answer to the seize request in time";
      case NetError::link_silent: return "nothing received from the iLO for too long";
      case NetError::closed_by_peer: return "the iLO closed the connection";
      case NetError::seized: return "the console was taken over by another user";
      case NetError::firmware_upgrade: return "the iLO is upgrading its firmware";
      case NetError::unauthorised:
        return "remote console closed: session timed out or access not authorised";
      case NetError::not_licensed: return "the remote console is not licensed";
      case NetError::ilo_reset: return "the iLO is resetting; reconnect in about 30 s";
      case NetError::stopped: return "session stopped";
      case NetError::input_queue_full: return "input dropped: send queue full";
      case NetError::not_connected: return "input dropped: console not connected";
      case NetError::internal: return "internal error in the console session";
    }
    return "unknown network-layer error";
  }
};

}  // namespace

const std::error_category& net_category() noexcept {
  static const NetCategory category;
  return category;
}

}  // namespace ilo::net
