// RIBCL commands of the simulated iLO (see ribcl_commands.hpp).
#include "sim/ribcl_commands.hpp"

#include <string>

namespace ilo::sim {
namespace {

ribcl::ReplyDocument refused(std::string message) {
  ribcl::ReplyDocument d;
  d.status = kRibclSyntaxError;
  d.message = std::move(message);
  return d;
}

}  // namespace

ribcl::ReplyDocument run_ribcl_command(Machine& machine, const ribcl::Command& command,
                                       std::optional<bool> host_powered) {
  const bool server_info = command.section == "SERVER_INFO";
  if (server_info && command.tag == "GET_ONE_TIME_BOOT") {
    const BootDevice d = machine.one_time_boot();
    // iLO 4 answers "Normal" (mixed case) when no one-time boot is set.
    const std::string value = d == BootDevice::normal ? "Normal"
                                                      : std::string(ribcl::ribcl_boot_name(d));
    ribcl::ReplyDocument r;
    r.payload = ribcl::Element{"ONE_TIME_BOOT", {}, {{"BOOT_TYPE", {{"VALUE", value}}, {}}}};
    return r;
  }
  if (server_info && command.tag == "SET_ONE_TIME_BOOT") {
    if (command.mode != "write")
      return refused("Syntax error: SET_ONE_TIME_BOOT needs SERVER_INFO MODE=\"write\"");
    const auto d = command.value ? ribcl::parse_ribcl_boot_name(*command.value) : std::nullopt;
    if (!d) return refused("Syntax error: SET_ONE_TIME_BOOT VALUE is not a boot device");
    machine.set_one_time_boot(*d);
    return {};
  }
  if (server_info && command.tag == "GET_HOST_POWER_STATUS") {
    ribcl::ReplyDocument r;
    r.payload =
        ribcl::Element{"GET_HOST_POWER", {{"HOST_POWER", host_powered.value_or(machine.powered()) ? "ON" : "OFF"}}, {}};
    return r;
  }
  return refused("Syntax error: unknown command " + command.tag + " in " + command.section);
}

}  // namespace ilo::sim
