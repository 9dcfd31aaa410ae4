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
static_assert(std::size(kFont) == (0x7F - 0x20) + (0x100 - 0xA0));

bool drawable(char32_t c) { return (c >= 0x20 && c < 0x7F) || (c >= 0xA0 && c < 0x100); }

const Glyph& glyph(char32_t c) {
  if (c >= 0x20 && c < 0x7F) return kFont[c - 0x20];
  if (c >= 0xA0 && c < 0x100) return kFont[(0x7F - 0x20) + (c - 0xA0)];
  return kFont[0];
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
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
  for (std::size_t i = 0; i < text.size();) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 == '\n') {
      newline();
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (malformed ones are skipped byte by byte).
    std::size_t length = 1;
    char32_t ch = b0;
    if (b0 >= 0xC2 && b0 <= 0xDF) length = 2, ch = b0 & 0x1Fu;
    else if (b0 >= 0xE0 && b0 <= 0xEF) length = 3, ch = b0 & 0x0Fu;
    else if (b0 >= 0xF0 && b0 <= 0xF4) length = 4, ch = b0 & 0x07u;
    else if (b0 >= 0x80) length = 0;
    bool ok = length != 0 && text.size() - i >= length;
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      ok = (b & 0xC0) == 0x80;
      ch = (ch << 6) | (b & 0x3Fu);
    }
    if (!ok) {
      ++i;
      continue;
    }
    i += length;
    if (ch < 0x20 || (ch >= 0x7F && ch < 0xA0)) continue;
    if (!drawable(ch)) ch = U'?';
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
    const auto u = static_cast<unsigned char>(ch);
    at(last, c) = Cell{u >= 0x20 && u < 0x7F ? char32_t{u} : U'?', kWhite, kBlue};
  }
  ++generation_;
}

std::vector<std::string> TextConsole::text_rows() const {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(rows_));
  for (int r = 0; r < rows_; ++r) {
    std::string line;
    for (int c = 0; c < columns_; ++c) append_utf8(line, at(r, c).ch);
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
