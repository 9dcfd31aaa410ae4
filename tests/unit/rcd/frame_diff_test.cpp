// changed_rects: nothing for equal frames, one tile for one pixel, runs merged within a tile
// row, edges clipped at sizes that are not multiples of the tile, a size mismatch is everything.
#include <gtest/gtest.h>

#include "rcd/frame_diff.hpp"

namespace {

using ilo::rcd::changed_rects;
using ilo::rcd::DiffRect;
using Rects = std::vector<DiffRect>;

std::vector<std::uint8_t> frame(int w, int h) {
  return std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3, 0x20);
}
void poke(std::vector<std::uint8_t>& f, int w, int x, int y) {
  f[(static_cast<std::size_t>(y) * w + x) * 3 + 1] ^= 0xff;
}

TEST(FrameDiff, EqualFramesHaveNoChange) {
  const auto a = frame(100, 70);
  EXPECT_EQ(changed_rects(a, a, 100, 70), Rects{});
}

TEST(FrameDiff, OnePixelIsItsTile) {
  const auto a = frame(100, 70);
  auto b = a;
  poke(b, 100, 40, 33);
  EXPECT_EQ(changed_rects(a, b, 100, 70), (Rects{{32, 32, 32, 32}}));
}

TEST(FrameDiff, RunsMergeAndEdgesAreClipped) {
  const auto a = frame(100, 70);
  auto b = a;
  poke(b, 100, 0, 0);    // tile 0,0
  poke(b, 100, 33, 5);   // tile 1,0: merged with the first
  poke(b, 100, 99, 69);  // the last, partial tile (96..99, 64..69)
  poke(b, 100, 70, 65);  // tile 2,2 (64..95): merged with the last
  EXPECT_EQ(changed_rects(a, b, 100, 70), (Rects{{0, 0, 64, 32}, {64, 64, 36, 6}}));
}

TEST(FrameDiff, GapsSplitRuns) {
  const auto a = frame(128, 32);
  auto b = a;
  poke(b, 128, 1, 1);
  poke(b, 128, 100, 31);
  EXPECT_EQ(changed_rects(a, b, 128, 32), (Rects{{0, 0, 32, 32}, {96, 0, 32, 32}}));
}

TEST(FrameDiff, SizeMismatchIsTheWholeFrame) {
  const auto a = frame(10, 10);
  const auto b = frame(10, 11);
  EXPECT_EQ(changed_rects(a, b, 10, 11), (Rects{{0, 0, 10, 11}}));
  EXPECT_EQ(changed_rects(a, a, 0, 0), Rects{});
}

}  // namespace
