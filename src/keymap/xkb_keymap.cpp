// Layout names and libxkbcommon keymap / compose-table construction (see xkb_keymap.hpp).
// The environment (XKB_DEFAULT_*, XCOMPOSEFILE, ~/.XCompose) is ignored on purpose: the client
// and the simulator must compile the same layout whoever runs them.
#include "keymap/xkb_keymap.hpp"

#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include <cstdio>

namespace ilo::keymap {
namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr const char* kComposeFile = "/usr/share/X11/locale/en_US.UTF-8/Compose";

bool valid_part(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<LayoutName> parse_layout_name(std::string_view text) {
  LayoutName name;
  const auto colon = text.find(':');
  name.layout = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) name.variant = std::string(text.substr(colon + 1));
  if (!valid_part(name.layout)) return std::nullopt;
  if (colon != std::string_view::npos && !valid_part(name.variant)) return std::nullopt;
  return name;
}

void XkbDeleter::operator()(xkb_context* p) const noexcept { xkb_context_unref(p); }
void XkbDeleter::operator()(xkb_keymap* p) const noexcept { xkb_keymap_unref(p); }
void XkbDeleter::operator()(xkb_compose_table* p) const noexcept { xkb_compose_table_unref(p); }

Keymap load_keymap(const LayoutName& name, std::string& error) {
  Keymap out;
  out.context.reset(xkb_context_new(XKB_CONTEXT_NO_ENVIRONMENT_NAMES));
  if (!out.context) {
    error = "cannot create an XKB context";
    return out;
  }
  xkb_context_set_log_level(out.context.get(), XKB_LOG_LEVEL_CRITICAL);
  xkb_rule_names names{};
  names.rules = "evdev";
  names.model = "pc105";
  names.layout = name.layout.c_str();
  names.variant = name.variant.c_str();
  names.options = "";
  out.keymap.reset(
      xkb_keymap_new_from_names(out.context.get(), &names, XKB_KEYMAP_COMPILE_NO_FLAGS));
  if (!out.keymap) {
    error = "unknown XKB layout " + name.text() + " (see /usr/share/X11/xkb/rules/evdev.lst)";
    return out;
  }
  if (std::FILE* file = std::fopen(kComposeFile, "re")) {
    out.compose.reset(xkb_compose_table_new_from_file(out.context.get(), file, "en_US.UTF-8",
                                                      XKB_COMPOSE_FORMAT_TEXT_V1,
                                                      XKB_COMPOSE_COMPILE_NO_FLAGS));
    std::fclose(file);
  }
  return out;
}

}  // namespace ilo::keymap
