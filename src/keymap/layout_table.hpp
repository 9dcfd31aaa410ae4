// The client's character -> key strokes table for an XKB layout (rc::KeyLayout), computed from
// the compiled keymap: every key position x shift level reachable with Shift, AltGr or both, and
// dead key + base key through the compose table. No hand-made table; no typing.
#pragma once

#include <optional>
#include <string>

#include "keymap/xkb_keymap.hpp"
#include "rc/key_layout.hpp"

namespace ilo::keymap {

// The table, or nothing with `error` set when the layout does not compile.
std::optional<rc::KeyLayout> build_key_layout(const LayoutName& name, std::string& error);

}  // namespace ilo::keymap
