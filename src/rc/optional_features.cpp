// Parsing and formatting of the optional_features list (see optional_features.hpp).
#include "rc/optional_features.hpp"

namespace ilo::rc {
namespace {

constexpr std::string_view kEncryptKey = "ENCRYPT_KEY";
constexpr std::string_view kEncryptVmKey = "ENCRYPT_VMKEY";
constexpr std::string_view kEncryptCmd = "ENCRYPT_CMD";

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

OptionalFeatures parse_optional_features(std::string_view text) {
  OptionalFeatures f;
  while (true) {
    const auto end = text.find(';');
    const std::string_view item = trim(text.substr(0, end));
    if (item == kEncryptKey) f.encrypt_key = true;
    if (item == kEncryptVmKey) f.encrypt_vmkey = true;
    if (item == kEncryptCmd) f.encrypt_cmd = true;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return f;
}

std::string format_optional_features(const OptionalFeatures& features) {
  std::string out;
  auto add = [&out](std::string_view name) {
    if (!out.empty()) out += ';';
    out += name;
  };
  if (features.encrypt_key) add(kEncryptKey);
  if (features.encrypt_vmkey) add(kEncryptVmKey);
  if (features.encrypt_cmd) add(kEncryptCmd);
  return out;
}

}  // namespace ilo::rc
