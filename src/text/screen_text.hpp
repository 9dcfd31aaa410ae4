// Reads the text off a screen exactly: finds the character-cell grid (cell size and offset)
// and matches every two-coloured cell, any colours, against the glyph masks of the loaded
// bitmap fonts. No OCR and no guessing: a cell no font explains is '?' and counted. It keeps
// the grid it found per screen size and re-checks it cheaply; it does no I/O and no locking.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "image/rgb_image.hpp"
#include "text/bitmap_font.hpp"

namespace ilo::text {

struct ScreenTextResult {
  std::string text;       // UTF-8, one '\n'-terminated line per cell row, trailing blanks cut
  int unknown_cells = 0;  // non-blank cells no font explains (shown as '?')
  int known_cells = 0;    // cells read as a font's glyph
  int columns = 0, rows = 0;  // the grid found; 0 x 0 (and empty text) if none
  int cell_width = 0, cell_height = 0, x0 = 0, y0 = 0;
};

class ScreenText {
 public:
  // Adds a font's glyphs. A mask several glyphs share reads as the lowest code point any of
  // them shows (so ASCII wins over look-alike Cyrillic or Greek letters).
  void add_font(const BitmapFont& font);
  [[nodiscard]] std::size_t glyph_sizes() const noexcept { return tables_.size(); }

  // How hard recognise() looks for a grid on a frame of the size whose last search found none
  // (a graphics screen): `always` searches every time (what a reader of screen.txt is owed);
  // `backoff` searches again only after 1, 2, 4 ... 16 such calls, so a watcher fed every
  // frame of a changing graphics screen does not pay a whole search (tens of ms) per frame.
  enum class Search : std::uint8_t { always, backoff };

  // The text on frame. Finds the grid on the first call for a frame size, then reuses it while
  // it explains more cells than it fails on.
  ScreenTextResult recognise(const image::RgbImageView& frame, Search search = Search::always);

  // One 512-bit glyph mask: bit y * width + x.
  struct Mask {
    std::array<std::uint64_t, kMaxGlyphPixels / 64> words{};
    friend bool operator==(const Mask&, const Mask&) = default;
  };
  struct MaskHash {
    std::size_t operator()(const Mask& m) const noexcept;
  };
  // What a mask reads as: the lowest code point any glyph with it shows, and the lowest
  // line-drawing one (0: none), which a 9-pixel cell with a copied 9th column reads as.
  struct Entry {
    char32_t text = 0;
    char32_t line = 0;
  };
  struct Table {
    int width = 0, height = 0;
    std::unordered_map<Mask, Entry, MaskHash> glyphs;
  };
  struct Grid {
    int table = -1;       // index into tables_; -1: no text found
    bool nine = false;    // 9-pixel cells of an 8-pixel font (VGA text mode)
    int x0 = 0, y0 = 0;   // top-left pixel of the first whole cell
    [[nodiscard]] bool found() const noexcept { return table >= 0; }
  };

 private:
  enum class CellKind { blank, known, unknown };
  CellKind read_cell(const image::RgbImageView& f, const Table& t, bool nine, int x, int y,
                     char32_t& out) const;
  Grid find_grid(const image::RgbImageView& frame) const;
  ScreenTextResult read_grid(const image::RgbImageView& frame, const Grid& g) const;

  std::vector<Table> tables_;
  int cached_width_ = -1, cached_height_ = -1;
  Grid cached_;
  int failed_searches_ = 0;  // in a row, at the cached size
  int skips_left_ = 0;       // backoff calls to answer "no text" without a search
};

// Appends cp as UTF-8.
void append_utf8(std::string& out, char32_t cp);

}  // namespace ilo::text
