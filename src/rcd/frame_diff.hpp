// Where two frames of the same size differ, as rectangles for a VNC update: the screen cut
// into square tiles, a tile dirty when any of its pixels changed, the dirty tiles of one tile
// row merged left to right. Plain computation on RGB888 rows; it sends and keeps nothing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ilo::rcd {

struct DiffRect {
  int x = 0, y = 0, width = 0, height = 0;
  friend bool operator==(const DiffRect&, const DiffRect&) = default;
};

inline constexpr int kDiffTile = 32;

// `before` and `now` are width * height * 3 bytes (rows packed); anything else (a size that
// does not match) is reported as one rectangle covering the whole frame. Rectangles are
// clipped to the frame, in row-major order, and do not overlap.
std::vector<DiffRect> changed_rects(std::span<const std::uint8_t> before,
                                    std::span<const std::uint8_t> now, int width, int height,
                                    int tile = kDiffTile);

}  // namespace ilo::rcd
