// libFuzzer target for the RIBCL core (docs/ribcl.md): any reply or request body must give a
// value or a RIBCL error, never a crash, a hang or unbounded memory.
#include <cstdint>
#include <string_view>

#include "ribcl/ribcl_reply.hpp"
#include "ribcl/ribcl_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(bytes + 1), size - 1);
  using namespace ilo::ribcl;
  switch (bytes[0] % 4) {
    case 0: (void)check_reply(body); break;
    case 1: (void)parse_one_time_boot(body); break;
    case 2: (void)parse_host_power(body); break;
    case 3: (void)parse_request(body); break;
  }
  return 0;
}
