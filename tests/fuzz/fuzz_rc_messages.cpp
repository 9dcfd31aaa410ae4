// libFuzzer target for the console's byte parsers other than the video decoder: the server's
// input-message parser (docs/rc-input.md#server-parsing), the client's command-record parser
// (docs/command-session.md) and both sides of the console and command handshakes. Each must
// consume any input, split anywhere, without crashing, looping or growing. The first byte picks
// the parser (bits 0-1), the connection type of the client handshake (bit 2: command) and the
// piece size (bits 3-7).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "rc/client_handshake.hpp"
#include "rc/command_record_parser.hpp"
#include "rc/input_parser.hpp"
#include "rc/rc_error.hpp"
#include "rc/server_handshake.hpp"

namespace {

using namespace ilo::rc;

// Feeds `data` in pieces to `feed`, which returns bytes consumed; stops when a parser stops
// consuming (a sticky error or a final state), which must happen only with input left over.
template <typename Feed>
void pieces(std::span<const std::uint8_t> data, std::size_t piece, Feed feed) {
  while (!data.empty()) {
    const auto n = std::min(piece, data.size());
    const std::size_t used = feed(data.first(n));
    if (used > n) std::abort();
    if (used == 0) return;
    data = data.subspan(used);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = bytes[0];
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  const std::size_t piece = 1 + (control >> 3);
  switch (control & 3) {
    case 0: {
      InputParser p;
      pieces(data, piece, [&](auto in) {
        const auto r = p.feed(in);
        return r.error ? std::size_t{0} : r.consumed;
      });
      break;
    }
    case 1: {
      CommandRecordParser p;
      pieces(data, piece, [&](auto in) {
        const auto r = p.feed(in);
        return r.error == make_error_code(RcError::record_too_large) ? std::size_t{0} : r.consumed;
      });
      break;
    }
    case 2: {
      ConnectRequestBytes request{};
      request[0] = (control & 4) ? 0x02 : 0x01;  // command or console connection
      request[1] = 0x20;
      ClientHandshake h(request);
      pieces(data, piece, [&](auto in) {
        const auto r = h.feed(in);
        if (r.status == HandshakeStatus::busy) {
          h.seize();  // its reply byte is read by the next feed
          if (r.consumed == 0) std::abort();
          return r.consumed;
        }
        if (r.status != HandshakeStatus::need_more) return std::size_t{0};  // final: stop
        if (r.consumed == 0) std::abort();  // needs more yet took nothing offered
        return r.consumed;
      });
      break;
    }
    case 3: {
      ServerHandshakeConfig c;
      c.session_key = "3973f4196e5e77bff7c6dcc15ab97b92";
      c.enc_key = "bbAcD834680DDca9DE65269512BDdEC2";
      c.features.encrypt_key = true;
      c.features.encrypt_vmkey = true;
      ServerHandshake h(c);
      h.start();
      bool answered = false;
      pieces(data, piece, [&](auto in) {
        const auto r = h.feed(in);
        if (!answered && h.status() == ServerHandshakeStatus::request_received) {
          answered = true;
          h.respond('S');  // exercise the busy answer path
          return r.consumed;
        }
        if (r.status != ServerHandshakeStatus::need_more) return std::size_t{0};
        if (r.consumed == 0) std::abort();
        return r.consumed;
      });
      break;
    }
  }
  return 0;
}
