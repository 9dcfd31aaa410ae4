// rc_info payload (see rc_info.hpp); the optional_features list syntax is rc's. Errors name
// the field and the rule it broke, never the value: enc_key, vm_key and cmd_enc_key are secrets.
#include "rest/rc_info.hpp"

#include "rest/json_fields.hpp"

namespace ilo::rest {
namespace {

constexpr std::string_view kRcInfoContext = "rc_info";

}  // namespace

Result<RcInfo> parse_rc_info(std::string_view body) {
  auto parsed = detail::parse_object(body, kRcInfoContext);
  if (!parsed) return parsed.failure();
  detail::FieldReader r(parsed.value(), kRcInfoContext);

  std::string enc_key_text;
  r.string("enc_key", enc_key_text);
  std::optional<EncKey> enc_key;
  if (r.ok()) {
    enc_key = EncKey::from_text(enc_key_text);
    if (!enc_key) r.fail(RestError::bad_value, "enc_key", "must be 32 hex digits");
  }
  if (!r.ok()) return r.failure();

  RcInfo info(std::move(*enc_key));
  r.optional_integer("enc_type", 0, 255, info.enc_type);
  r.port("rc_port", info.rc_port);
  r.optional_string("vm_key", info.vm_key);
  r.port("vm_port", info.vm_port);
  r.optional_string("cmd_enc_key", info.cmd_enc_key);
  r.string("protocol_version", info.protocol_version);
  std::string features;
  r.string("optional_features", features);
  r.string("server_name", info.server_name);
  r.string("ilo_fqdn", info.ilo_fqdn);
  r.flag("blade", info.blade);
  r.optional_integer("bay", 0, 65535, info.bay);
  r.optional_string("enclosure", info.enclosure);
  if (!r.ok()) return r.failure();
  info.optional_features = rc::parse_optional_features(features);
  return info;
}

std::string serialise(const RcInfo& info) {
  detail::OrderedJson j = detail::OrderedJson::object();
  j["enc_key"] = info.enc_key.text();
  if (info.enc_type) j["enc_type"] = *info.enc_type;
  j["rc_port"] = info.rc_port;
  if (info.vm_key) j["vm_key"] = *info.vm_key;
  j["vm_port"] = info.vm_port;
  if (info.cmd_enc_key) j["cmd_enc_key"] = *info.cmd_enc_key;
  j["protocol_version"] = info.protocol_version;
  j["optional_features"] = rc::format_optional_features(info.optional_features);
  j["server_name"] = info.server_name;
  j["ilo_fqdn"] = info.ilo_fqdn;
  j["blade"] = info.blade ? 1 : 0;
  j["bay"] = info.bay ? detail::OrderedJson(*info.bay) : detail::OrderedJson(nullptr);
  j["enclosure"] =
      info.enclosure ? detail::OrderedJson(*info.enclosure) : detail::OrderedJson(nullptr);
  return detail::dump_compact(j);
}

}  // namespace ilo::rest
