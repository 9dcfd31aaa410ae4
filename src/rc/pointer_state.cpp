// Pointer report computation (see pointer_state.hpp).
#include "rc/pointer_state.hpp"

#include <algorithm>

namespace ilo::rc {
namespace {

std::int8_t clamp_delta(long long d) noexcept {
  return static_cast<std::int8_t>(std::clamp(d, -127LL, 127LL));
}

std::uint16_t scale(int pos, int size) noexcept {
  // Java integer division: truncation, which is floor here because pos >= 0.
  return static_cast<std::uint16_t>(static_cast<long long>(PointerState::kAbsoluteRange) * pos /
                                    size);
}

}  // namespace

void PointerState::set_screen(int width, int height) noexcept {
  width_ = width;
  height_ = height;
}

std::optional<PointerReport> PointerState::update(int x, int y, std::uint8_t buttons) noexcept {
  if (width_ <= 0 || height_ <= 0) return std::nullopt;
  if (x < 0 || y < 0 || x > width_ || y > height_) return std::nullopt;
  PointerReport r;
  r.x = scale(x, width_);
  r.y = scale(y, height_);
  r.dx = clamp_delta(static_cast<long long>(x) - last_x_);
  r.dy = clamp_delta(static_cast<long long>(last_y_) - y);
  r.buttons = buttons;
  last_x_ = x;
  last_y_ = y;
  return r;
}

}  // namespace ilo::rc
