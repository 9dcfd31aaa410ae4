// Held-key bookkeeping (see keyboard_state.hpp).
#include "rc/keyboard_state.hpp"

#include <algorithm>

namespace ilo::rc {
namespace {

std::uint8_t modifier_bit(std::uint8_t usage) noexcept {
  return static_cast<std::uint8_t>(1u << (usage - 0xE0));
}

}  // namespace

bool KeyboardState::press(std::uint8_t usage) noexcept {
  if (usage == 0) return false;
  if (is_modifier(usage)) {
    const auto before = report_.modifiers;
    report_.modifiers = static_cast<std::uint8_t>(report_.modifiers | modifier_bit(usage));
    return report_.modifiers != before;
  }
  auto& keys = report_.keys;
  if (std::find(keys.begin(), keys.end(), usage) != keys.end()) return false;
  auto slot = std::find(keys.begin(), keys.end(), std::uint8_t{0});
  if (slot == keys.end()) slot = keys.end() - 1;  // Java: the last key wins slot 6
  *slot = usage;
  return true;
}

bool KeyboardState::release(std::uint8_t usage) noexcept {
  if (usage == 0) return false;
  if (is_modifier(usage)) {
    const auto before = report_.modifiers;
    report_.modifiers = static_cast<std::uint8_t>(report_.modifiers & ~modifier_bit(usage));
    return report_.modifiers != before;
  }
  auto& keys = report_.keys;
  const auto slot = std::find(keys.begin(), keys.end(), usage);
  if (slot == keys.end()) return false;
  *slot = 0;
  return true;
}

bool KeyboardState::release_all() noexcept {
  const bool changed = !(report_ == KeyboardReport{});
  report_ = KeyboardReport{};
  return changed;
}

}  // namespace ilo::rc
