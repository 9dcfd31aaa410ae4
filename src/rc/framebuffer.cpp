// Framebuffer storage, sizing and dirty-rectangle bookkeeping. Painting itself is done by the
// video decoder's block writer through row(); nothing here knows the bitstream.
#include "rc/framebuffer.hpp"

#include <algorithm>
#include <cstring>

namespace ilo::rc {

Framebuffer::Framebuffer(std::span<std::uint8_t> storage) noexcept
    : pixels_(storage), external_(true) {}

bool Framebuffer::resize(int width, int height) {
  if (width < 0 || height < 0 || width > kMaxWidth || height > kMaxHeight) return false;
  const std::size_t bytes = std::size_t(width) * std::size_t(height) * 3;
  std::size_t old_bytes = bytes;  // how much of the new screen may hold old pixels
  if (external_) {
    if (bytes > pixels_.size()) return false;
  } else if (bytes > owned_.size()) {
    old_bytes = owned_.size();
    owned_.resize(bytes);  // the bytes added are zero already: clear them only once
    pixels_ = owned_;
  }
  width_ = width;
  height_ = height;
  dirty_ = {};
  clear_first(old_bytes);
  return true;
}

void Framebuffer::clear() noexcept { clear_first(size_bytes()); }

void Framebuffer::clear_first(std::size_t n) noexcept {
  const auto px = pixels();  // counts as a change
  n = std::min(n, px.size());
  if (n != 0) std::memset(px.data(), 0, n);
  mark({0, 0, width_, height_});
}

void Framebuffer::mark(const Rect& r) noexcept {
  // Clip to the screen first so the dirty rectangle never describes memory we do not have.
  const int x0 = std::max(r.x, 0);
  const int y0 = std::max(r.y, 0);
  const int x1 = std::min(r.x + std::max(r.width, 0), width_);
  const int y1 = std::min(r.y + std::max(r.height, 0), height_);
  if (x1 <= x0 || y1 <= y0) return;
  if (dirty_.empty()) {
    dirty_ = {x0, y0, x1 - x0, y1 - y0};
    return;
  }
  const int dx1 = std::max(dirty_.x + dirty_.width, x1);
  const int dy1 = std::max(dirty_.y + dirty_.height, y1);
  dirty_.x = std::min(dirty_.x, x0);
  dirty_.y = std::min(dirty_.y, y0);
  dirty_.width = dx1 - dirty_.x;
  dirty_.height = dy1 - dirty_.y;
}

Rect Framebuffer::take_dirty() noexcept {
  const Rect r = dirty_;
  dirty_ = {};
  return r;
}

}  // namespace ilo::rc
