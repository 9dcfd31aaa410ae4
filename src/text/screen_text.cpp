// Grid finding and exact cell matching for ScreenText (see screen_text.hpp).
// A cell is read as a bit mask over its two colours: first with the colour of its top-left
// pixel as background, then inverted; an underline cursor (bottom rows all ink) is read away.
// In 9-pixel VGA cells the 9th column is background, or a copy of the 8th for the line-drawing
// characters (U+2500..U+259F, the glyphs the VGA extends: CP437 0xC0-0xDF).
#include "text/screen_text.hpp"

#include <algorithm>
#include <utility>

namespace ilo::text {
namespace {

std::uint32_t colour(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2];
}

void set_bit(ScreenText::Mask& m, int i) noexcept {
  m.words[std::size_t(i >> 6)] |= std::uint64_t{1} << (i & 63);
}

bool line_drawing(char32_t cp) noexcept { return cp >= 0x2500 && cp <= 0x259F; }

ScreenText::Mask invert(const ScreenText::Mask& m, int bits) noexcept {
  ScreenText::Mask out;
  for (int i = 0; i < bits; ++i)
    if ((m.words[std::size_t(i >> 6)] >> (i & 63) & 1) == 0) set_bit(out, i);
  return out;
}

bool row_full(const ScreenText::Mask& m, int width, int y) noexcept {
  for (int x = 0; x < width; ++x) {
    const int i = y * width + x;
    if ((m.words[std::size_t(i >> 6)] >> (i & 63) & 1) == 0) return false;
  }
  return true;
}

void clear_row(ScreenText::Mask& m, int width, int y) noexcept {
  for (int x = 0; x < width; ++x) {
    const int i = y * width + x;
    m.words[std::size_t(i >> 6)] &= ~(std::uint64_t{1} << (i & 63));
  }
}

// Screen positions where a pixel differs from its left neighbour, spread over the screen and
// ordered so that the first few already sample its whole height.
std::vector<std::pair<int, int>> anchors(const image::RgbImageView& f) {
  std::vector<std::pair<int, int>> rows_first;
  constexpr int kPerRow = 3, kMax = 192;
  std::vector<std::vector<std::pair<int, int>>> by_row;
  for (int y = 0; y < f.height; y += 3) {
    const std::uint8_t* row = f.pixels.data() + std::size_t(y) * f.stride;
    std::vector<std::pair<int, int>> found;
    for (int x = 1; x < f.width && int(found.size()) < kPerRow; ++x) {
      if (colour(row + std::size_t(x) * 3) != colour(row + std::size_t(x - 1) * 3)) {
        found.emplace_back(x, y);
        x += std::max(1, f.width / (kPerRow + 1));
      }
    }
    if (!found.empty()) by_row.push_back(std::move(found));
  }
  // Interleave: stride through the rows so early anchors cover the screen top to bottom.
  std::vector<std::pair<int, int>> out;
  const std::size_t n = by_row.size();
  const std::size_t step = std::max<std::size_t>(1, n / 16);
  for (std::size_t k = 0; k < kPerRow; ++k)
    for (std::size_t start = 0; start < step; ++start)
      for (std::size_t r = start; r < n; r += step)
        if (k < by_row[r].size() && out.size() < std::size_t{kMax}) out.push_back(by_row[r][k]);
  return out;
}

}  // namespace

