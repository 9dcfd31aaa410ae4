// Speed of reading a 1360x768 text screen (issue 10: at most 5 ms per frame): ScreenText with
// the built-in font and every console font of the default directory, on a full screen of text
// in 8x16 cells with the grid already found (every frame after the first), the first frame
// (grid search), and as the baseline in the same run a memcpy of the frame.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "fonts/font_directory.hpp"
#include "text/bitmap_font.hpp"
#include "text/screen_text.hpp"

namespace {

constexpr int kWidth = 1360, kHeight = 768;

struct Screen {
  std::vector<std::uint8_t> pixels;
  std::string expected_first_row;
};

// Every cell of a 1360x768 screen filled from a repeating line of printable ASCII.
const Screen& screen() {
  static const Screen s = [] {
    Screen r;
    r.pixels.assign(std::size_t(kWidth) * kHeight * 3, 0);
    const ilo::text::BitmapFont f = ilo::text::builtin_sim_font();
    const std::string line = "64 bytes from 93.184.216.34: icmp_seq=1 ttl=56 time=11.2 ms | ";
    for (int row = 0; row < kHeight / 16; ++row)
      for (int col = 0; col < kWidth / 8; ++col) {
        const char c = line[std::size_t(row + col) % line.size()];
        const std::size_t g = std::size_t(c - 0x20);
        for (int y = 0; y < 16; ++y)
          for (int x = 0; x < 8; ++x) {
            const bool on = f.pixel(g, x, y);
            std::uint8_t* p = r.pixels.data() +
                              (std::size_t(row * 16 + y) * kWidth + std::size_t(col * 8 + x)) * 3;
            p[0] = p[1] = p[2] = on ? 0xA8 : 0x00;
          }
      }
    return r;
  }();
  return s;
}

ilo::text::ScreenText make_reader() {
  ilo::text::ScreenText r;
  r.add_font(ilo::text::builtin_sim_font());
  for (const auto& f : ilo::fonts::load_font_dir(ilo::fonts::kDefaultFontDir).fonts) r.add_font(f);
  return r;
}

ilo::image::RgbImageView view() { return {screen().pixels, kWidth, kHeight, kWidth * 3}; }

void BM_FrameCopy(benchmark::State& state) {
  std::vector<std::uint8_t> copy(screen().pixels.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), screen().pixels.data(), copy.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_FrameCopy)->Unit(benchmark::kMicrosecond);

void BM_ScreenTextSteady(benchmark::State& state) {
  ilo::text::ScreenText reader = make_reader();
  (void)reader.recognise(view());  // finds the grid
  for (auto _ : state) {
    auto r = reader.recognise(view());
    if (r.unknown_cells != 0 || r.rows != kHeight / 16) state.SkipWithError("misread");
    benchmark::DoNotOptimize(r.text.data());
  }
}
BENCHMARK(BM_ScreenTextSteady)->Unit(benchmark::kMicrosecond);

void BM_ScreenTextFirstFrame(benchmark::State& state) {
  const ilo::text::ScreenText loaded = make_reader();
  for (auto _ : state) {
    ilo::text::ScreenText reader = loaded;  // no grid yet
    auto r = reader.recognise(view());
    benchmark::DoNotOptimize(r.text.data());
  }
}
BENCHMARK(BM_ScreenTextFirstFrame)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
