// The simulated server's keyboard driver for a non-US layout: HID usages and the report's
// modifier byte fed to a libxkbcommon state (the keymap of `ilo-sim --layout`), dead keys
// composed through the compose table, giving the UTF-8 text a key press types. It shares the
// XKB loading (src/keymap) and the kernel's usage table with the client, nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "keymap/xkb_keymap.hpp"

struct xkb_state;
struct xkb_compose_state;

namespace ilo::sim {

class LayoutKeyboard {
 public:
  // The driver, or nullptr with `error` set when the layout does not compile.
  static std::unique_ptr<LayoutKeyboard> create(const keymap::LayoutName& name,
                                                std::string& error);
  ~LayoutKeyboard();
  LayoutKeyboard(const LayoutKeyboard&) = delete;
  LayoutKeyboard& operator=(const LayoutKeyboard&) = delete;

  const std::string& name() const noexcept { return name_; }

  // A press (and release) of `usage` with `modifiers` held: the text it types, empty for a key
  // that types nothing, a dead key waiting for its base, or an unknown usage.
  std::string press(std::uint8_t usage, std::uint8_t modifiers);

 private:
  LayoutKeyboard() = default;
  void set_modifiers(std::uint8_t modifiers);

  std::string name_;
  keymap::Keymap keymap_;
  xkb_state* state_ = nullptr;
  xkb_compose_state* compose_ = nullptr;
  std::uint8_t held_modifiers_ = 0;
};

}  // namespace ilo::sim