std::size_t ScreenText::MaskHash::operator()(const Mask& m) const noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull;
  for (std::uint64_t w : m.words) h = (h ^ w) * 0x100000001B3ull + (h >> 29);
  return static_cast<std::size_t>(h);
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void ScreenText::add_font(const BitmapFont& font) {
  if (font.width < 1 || font.height < 1 || font.width * font.height > kMaxGlyphPixels) return;
  auto it = std::find_if(tables_.begin(), tables_.end(), [&](const Table& t) {
    return t.width == font.width && t.height == font.height;
  });
  if (it == tables_.end()) {
    tables_.push_back(Table{font.width, font.height, {}});
    it = tables_.end() - 1;
  }
  const int bits = font.width * font.height;
  for (std::size_t g = 0; g < font.glyph_count(); ++g) {
    const char32_t cp = font.code_points[g];
    if (cp < 0x20 || cp == 0x7F) continue;  // no character, or a control
    Mask m;
    int ink = 0;
    for (int y = 0; y < font.height; ++y)
      for (int x = 0; x < font.width; ++x)
        if (font.pixel(g, x, y)) {
          set_bit(m, y * font.width + x);
          ++ink;
        }
    if (ink == 0 || ink == bits) continue;  // one colour: reads as blank anyway
    Entry& e = it->glyphs[m];
    if (e.text == 0 || cp < e.text) e.text = cp;
    if (line_drawing(cp) && (e.line == 0 || cp < e.line)) e.line = cp;
  }
  cached_width_ = cached_height_ = -1;  // a new size may explain a screen better
}

ScreenText::CellKind ScreenText::read_cell(const image::RgbImageView& f, const Table& t,
                                           bool nine, int x, int y, char32_t& out) const {
  const int w = t.width, h = t.height;
  const std::uint8_t* base = f.pixels.data() + std::size_t(y) * f.stride + std::size_t(x) * 3;
  const std::uint32_t a = colour(base);
  std::uint32_t b = a;
  bool two = false;
  Mask m;
  std::uint64_t col7 = 0, col8 = 0;  // nine: the 8th and 9th columns, bit per row
  const int cw = nine ? w + 1 : w;
  for (int yy = 0; yy < h; ++yy) {
    const std::uint8_t* p = base + std::size_t(yy) * f.stride;
    for (int xx = 0; xx < cw; ++xx, p += 3) {
      const std::uint32_t c = colour(p);
      if (c == a) continue;
      if (!two) {
        b = c;
        two = true;
      } else if (c != b) {
        return CellKind::unknown;  // a third colour: not a text cell
      }
      if (xx < w) set_bit(m, yy * w + xx);
      if (nine && xx == w - 1) col7 |= std::uint64_t{1} << yy;
      if (nine && xx == w) col8 |= std::uint64_t{1} << yy;
    }
  }
  if (!two) return CellKind::blank;
  const std::uint64_t all_rows = h >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << h) - 1;
  auto try_mask = [&](const Mask& mm, std::uint64_t c7, std::uint64_t c8) {
    const auto it = t.glyphs.find(mm);
    if (it == t.glyphs.end()) return false;
    if (!nine || c8 == 0) {
      out = it->second.text;
      return true;
    }
    if (c8 != c7 || it->second.line == 0) return false;
    out = it->second.line;
    return true;
  };
  // An underline cursor fills the cell's bottom rows. A glyph rarely lights its last row
  // across the whole cell (only block elements such as U+2581 do), so such a cell is first
  // read without its full bottom rows; the cursor over a blank cell reads as a space.
  const bool cursor_shaped = row_full(m, w, h - 1);
  auto plain = [&] {
    return try_mask(m, col7, col8) ||
           try_mask(invert(m, w * h), ~col7 & all_rows, ~col8 & all_rows);
  };
  if (!cursor_shaped && plain()) return CellKind::known;
  // The cursor's height is not known: remove the most full bottom rows first (up to 4).
  int full = 0;
  while (cursor_shaped && full < 4 && full < h && row_full(m, w, h - 1 - full)) ++full;
  for (int remove = full; remove >= 1; --remove) {
    Mask c = m;
    std::uint64_t c7 = col7, c8 = col8;
    for (int yy = h - remove; yy < h; ++yy) {
      clear_row(c, w, yy);
      c7 &= ~(std::uint64_t{1} << yy);
      c8 &= ~(std::uint64_t{1} << yy);
    }
    if (std::all_of(c.words.begin(), c.words.end(), [](std::uint64_t v) { return v == 0; })) {
      return CellKind::blank;
    }
    if (try_mask(c, c7, c8)) return CellKind::known;
  }
  if (cursor_shaped && plain()) return CellKind::known;
  return CellKind::unknown;
}

