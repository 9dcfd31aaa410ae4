// An object that includes Asio's configuration before any standard header, as src/sim's headers
// include <asio.hpp> first, and reports the configuration it saw (asio_config.hpp).
// Keep <asio/detail/config.hpp> the first include of this file.
#include <asio/detail/config.hpp>

#include "asio_config.hpp"

namespace ilo::test {
int asio_config_when_included_first() { return ILO_TEST_ASIO_CONFIG; }
}  // namespace ilo::test
