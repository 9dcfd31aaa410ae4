// Turns pointer positions in remote-screen pixels into pointer reports (docs/rc-input.md#pointer)
// the way HP's Java client does: absolute X/Y = floor(3000 * pos / size), relative dX = x - last x
// and dY = last y - y (up positive), both clamped to -127..127. It does not send anything and does
// not implement the Java "Ctrl held suppresses pointer events" quirk (a front-end policy).
#pragma once

#include <cstdint>
#include <optional>

#include "rc/input_messages.hpp"

namespace ilo::rc {

class PointerState {
 public:
  static constexpr int kAbsoluteRange = 3000;

  // The screen size of the last video MODE. 0 (no video) makes update() send nothing.
  void set_screen(int width, int height) noexcept;

  // The report for the pointer at (x, y) with `buttons` (kButton* bits), remembering (x, y)
  // for the next relative delta. Nothing (and nothing remembered) outside 0..width /
  // 0..height: Java sends nothing when x > width or y > height; negative positions are
  // refused too. The first report's deltas are taken from (0, 0).
  std::optional<PointerReport> update(int x, int y, std::uint8_t buttons) noexcept;

 private:
  int width_ = 0, height_ = 0;
  int last_x_ = 0, last_y_ = 0;
};

}  // namespace ilo::rc
