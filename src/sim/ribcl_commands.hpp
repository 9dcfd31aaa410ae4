// The RIBCL commands the simulated iLO knows, run against the machine model: GET_ONE_TIME_BOOT,
// SET_ONE_TIME_BOOT and GET_HOST_POWER_STATUS (docs/ribcl.md). Each gives the reply document an
// iLO 4 would send for it; anything else gets an error status. The login is checked before
// (https_api.cpp); no XML or HTTP here.
#pragma once

#include <optional>

#include "ribcl/ribcl_reply.hpp"
#include "ribcl/ribcl_request.hpp"
#include "sim/machine.hpp"

namespace ilo::sim {

// The simulator's statuses for requests it refuses (no capture shows the iLO's own numbers for
// these; 0x0001 is what python-hpilo's recorded syntax errors carry).
inline constexpr unsigned kRibclSyntaxError = 0x0001;

// `host_powered`: the power of the server behind the iLO when it is not `machine` (the QEMU
// machine); unset, the machine's.
ribcl::ReplyDocument run_ribcl_command(Machine& machine, const ribcl::Command& command,
                                       std::optional<bool> host_powered = std::nullopt);

}  // namespace ilo::sim
