// Tile comparison of two frames (see frame_diff.hpp): one memcmp per tile row segment, stopping
// at the first differing row of a tile.
#include "rcd/frame_diff.hpp"

#include <algorithm>
#include <cstring>

namespace ilo::rcd {

std::vector<DiffRect> changed_rects(std::span<const std::uint8_t> before,
                                    std::span<const std::uint8_t> now, int width, int height,
                                    int tile) {
  std::vector<DiffRect> out;
  if (width <= 0 || height <= 0) return out;
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  const std::size_t size = stride * static_cast<std::size_t>(height);
  if (before.size() != size || now.size() != size || tile <= 0) {
    out.push_back({0, 0, width, height});
    return out;
  }
  for (int ty = 0; ty < height; ty += tile) {
    const int th = std::min(tile, height - ty);
    int run_start = -1;  // x of the first dirty tile of the current run
    const int tiles = (width + tile - 1) / tile;
    for (int i = 0; i <= tiles; ++i) {  // one step past the last tile closes the last run
      const int tx = i * tile;
      bool dirty = false;
      if (i < tiles) {
        const int tw = std::min(tile, width - tx);
        const std::size_t offset = static_cast<std::size_t>(tx) * 3;
        const std::size_t bytes = static_cast<std::size_t>(tw) * 3;
        for (int row = ty; row < ty + th && !dirty; ++row) {
          const std::size_t at = static_cast<std::size_t>(row) * stride + offset;
          dirty = std::memcmp(before.data() + at, now.data() + at, bytes) != 0;
        }
      }
      if (dirty && run_start < 0) run_start = tx;
      if (!dirty && run_start >= 0) {
        out.push_back({run_start, ty, std::min(tx, width) - run_start, th});
        run_start = -1;
      }
    }
  }
  return out;
}

}  // namespace ilo::rcd
