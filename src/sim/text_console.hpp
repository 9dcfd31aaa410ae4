// A character-cell console, the simulated server's screen: rows of text with per-cell colours,
// a cursor, scrolling, and a status bar on the last row. It renders itself into an RGB
// framebuffer with the built-in 8x16 font (ASCII and Latin-1). It knows nothing of power, keys
// or the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rc/framebuffer.hpp"

namespace ilo::sim {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

class TextConsole {
 public:
  static constexpr int kCellWidth = 8;
  static constexpr int kCellHeight = 16;

  // A console filling a width x height pixel screen (the last row is the status bar).
  TextConsole(int width, int height);

  [[nodiscard]] int columns() const noexcept { return columns_; }
  [[nodiscard]] int rows() const noexcept { return rows_; }

  void clear();
  // Writes UTF-8 text at the cursor; '\n' starts a new line, other control characters and
  // invalid UTF-8 are ignored, a character the font lacks (beyond Latin-1) shows as '?'.
  // Scrolls when the cursor passes the last text row.
  void write(std::string_view text, Rgb fg = kGrey);
  void backspace();  // erases the character left of the cursor, within the current line
  void set_status(std::string_view text);  // the status bar (last row)
  void set_cursor_visible(bool on) { cursor_visible_ = on; ++generation_; }
  // Continues the generation count of a console this one replaces (a mode switch).
  void follow_generation(std::uint64_t previous) noexcept { generation_ = previous + 1; }

  // The text rows in UTF-8 without trailing blanks (status bar last).
  [[nodiscard]] std::vector<std::string> text_rows() const;
  // Changes whenever anything visible changes.
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

  // Draws the whole console into fb, which must already have the console's pixel size.
  void render(rc::Framebuffer& fb) const;

  static constexpr Rgb kGrey{0xA8, 0xA8, 0xA8};
  static constexpr Rgb kWhite{0xF8, 0xF8, 0xF8};
  static constexpr Rgb kGreen{0x50, 0xD0, 0x50};
  static constexpr Rgb kCyan{0x48, 0xC0, 0xD8};
  static constexpr Rgb kYellow{0xE8, 0xD0, 0x40};
  static constexpr Rgb kBlue{0x18, 0x38, 0x98};

 private:
  struct Cell {
    char32_t ch = U' ';
    Rgb fg = kGrey;
    Rgb bg{};
  };
  Cell& at(int row, int col) { return cells_[static_cast<std::size_t>(row * columns_ + col)]; }
  const Cell& at(int row, int col) const {
    return cells_[static_cast<std::size_t>(row * columns_ + col)];
  }
  void newline();

  int width_, height_, columns_, rows_;
  std::vector<Cell> cells_;
  int cursor_row_ = 0, cursor_col_ = 0;
  bool cursor_visible_ = true;
  std::uint64_t generation_ = 1;
};

}  // namespace ilo::sim
