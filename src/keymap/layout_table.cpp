// Walks an XKB keymap into an rc::KeyLayout (see layout_table.hpp). Keys are XKB evdev keycodes,
// turned into HID usages by the kernel's fixed table (rc/evdev_usage.hpp).
#include "keymap/layout_table.hpp"

#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include <array>
#include <bit>
#include <vector>

#include "rc/evdev_usage.hpp"

namespace ilo::keymap {
namespace {

constexpr std::uint8_t kModShift = 0x02;  // left Shift in the report's modifier byte

// Usages of keys that type text (letters, digits, punctuation, space, the ISO and Japanese
// extra keys). Enter, Escape, Backspace, Tab and the keypad stay position-based.
bool types_text(std::uint8_t usage) {
  if (usage >= 0x28 && usage <= 0x2B) return false;
  return (usage >= 0x04 && usage <= 0x38) || usage == 0x64 || usage == 0x87 || usage == 0x89;
}

bool is_dead(xkb_keysym_t sym) {
  return sym >= XKB_KEY_dead_grave && sym <= XKB_KEY_dead_greek;
}

// The first code point of a short UTF-8 string when it is the only one, else 0.
char32_t single_code_point(const char* s, int length) {
  if (length <= 0) return 0;
  const auto b0 = static_cast<unsigned char>(s[0]);
  int n = 1;
  char32_t cp = b0;
  if (b0 >= 0xF0) n = 4, cp = b0 & 0x07u;
  else if (b0 >= 0xE0) n = 3, cp = b0 & 0x0Fu;
  else if (b0 >= 0xC0) n = 2, cp = b0 & 0x1Fu;
  if (n != length) return 0;
  for (int i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3Fu);
  return cp;
}

struct SymStroke {
  xkb_keysym_t sym;
  rc::KeyStroke stroke;
};

}  // namespace

std::optional<rc::KeyLayout> build_key_layout(const LayoutName& name, std::string& error) {
  const Keymap km = load_keymap(name, error);
  if (!km.keymap) return std::nullopt;
  xkb_keymap* keymap = km.keymap.get();
  const xkb_mod_index_t shift = xkb_keymap_mod_get_index(keymap, XKB_MOD_NAME_SHIFT);
  const xkb_mod_index_t mod5 = xkb_keymap_mod_get_index(keymap, "Mod5");
  // AltGr is usable when the right Alt key of this keymap is ISO_Level3_Shift (it sets Mod5).
  bool altgr = false;
  if (const auto ralt = rc::linux_key_for_usage(0xE6)) {
    const xkb_keysym_t* syms = nullptr;
    const int n = xkb_keymap_key_get_syms_by_level(keymap, *ralt + rc::kEvdevKeycodeOffset, 0,
                                                   0, &syms);
    altgr = n == 1 && syms[0] == XKB_KEY_ISO_Level3_Shift;
  }
  xkb_mod_mask_t allowed = 0;
  if (shift != XKB_MOD_INVALID) allowed |= xkb_mod_mask_t{1} << shift;
  if (altgr && mod5 != XKB_MOD_INVALID) allowed |= xkb_mod_mask_t{1} << mod5;

  rc::KeyLayout layout(name.text());
  std::vector<SymStroke> bases, deads;
  const xkb_keycode_t min = xkb_keymap_min_keycode(keymap);
  const xkb_keycode_t max = xkb_keymap_max_keycode(keymap);
  for (xkb_keycode_t key = min; key <= max && key >= min; ++key) {
    if (key < rc::kEvdevKeycodeOffset) continue;
    const auto usage = rc::usage_for_linux_key(key - rc::kEvdevKeycodeOffset);
    if (!usage || !types_text(*usage)) continue;
    const xkb_level_index_t levels = xkb_keymap_num_levels_for_key(keymap, key, 0);
    for (xkb_level_index_t level = 0; level < levels; ++level) {
      std::array<xkb_mod_mask_t, 16> masks{};
      const std::size_t count =
          xkb_keymap_key_get_mods_for_level(keymap, key, 0, level, masks.data(), masks.size());
      std::optional<std::uint8_t> modifiers;
      for (std::size_t i = 0; i < count && i < masks.size(); ++i) {
        const xkb_mod_mask_t mask = masks[i];
        if ((mask & ~allowed) != 0) continue;
        std::uint8_t m = 0;
        if (shift != XKB_MOD_INVALID && (mask & (xkb_mod_mask_t{1} << shift)) != 0) m |= kModShift;
        if (mod5 != XKB_MOD_INVALID && (mask & (xkb_mod_mask_t{1} << mod5)) != 0)
          m |= rc::kModifierRightAlt;
        if (!modifiers || std::popcount(m) < std::popcount(*modifiers)) modifiers = m;
      }
      if (!modifiers) continue;
      const xkb_keysym_t* syms = nullptr;
      if (xkb_keymap_key_get_syms_by_level(keymap, key, 0, level, &syms) != 1) continue;
      const rc::KeyStroke stroke{*modifiers, *usage};
      if (is_dead(syms[0])) {
        deads.push_back({syms[0], stroke});
        continue;
      }
      const char32_t c = xkb_keysym_to_utf32(syms[0]);
      if (c < 0x20 || c == 0x7F) continue;
      layout.offer(c, {stroke});
      bases.push_back({syms[0], stroke});
    }
  }
  if (km.compose) {
    for (const auto& dead : deads) {
      for (const auto& base : bases) {
        std::unique_ptr<xkb_compose_state, void (*)(xkb_compose_state*)> state(
            xkb_compose_state_new(km.compose.get(), XKB_COMPOSE_STATE_NO_FLAGS),
            xkb_compose_state_unref);
        if (!state) break;
        xkb_compose_state_feed(state.get(), dead.sym);
        xkb_compose_state_feed(state.get(), base.sym);
        if (xkb_compose_state_get_status(state.get()) != XKB_COMPOSE_COMPOSED) continue;
        std::array<char, 16> utf8{};
        const int n = xkb_compose_state_get_utf8(state.get(), utf8.data(), utf8.size());
        const char32_t c = single_code_point(utf8.data(), n);
        if (c >= 0x20 && c != 0x7F) layout.offer(c, {dead.stroke, base.stroke});
      }
    }
  }
  return layout;
}

}  // namespace ilo::keymap
