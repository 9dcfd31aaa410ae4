// HID usages -> text through an XKB state and compose state (see layout_keyboard.hpp).
#include "sim/layout_keyboard.hpp"

#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include <array>

#include "rc/evdev_usage.hpp"

namespace ilo::sim {
namespace {

std::optional<xkb_keycode_t> keycode_of(std::uint8_t usage) {
  const auto code = rc::linux_key_for_usage(usage);
  if (!code) return std::nullopt;
  return *code + rc::kEvdevKeycodeOffset;
}

}  // namespace

std::unique_ptr<LayoutKeyboard> LayoutKeyboard::create(const keymap::LayoutName& name,
                                                       std::string& error) {
  std::unique_ptr<LayoutKeyboard> k(new LayoutKeyboard());
  k->name_ = name.text();
  k->keymap_ = keymap::load_keymap(name, error);
  if (!k->keymap_.keymap) return nullptr;
  k->state_ = xkb_state_new(k->keymap_.keymap.get());
  if (k->state_ == nullptr) {
    error = "cannot create an XKB state";
    return nullptr;
  }
  if (k->keymap_.compose)
    k->compose_ = xkb_compose_state_new(k->keymap_.compose.get(), XKB_COMPOSE_STATE_NO_FLAGS);
  return k;
}

LayoutKeyboard::~LayoutKeyboard() {
  xkb_compose_state_unref(compose_);
  xkb_state_unref(state_);
}

void LayoutKeyboard::set_modifiers(std::uint8_t modifiers) {
  // Bit n of the modifier byte is usage 0xE0 + n: press or release that key as it changed.
  for (int bit = 0; bit < 8; ++bit) {
    const auto mask = static_cast<std::uint8_t>(1u << bit);
    if ((modifiers & mask) == (held_modifiers_ & mask)) continue;
    const auto key = keycode_of(static_cast<std::uint8_t>(0xE0 + bit));
    if (!key) continue;
    xkb_state_update_key(state_, *key, (modifiers & mask) != 0 ? XKB_KEY_DOWN : XKB_KEY_UP);
  }
  held_modifiers_ = modifiers;
}

std::string LayoutKeyboard::press(std::uint8_t usage, std::uint8_t modifiers) {
  set_modifiers(modifiers);
  const auto key = keycode_of(usage);
  if (!key) return {};
  std::string text;
  const xkb_keysym_t sym = xkb_state_key_get_one_sym(state_, *key);
  const bool composing =
      compose_ != nullptr && xkb_compose_state_feed(compose_, sym) == XKB_COMPOSE_FEED_ACCEPTED;
  std::array<char, 64> buffer{};
  switch (composing ? xkb_compose_state_get_status(compose_) : XKB_COMPOSE_NOTHING) {
    case XKB_COMPOSE_COMPOSING:
      break;  // a dead key: wait for the base
    case XKB_COMPOSE_COMPOSED:
      if (xkb_compose_state_get_utf8(compose_, buffer.data(), buffer.size()) > 0)
        text = buffer.data();
      xkb_compose_state_reset(compose_);
      break;
    case XKB_COMPOSE_CANCELLED:
      xkb_compose_state_reset(compose_);
      break;
    case XKB_COMPOSE_NOTHING:
      if (xkb_state_key_get_utf8(state_, *key, buffer.data(), buffer.size()) > 0)
        text = buffer.data();
      break;
  }
  xkb_state_update_key(state_, *key, XKB_KEY_DOWN);
  xkb_state_update_key(state_, *key, XKB_KEY_UP);
  return text;
}

}  // namespace ilo::sim