ScreenText::Grid ScreenText::find_grid(const image::RgbImageView& frame) const {
  Grid best;
  int best_score = 0;
  const auto points = anchors(frame);
  if (points.empty()) return best;
  constexpr std::size_t kGiveUpAfter = 24;  // anchors with no match before an offset is dropped
  for (std::size_t ti = 0; ti < tables_.size(); ++ti) {
    const Table& t = tables_[ti];
    for (int nine = 0; nine < (t.width == 8 ? 2 : 1); ++nine) {
      const int cw = t.width + nine, ch = t.height;
      for (int oy = 0; oy < ch; ++oy) {
        for (int ox = 0; ox < cw; ++ox) {
          int score = 0;
          for (std::size_t i = 0; i < points.size(); ++i) {
            if (score == 0 && i >= kGiveUpAfter) break;
            const auto [ax, ay] = points[i];
            if (ax < ox || ay < oy) continue;
            const int x = ox + (ax - ox) / cw * cw, y = oy + (ay - oy) / ch * ch;
            if (x + cw > frame.width || y + ch > frame.height) continue;
            char32_t cp = 0;
            if (read_cell(frame, t, nine != 0, x, y, cp) == CellKind::known) ++score;
          }
          if (score > best_score) {
            best_score = score;
            best = Grid{int(ti), nine != 0, ox, oy};
          }
        }
      }
    }
  }
  constexpr int kMinimumCells = 3;  // fewer matches than this is chance, not text
  if (best_score < std::min<int>(kMinimumCells, int(points.size()))) return Grid{};
  return best;
}

ScreenTextResult ScreenText::read_grid(const image::RgbImageView& frame, const Grid& g) const {
  ScreenTextResult r;
  if (!g.found()) return r;
  const Table& t = tables_[std::size_t(g.table)];
  const int cw = t.width + (g.nine ? 1 : 0), ch = t.height;
  r.cell_width = cw;
  r.cell_height = ch;
  r.x0 = g.x0;
  r.y0 = g.y0;
  r.columns = (frame.width - g.x0) / cw;
  r.rows = (frame.height - g.y0) / ch;
  std::string line;
  for (int row = 0; row < r.rows; ++row) {
    line.clear();
    std::size_t kept = 0;  // line length up to its last non-blank cell
    for (int col = 0; col < r.columns; ++col) {
      char32_t cp = ' ';
      switch (read_cell(frame, t, g.nine, g.x0 + col * cw, g.y0 + row * ch, cp)) {
        case CellKind::blank: cp = ' '; break;
        case CellKind::known: ++r.known_cells; break;
        case CellKind::unknown:
          ++r.unknown_cells;
          cp = '?';
          break;
      }
      append_utf8(line, cp);
      if (cp != ' ') kept = line.size();
    }
    line.resize(kept);
    r.text += line;
    r.text += '\n';
  }
  if (r.known_cells == 0) return ScreenTextResult{};  // no text rows: an empty result
  return r;
}

ScreenTextResult ScreenText::recognise(const image::RgbImageView& frame, Search search) {
  if (check_view(frame) || tables_.empty()) return {};
  const bool same_size = frame.width == cached_width_ && frame.height == cached_height_;
  if (same_size && cached_.found()) {
    ScreenTextResult r = read_grid(frame, cached_);
    // Keep the grid while it explains at least as many cells as it fails on.
    if (r.known_cells > 0 && r.known_cells >= r.unknown_cells) return r;
  }
  if (!same_size) failed_searches_ = skips_left_ = 0;
  if (search == Search::backoff && same_size && !cached_.found() && skips_left_ > 0) {
    --skips_left_;
    return {};
  }
  cached_width_ = frame.width;
  cached_height_ = frame.height;
  cached_ = find_grid(frame);
  if (cached_.found()) {
    failed_searches_ = skips_left_ = 0;
  } else {
    constexpr int kMaxSkips = 16;
    skips_left_ = std::min(1 << std::min(failed_searches_, 4), kMaxSkips);
    ++failed_searches_;
  }
  return read_grid(frame, cached_);
}

}  // namespace ilo::text
