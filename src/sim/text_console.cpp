// Text console model and its 8x16 rendering (see text_console.hpp).
#include "sim/text_console.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace ilo::sim {
namespace {

using Glyph = std::array<std::uint8_t, 16>;
constexpr Glyph kFont[] = {
#include "sim/font_8x16.inc"
};
static_assert(std::size(kFont) == 0x7F - 0x20);

const Glyph& glyph(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 && u < 0x7F) ? kFont[u - 0x20] : kFont[0];
}

void put(std::uint8_t* p, Rgb c) {
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

}  // namespace

TextConsole::TextConsole(int width, int height)
    : width_(width),
      height_(height),
      columns_(std::max(1, width / kCellWidth)),
      rows_(std::max(2, height / kCellHeight)),
      cells_(static_cast<std::size_t>(columns_ * rows_)) {
  set_status("");
}

void TextConsole::clear() {
  for (int r = 0; r + 1 < rows_; ++r)
    for (int c = 0; c < columns_; ++c) at(r, c) = Cell{};
  cursor_row_ = cursor_col_ = 0;
  ++generation_;
}

void TextConsole::newline() {
  cursor_col_ = 0;
  if (++cursor_row_ < rows_ - 1) return;
  // Scroll the text rows (not the status bar) up by one.
  cursor_row_ = rows_ - 2;
  for (int r = 0; r + 2 < rows_; ++r)
    for (int c = 0; c < columns_; ++c) at(r, c) = at(r + 1, c);
  for (int c = 0; c < columns_; ++c) at(rows_ - 2, c) = Cell{};
}

void TextConsole::write(std::string_view text, Rgb fg) {
  for (char ch : text) {
    if (ch == '\n') {
      newline();
      continue;
    }
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7F) continue;
    if (cursor_col_ >= columns_) newline();
    at(cursor_row_, cursor_col_++) = Cell{ch, fg, {}};
  }
  ++generation_;
}

void TextConsole::backspace() {
  if (cursor_col_ == 0) return;
  at(cursor_row_, --cursor_col_) = Cell{};
  ++generation_;
}

void TextConsole::set_status(std::string_view text) {
  const int last = rows_ - 1;
  for (int c = 0; c < columns_; ++c) {
    const char ch = c < static_cast<int>(text.size()) ? text[static_cast<std::size_t>(c)] : ' ';
    at(last, c) = Cell{ch, kWhite, kBlue};
  }
  ++generation_;
}

std::vector<std::string> TextConsole::text_rows() const {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(rows_));
  for (int r = 0; r < rows_; ++r) {
    std::string line;
    for (int c = 0; c < columns_; ++c) line.push_back(at(r, c).ch);
    line.erase(line.find_last_not_of(' ') + 1);
    out.push_back(std::move(line));
  }
  return out;
}

void TextConsole::render(rc::Framebuffer& fb) const {
  if (fb.width() != width_ || fb.height() != height_) return;
  std::memset(fb.pixels().data(), 0, fb.size_bytes());
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < columns_; ++c) {
      const Cell& cell = at(r, c);
      const bool cursor = cursor_visible_ && r == cursor_row_ && c == cursor_col_;
      const Glyph& g = glyph(cell.ch);
      for (int y = 0; y < kCellHeight; ++y) {
        const int py = r * kCellHeight + y;
        if (py >= height_) break;
        std::uint8_t bits = g[static_cast<std::size_t>(y)];
        if (cursor && y >= kCellHeight - 3) bits = 0xFF;  // underline cursor
        std::uint8_t* p = fb.row(py) + std::size_t(c) * kCellWidth * 3;
        for (int x = 0; x < kCellWidth; ++x, p += 3) put(p, (bits & (0x80 >> x)) ? cell.fg : cell.bg);
      }
    }
  }
  fb.mark({0, 0, width_, height_});
}

}  // namespace ilo::sim
