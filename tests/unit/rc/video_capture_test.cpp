// The decoder against the real iLO 4 capture (tests/fixtures/rc-server.bin): decrypted with
// the session's RC4 key from the byte after command 13, fed whole, one byte at a time, at
// every split near the cipher switch and at random splits; the final frame is pinned by hash.
#include <cstdlib>
#include <algorithm>
#include <random>
#include <span>
#include <utility>

#include <gtest/gtest.h>

#include "video_test_support.hpp"

namespace ilo::rc::test {
namespace {

// The captured frame (1360x768 Linux text console), SHA-256 of its RGB888 rows.
constexpr const char* kFinalFrameSha256 =
    "b7b142225750e825658a7f3a8dfa16b32f7cd5b1af7bcf1fbafb61e5e58eb717";
// 1 FRAME_END after command 13, 1 after the full screen, then one per cursor-blink burst.
constexpr std::uint64_t kFrames = 180;
// 85 x 48 blocks of the full screen, then 239 blocks of updates; all painted, none repeated.
constexpr std::uint64_t kBlocks = 4319;

struct Outcome {
  std::vector<std::string> events;
  std::span<const std::uint8_t> pixels;  // the framebuffer's: valid until it is fed again
  int width = 0, height = 0;
  DecoderStats stats;
  DecoderHealth health = DecoderHealth::fatal;
  int switches = 0, short_feeds = 0;
};

std::vector<std::uint8_t> capture_stream() {
  auto all = read_file(std::string(ILOFS_FIXTURES) + "/rc-server.bin");
  if (all.size() < 2) return {};
  return {all.begin() + 2, all.end()};  // bytes 0-1: 'P' 'R' (handshake)
}

std::array<std::uint8_t, 16> capture_key() {
  std::array<std::uint8_t, 16> k{};
  auto b = parse_hex("bbAcD834680DDca9DE65269512BDdEC2");
  if (b && b->size() == 16) std::copy(b->begin(), b->end(), k.begin());
  return k;
}

// Feeds the stream into `fb` in pieces whose sizes come from next_size(). `fb` is first
// returned to 0x0, as a new one is, so one framebuffer serves many runs without allocating (and
// zeroing fresh pages for) a screen each time; the pixels stay there, they are not copied.
template <typename NextSize>
Outcome run(Framebuffer& fb, const std::vector<std::uint8_t>& stream, NextSize next_size) {
  fb.resize(0, 0);
  Recorder rec;
  VideoDecoder dec(fb, rec);
  CipherFeeder feeder(dec, capture_key());
  EXPECT_TRUE(feeder.ok());
  std::span<const std::uint8_t> rest(stream);
  while (!rest.empty()) {
    const std::size_t n = std::min(rest.size(), next_size());
    feeder.feed(rest.first(n));
    rest = rest.subspan(n);
  }
  Outcome o;
  o.events = rec.lines;
  o.pixels = std::as_const(fb).pixels();
  o.width = fb.width();
  o.height = fb.height();
  o.stats = dec.stats();
  o.health = dec.health();
  o.switches = feeder.switches;
  o.short_feeds = feeder.short_feeds;
  return o;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& what) {
  EXPECT_TRUE(std::ranges::equal(a.pixels, b.pixels)) << what;
  EXPECT_EQ(a.events, b.events) << what;
  expect_same_stats(a.stats, b.stats, what);  // refresh requests too
  EXPECT_EQ(a.health, b.health) << what;
}

class Capture : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = capture_stream();
    ASSERT_EQ(stream_.size(), 40180u) << "fixture missing: " ILOFS_FIXTURES "/rc-server.bin";
  }
  std::vector<std::uint8_t> stream_;
};

