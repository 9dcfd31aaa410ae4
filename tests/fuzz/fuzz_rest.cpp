// libFuzzer target for the REST payload parsers (docs/rest-api.md) and the PPM reader: any body
// must give a value or a precise error, never a crash, a hang or unbounded memory.
#include <cstdint>
#include <span>
#include <string_view>

#include "image/ppm_reader.hpp"
#include "rest/ilo_error_body.hpp"
#include "rest/login_session.hpp"
#include "rest/rc_info.hpp"
#include "rest/session_info.hpp"
#include "rest/vm_media_request.hpp"
#include "rest/vm_status.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(bytes + 1), size - 1);
  using namespace ilo::rest;
  switch (bytes[0] % 8) {
    case 0: (void)parse_rc_info(body); break;
    case 1: (void)parse_session_info(body); break;
    case 2: (void)parse_vm_status(body); break;
    case 3: (void)parse_login_reply(body); break;
    case 4: (void)parse_login_session_request(body); break;
    case 5: (void)parse_vm_media_request(body); break;
    case 6: (void)parse_ilo_error_body(body); break;
    case 7: {
      std::error_code ec;
      (void)ilo::image::decode_ppm(std::span(bytes + 1, size - 1), ec);
      break;
    }
  }
  return 0;
}
