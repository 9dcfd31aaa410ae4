// Keyboard layout names (`de`, `fr:azerty`) and the libxkbcommon objects built from Debian's XKB
// data for them: a keymap (rules evdev, model pc105, no options) and the en_US.UTF-8 compose
// table that turns dead keys into accented characters. Reads files; knows nothing of HID.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct xkb_context;
struct xkb_keymap;
struct xkb_compose_table;

namespace ilo::keymap {

struct LayoutName {
  std::string layout = "us";
  std::string variant;  // empty: the layout's default
  // "de" or "de:nodeadkeys".
  std::string text() const { return variant.empty() ? layout : layout + ":" + variant; }
};

// "NAME" or "NAME:VARIANT", each of [a-z0-9_-] (XKB's spelling), 1..64 characters.
std::optional<LayoutName> parse_layout_name(std::string_view text);

struct XkbDeleter {
  void operator()(xkb_context* p) const noexcept;
  void operator()(xkb_keymap* p) const noexcept;
  void operator()(xkb_compose_table* p) const noexcept;
};
using ContextPtr = std::unique_ptr<xkb_context, XkbDeleter>;
using KeymapPtr = std::unique_ptr<xkb_keymap, XkbDeleter>;
using ComposeTablePtr = std::unique_ptr<xkb_compose_table, XkbDeleter>;

// The compiled layout, or nullptrs and `error` set ("unknown XKB layout de:foo").
struct Keymap {
  ContextPtr context;
  KeymapPtr keymap;
  ComposeTablePtr compose;  // may be null: then dead keys compose nothing
};
Keymap load_keymap(const LayoutName& name, std::string& error);

}  // namespace ilo::keymap