TEST_F(Capture, WholeStreamGivesTheConsoleFrame) {
  Framebuffer fb;
  const Outcome o = run(fb, stream_, [&] { return stream_.size(); });
  // ILOFS_DUMP_DIR=/some/dir writes the frame as capture.ppm, to look at it.
  if (const char* dir = std::getenv("ILOFS_DUMP_DIR"))
    write_ppm(fb, std::string(dir) + "/capture.ppm");

  EXPECT_EQ(o.width, 1360);
  EXPECT_EQ(o.height, 768);
  EXPECT_EQ(o.health, DecoderHealth::healthy);
  EXPECT_EQ(o.switches, 1);
  EXPECT_EQ(o.short_feeds, 0);
  EXPECT_EQ(o.stats.bytes, stream_.size());
  EXPECT_EQ(o.stats.refresh_requests, 0u);
  // docs/rc-video.md#stream-start: the sync preamble's leading zeros decode as two black literals
  // (one fatal error) before the zero run forces HUNT; then exactly one resync.
  EXPECT_EQ(o.stats.errors, 1u);
  EXPECT_EQ(o.stats.resyncs, 1u);
  ASSERT_GE(o.events.size(), 6u);
  EXPECT_EQ(o.events[0], "SessionHeader bpc5 cipher1 lic7 cap9");
  EXPECT_EQ(o.events[1], "CipherSelected 1");
  EXPECT_EQ(o.events[2], "FrameEnd");
  EXPECT_EQ(o.events[3], "DecodeError literal colour already cached");
  EXPECT_EQ(o.events[4], "Resync");
  EXPECT_EQ(o.events[5], "ScreenMode 1360x768 b16");
  EXPECT_EQ(sha256_hex(o.pixels), kFinalFrameSha256);
  EXPECT_EQ(o.stats.frames, kFrames);
  EXPECT_EQ(o.stats.blocks, kBlocks);
  std::size_t frame_ends = 0, invalidates = 0;
  for (const auto& e : o.events) {
    if (e == "FrameEnd") ++frame_ends;
    else if (e == "Invalidate") ++invalidates;
  }
  // Nothing else happens after the mode: only command 128 and FRAME_END
  // (docs/rc-video.md#the-capture-byte-by-byte).
  EXPECT_EQ(frame_ends + invalidates + 5, o.events.size());  // 5 = events[0,1,3,4,5]
  EXPECT_EQ(frame_ends, kFrames);
  EXPECT_EQ(invalidates, 201u);
}

TEST_F(Capture, OneByteAtATimeIsIdentical) {
  Framebuffer whole_fb, bytes_fb;
  const Outcome whole = run(whole_fb, stream_, [&] { return stream_.size(); });
  const Outcome bytes = run(bytes_fb, stream_, [] { return std::size_t{1}; });
  expect_same(whole, bytes, "one byte at a time");
  EXPECT_EQ(sha256_hex(bytes.pixels), kFinalFrameSha256);
}

// (Each split paints into the same framebuffer, made new by run(): the splits cost the decoding,
// not a fresh 3 MB screen each.)
TEST_F(Capture, EverySplitNearTheCipherSwitchIsIdentical) {
  Framebuffer whole_fb, split_fb;
  const Outcome whole = run(whole_fb, stream_, [&] { return stream_.size(); });
  // Every two-piece split of the first 300 bytes (command 13, the cipher switch, preamble,
  // MODE and the first blocks), then every 211th offset of the rest.
  for (std::size_t cut = 1; cut < stream_.size(); cut += cut < 300 ? 1 : 211) {
    const Outcome o = run(split_fb, stream_, split_at(cut, stream_.size()));
    expect_same(whole, o, "split at " + std::to_string(cut));
    if (::testing::Test::HasFailure()) break;
  }
}

TEST_F(Capture, RandomSplitsAreIdentical) {
  Framebuffer whole_fb, split_fb;
  const Outcome whole = run(whole_fb, stream_, [&] { return stream_.size(); });
  for (unsigned seed = 1; seed <= 24; ++seed) {
    std::mt19937 rng(seed);
    const std::size_t max = seed % 3 == 0 ? 4096 : seed % 3 == 1 ? 64 : 9;
    std::uniform_int_distribution<std::size_t> size(1, max);
    const Outcome o = run(split_fb, stream_, [&] { return size(rng); });
    expect_same(whole, o, "seed " + std::to_string(seed));
  }
}

}  // namespace
}  // namespace ilo::rc::test
