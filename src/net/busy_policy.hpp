// What a console connection does when the console is in use ('S'/'Y',
// docs/rc-handshake.md#busy-seize-and-share).
// Its own header, without Asio, so the mount's options and the companion can name it without
// compiling the transport (rc_connect.hpp) that acts on it.
#pragma once

#include <cstdint>

namespace ilo::net {

enum class BusyPolicy : std::uint8_t {
  fail,   // cancel: the attempt fails with rc::RcError::cancelled
  seize,  // send 55 00 and wait for R (granted) or Q (refused)
  share,  // send 56 00; what follows depends on rc::ClientHandshakeOptions::share
};

}  // namespace ilo::net
