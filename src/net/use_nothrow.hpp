// The completion token every coroutine of src/net awaits with: an operation's error comes back
// as the first element of a tuple instead of an exception, so timeouts, cancellation and peer
// errors are values (operation_aborted is a normal path). Nothing else lives here.
#pragma once

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace ilo::net {

inline constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace ilo::net
