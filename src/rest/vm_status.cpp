// vm_status GET payload (see vm_status.hpp). Nested fields are named by their path in errors,
// e.g. "vm_status: field 'options[1].vm_connected' must be 0 or 1".
#include "rest/vm_status.hpp"

#include "rest/json_fields.hpp"

namespace ilo::rest {
namespace {

constexpr std::string_view kVmStatusContext = "vm_status";

// Reads options[index] into `out`; a failure is recorded in `parent`.
void read_drive(detail::FieldReader& parent, const detail::Json& element, std::size_t index,
                VmDriveStatus& out) {
  const std::string name = "options[" + std::to_string(index) + "]";
  if (!element.is_object()) return parent.fail(RestError::wrong_type, name, "must be an object");
  detail::FieldReader r(element, kVmStatusContext, name + ".");
  r.string("device", out.device);
  r.flag("image_inserted", out.image_inserted);
  r.string("boot_option", out.boot_option);
  r.flag("write_protect_flag", out.write_protect_flag);
  r.flag("vm_url_connected", out.vm_url_connected);
  r.flag("vm_connected", out.vm_connected);
  r.string("image_url", out.image_url);
  r.string("image_url_file", out.image_url_file);
  parent.adopt(r);
}

detail::OrderedJson nullable(const std::optional<std::string>& s) {
  return s ? detail::OrderedJson(*s) : detail::OrderedJson(nullptr);
}

}  // namespace

Result<VmStatus> parse_vm_status(std::string_view body) {
  auto parsed = detail::parse_object(body, kVmStatusContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kVmStatusContext);
  VmStatus status;

  const detail::Json* options = r.field("options");
  if (options != nullptr && (!options->is_array() || options->size() != status.options.size()))
    r.fail(RestError::wrong_type, "options", "must be an array of 2 objects");
  if (!r.ok()) return r.failure();
  for (std::size_t i = 0; i < status.options.size(); ++i)
    read_drive(r, (*options)[i], i, status.options[i]);

  r.port("port", status.port);
  r.optional_string("device", status.device);
  r.optional_string("boot_option", status.boot_option);
  r.optional_string("command", status.command);
  r.flag("legacy_bios", status.legacy_bios);
  if (!r.ok()) return r.failure();
  return status;
}

std::string serialise(const VmStatus& status) {
  detail::OrderedJson options = detail::OrderedJson::array();
  for (const VmDriveStatus& d : status.options) {
    detail::OrderedJson o = detail::OrderedJson::object();
    o["device"] = d.device;
    o["image_inserted"] = d.image_inserted ? 1 : 0;
    o["boot_option"] = d.boot_option;
    o["write_protect_flag"] = d.write_protect_flag ? 1 : 0;
    o["vm_url_connected"] = d.vm_url_connected ? 1 : 0;
    o["vm_connected"] = d.vm_connected ? 1 : 0;
    o["image_url"] = d.image_url;
    o["image_url_file"] = d.image_url_file;
    options.push_back(std::move(o));
  }
  detail::OrderedJson j = detail::OrderedJson::object();
  j["options"] = std::move(options);
  j["port"] = status.port;
  j["device"] = nullable(status.device);
  j["boot_option"] = nullable(status.boot_option);
  j["command"] = nullable(status.command);
  j["legacy_bios"] = status.legacy_bios ? 1 : 0;
  return detail::dump_compact(j);
}

}  // namespace ilo::rest
