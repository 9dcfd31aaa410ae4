// The syntax of the mount's `keyboard` and `mouse` files, parsed whole into input reports
// before anything is sent (docs/architecture.md#whole-commands). Keyboard: UTF-8 text on a US
// layout or a given KeyLayout, newline is Enter, named keys in angle brackets (<Enter> <Esc> <Tab> <Backspace> <Delete>
// <Insert> <F1>..<F12> <Up> <Down> <Left> <Right> <Home> <End> <PageUp> <PageDown> <Space>), chords
// as <Ctrl-c>, <Alt-F2>, <Ctrl-Alt-Delete>, <Shift-Tab>, <Super-x>; "<<" types a literal '<'.
// Mouse: lines "move X Y", "click X Y [left|right|middle]", "down BUTTON", "up BUTTON". Names are
// matched case-insensitively. Pure functions: no I/O, no timing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "rc/input_messages.hpp"
#include "rc/key_layout.hpp"

namespace ilo::rc {

// Press/release report pairs for the whole text, or nothing: on error `ec` is
// std::errc::invalid_argument and `detail` (if given) says what and where, e.g.
// "unknown key name <Foo> at offset 12" or "no key for U+00E9 at offset 3". With a `layout`,
// text characters (not newline, tab, backspace, escape, nor the bracketed names) are typed as
// that layout types them, possibly as a dead key then a base key; without, on a US layout.
std::vector<KeyboardReport> parse_key_script(std::string_view text, std::error_code& ec,
                                             std::string* detail = nullptr,
                                             const KeyLayout* layout = nullptr);

// One pointer action in screen pixels (absolute).
struct PointerAction {
  int x = -1, y = -1;           // -1: keep the current position (down/up)
  std::uint8_t buttons = 0;     // kButton* bits held after this action
};

// The pointer reports of a `mouse` write, in order: "move" is one report with the buttons
// currently held; "click" is a move, a press and a release; "down"/"up" change the held
// buttons at the current position. `held` carries the held buttons between writes (in and
// out). Errors as parse_key_script: nothing is produced.
std::vector<PointerAction> parse_pointer_script(std::string_view text, std::uint8_t& held,
                                                std::error_code& ec, std::string* detail = nullptr);

}  // namespace ilo::rc
