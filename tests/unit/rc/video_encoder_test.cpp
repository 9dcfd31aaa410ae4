// Tests of the DVC video encoder (docs/rc-video.md#encoder): exact bits of the stream structure and
// of small blocks, then round trips through the video decoder for many screen sizes, contents and
// colour depths (whole, at random splits, one byte at a time, every split), the zero-run rule on
// the output bytes, and a re-encode of the frame captured from a real iLO 4.
#include "rc/video_encoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bytes/hex.hpp"
#include "crypto/stream_cipher.hpp"
#include "rc/framebuffer.hpp"
#include "rc/video_decoder.hpp"
#include "rc/video_events.hpp"
#include "video_test_support.hpp"

namespace ilo::rc {
namespace {

using test::pack;

using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// Helpers

// Stream-order bits of bytes, for failure messages.
std::string bits_of(const Bytes& bytes) {
  std::string s;
  for (std::uint8_t b : bytes) {
    for (int i = 0; i < 8; ++i) s += ((b >> i) & 1) ? '1' : '0';
    s += ' ';
  }
  return s;
}

// Longest run of zero bits in stream order (bit 0 of each byte first). Counted bit by bit
// once per byte value, then a byte at a time: the streams checked are megabytes long.
std::size_t longest_zero_run(std::span<const std::uint8_t> bytes) {
  struct ZeroRuns {
    std::uint8_t first = 0, inside = 0, last = 0;  // zeros before the first 1, between, after
  };
  static const std::array<ZeroRuns, 256> table = [] {
    std::array<ZeroRuns, 256> t{};
    for (unsigned v = 1; v < 256; ++v) {
      unsigned run = 0;
      bool seen_one = false;
      for (unsigned i = 0; i < 8; ++i) {
        if ((v >> i) & 1u) {
          if (!seen_one) t[v].first = static_cast<std::uint8_t>(run);
          else t[v].inside = std::max(t[v].inside, static_cast<std::uint8_t>(run));
          seen_one = true;
          run = 0;
        } else {
          ++run;
        }
      }
      t[v].last = static_cast<std::uint8_t>(run);
    }
    return t;
  }();
  std::size_t best = 0, run = 0;
  for (std::uint8_t b : bytes) {
    if (b == 0) {
      run += 8;
      best = std::max(best, run);
      continue;
    }
    best = std::max({best, run + table[b].first, std::size_t{table[b].inside}});
    run = table[b].last;
    best = std::max(best, run);
  }
  return best;
}

Bytes append(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Framebuffer make_fb(int w, int h) {
  Framebuffer fb;
  EXPECT_TRUE(fb.resize(w, h));
  return fb;
}

void put(Framebuffer& fb, int x, int y, std::uint32_t rgb) {
  std::uint8_t* p = fb.row(y) + std::size_t(x) * 3;
  p[0] = static_cast<std::uint8_t>(rgb >> 16);
  p[1] = static_cast<std::uint8_t>(rgb >> 8);
  p[2] = static_cast<std::uint8_t>(rgb);
}

void fill(Framebuffer& fb, std::uint32_t rgb) {
  for (int y = 0; y < fb.height(); ++y)
    for (int x = 0; x < fb.width(); ++x) put(fb, x, y, rgb);
}

// The picture a client shows for fb at bpc: every component c >> (8-bpc) << (8-bpc).
Bytes quantised(const Framebuffer& fb, int bpc) {
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - bpc));
  Bytes out(fb.pixels().begin(), fb.pixels().end());
  for (auto& b : out) b = static_cast<std::uint8_t>(b & mask);
  return out;
}

// First differing pixel, for failure messages.
std::string first_difference(const Framebuffer& got, const Bytes& want) {
  const auto px = got.pixels();
  if (px.size() != want.size())
    return "size " + std::to_string(px.size()) + " vs " + std::to_string(want.size());
  for (std::size_t i = 0; i < px.size(); ++i)
    if (px[i] != want[i]) {
      const std::size_t pixel = i / 3;
      return "pixel (" + std::to_string(pixel % std::size_t(got.width())) + "," +
             std::to_string(pixel / std::size_t(got.width())) + ")";
    }
  return "none";
}

// Records what the decoder reports. DecodeError is expected only between the start of a
// deliberate sync preamble and the Resync it causes (#stream-start).
class Sink final : public VideoSink {
 public:
  void on_video_event(const VideoEvent& e) override {
    if (const auto* err = std::get_if<DecodeError>(&e)) {
      if (preamble_open) {
        ++preamble_errors;
      } else {
        ++unexpected_errors;
        last_error = err->reason;
      }
    } else if (std::holds_alternative<Resync>(e)) {
      ++resyncs;
      preamble_open = false;
    } else if (std::holds_alternative<FrameEnd>(e)) {
      ++frame_ends;
    } else if (std::holds_alternative<RefreshRequest>(e)) {
      ++refresh_requests;
    } else if (const auto* m = std::get_if<ScreenMode>(&e)) {
      mode = *m;
    } else if (const auto* t = std::get_if<Text>(&e)) {
      texts.push_back(*t);
    } else if (std::holds_alternative<Ping>(e)) {
      ++pings;
    } else if (const auto* p = std::get_if<PowerState>(&e)) {
      power = p->on;
    } else if (const auto* c = std::get_if<ColourDepth>(&e)) {
      depth = c->bits_per_colour;
    } else if (const auto* h = std::get_if<SessionHeader>(&e)) {
      header = *h;
    } else if (const auto* f = std::get_if<FrameRate>(&e)) {
      frame_rate = f->value;
    } else if (std::holds_alternative<NoVideo>(e)) {
      ++no_videos;
    } else if (std::holds_alternative<Seized>(e)) {
      ++seizes;
    } else if (const auto* cs = std::get_if<CipherSelected>(&e)) {
      ciphers.push_back(cs->cipher);
    }
  }

  bool preamble_open = false;
  int preamble_errors = 0, unexpected_errors = 0, resyncs = 0, frame_ends = 0;
  int refresh_requests = 0, pings = 0, no_videos = 0, seizes = 0;
  const char* last_error = "";
  std::optional<ScreenMode> mode;
  std::optional<SessionHeader> header;
  std::optional<bool> power;
  std::optional<int> depth;
  std::optional<std::uint8_t> frame_rate;
  std::vector<Text> texts;
  std::vector<std::uint8_t> ciphers;
};

// How a stream is cut into feed() calls.
enum class Split { whole, random, byte_by_byte };

// A client: decoder, framebuffer and sink. Encryption is not modelled (the encoder never
// encrypts); a cipher switch only makes feed() stop early, and the rest is fed again.
struct Client {
  Framebuffer fb;
  Sink sink;
  VideoDecoder dec{fb, sink};
  std::mt19937 rng{1};

  void feed(const Bytes& bytes, Split split, bool with_preamble = false) {
    if (with_preamble) sink.preamble_open = true;
    std::size_t at = 0;
    while (at < bytes.size()) {
      std::size_t n = bytes.size() - at;
      if (split == Split::byte_by_byte) n = 1;
      if (split == Split::random) n = std::min<std::size_t>(n, 1 + rng() % 97);
      const FeedResult r = dec.feed(std::span<const std::uint8_t>(bytes).subspan(at, n));
      ASSERT_TRUE(r.consumed > 0 || n == 0) << "decoder stalled at byte " << at;
      ASSERT_LE(r.consumed, n);
      at += r.consumed;
    }
  }

  void expect_healthy(const std::string& what) const {
    EXPECT_EQ(dec.health(), DecoderHealth::healthy) << what;
    EXPECT_EQ(sink.unexpected_errors, 0) << what << ": " << sink.last_error;
    EXPECT_EQ(sink.refresh_requests, 0) << what;
    EXPECT_FALSE(sink.preamble_open) << what << ": the preamble did not resync";
  }
};

// ---------------------------------------------------------------------------------------------
// Screen contents

enum class Pattern { noise, dark, gradient, text, many_colours };
const char* name(Pattern p) {
  switch (p) {
    case Pattern::noise: return "noise";
    case Pattern::dark: return "dark";
    case Pattern::gradient: return "gradient";
    case Pattern::text: return "text";
    case Pattern::many_colours: return "many";
  }
  return "?";
}

// Paints pattern p into the rectangle (x0,y0,w,h) of fb. bpc matters only for "dark", whose
// colours are the darkest few at that depth (the 31-zero trap of #zero-run-safety).
void paint(Framebuffer& fb, Pattern p, int bpc, std::mt19937& rng, int x0, int y0, int w, int h) {
  const std::uint32_t step = 1U << (8 - bpc);
  const std::uint32_t text_bg = (rng() & 1) ? 0x000080 : 0xFFFFFF;
  const std::uint32_t text_fg = text_bg == 0xFFFFFF ? 0x000000 : 0xC0C0C0;
  std::vector<std::uint32_t> palette;
  for (int i = 0; i < 40; ++i) palette.push_back(static_cast<std::uint32_t>(rng()) & 0xFFFFFF);
  std::uint32_t run_colour = 0;
  int run_left = 0;
  for (int y = y0; y < y0 + h; ++y)
    for (int x = x0; x < x0 + w; ++x) {
      std::uint32_t c = 0;
      switch (p) {
        case Pattern::noise:
          c = static_cast<std::uint32_t>(rng()) & 0xFFFFFF;
          break;
        case Pattern::dark: {
          // Mostly black; otherwise one of the darkest greys and colours.
          const auto r = rng() % 16;
          if (r < 9) c = 0;
          else if (r < 12) c = step * 0x010101;
          else if (r < 13) c = step << 16;
          else if (r < 14) c = step;
          else if (r < 15) c = 2 * step * 0x010101;
          else c = (step << 8) | step;
          break;
        }
        case Pattern::gradient:
          c = std::uint32_t(x * 255 / std::max(fb.width() - 1, 1)) << 16 |
              std::uint32_t(y * 255 / std::max(fb.height() - 1, 1)) << 8 |
              std::uint32_t((x + y) & 0xFF);
          break;
        case Pattern::text: {
          // 8x16 character cells; a cell holds a glyph (pseudo-random strokes) or is blank.
          const int cx = x / 8, cy = y / 16, gx = x % 8, gy = y % 16;
          const auto cell = static_cast<std::uint32_t>(cx * 7919 + cy * 104729);
          const bool glyph = (cell * 2654435761U >> 28) < 7 && cy % 5 != 4;
          const bool ink = glyph && gx >= 1 && gx <= 6 && gy >= 3 && gy <= 13 &&
                           ((cell >> (gx + gy)) & 1 || gx == 1 || gy == 13);
          c = ink ? text_fg : text_bg;
          break;
        }
        case Pattern::many_colours:
          if (run_left == 0) {
            run_colour = palette[rng() % palette.size()];
            run_left = 1 + static_cast<int>(rng() % 5);
          }
          --run_left;
          c = run_colour;
          break;
      }
      put(fb, x, y, c);
    }
}

// ---------------------------------------------------------------------------------------------
// Exact bits

constexpr std::string_view kEndBurst = "10111 10000000 0  101101";  // cmd 128, FRAME_END

TEST(VideoEncoderBits, PrologueIsTheCapturedOne) {
  VideoEncoder enc;  // defaults: bpc 5, RC4, licence 7, capabilities 9
  EXPECT_EQ(enc.prologue(), 7U);
  // #the-capture-byte-by-byte: bytes 0-6 of the capture.
  EXPECT_EQ(enc.take(), (Bytes{0x1d, 0x20, 0x60, 0xf0, 0x90, 0x61, 0xb5}));
}

TEST(VideoEncoderBits, PrologueClearTextEndsAfterCommand13) {
  // bpc 2 (p0 = 3), no cipher, licence 1, capabilities 0: command 13's last bit is bit 49
  // (byte 6) whatever the values, FRAME_END pads byte 6.
  VideoEncoder enc({2, 0, 1, 0});
  const std::size_t clear = enc.prologue();
  const Bytes out = enc.take();
  EXPECT_EQ(clear, 7U);
  EXPECT_EQ(out, pack("10111 00000011 1 00000000 1 00000001 1 00000000 1 00001101 0 101101"));
  EXPECT_EQ(enc.bits_per_colour(), 2);
}

TEST(VideoEncoderBits, SyncPreambleAndModeAsCaptured) {
  VideoEncoder enc;
  enc.prologue();
  (void)enc.take();
  enc.sync_preamble();
  EXPECT_EQ(enc.take(), (Bytes{0, 0, 0, 0, 0, 0x80}));
  ASSERT_FALSE(enc.set_mode(1360, 768));
  // #the-capture-byte-by-byte: MODE W=85 H=48 R=0 is the clear bytes 4d d5 00 (offsets 13-15).
  EXPECT_EQ(enc.take(), (Bytes{0x4d, 0xd5, 0x00}));
  EXPECT_EQ(enc.block_height(), 16);
}

TEST(VideoEncoderBits, PreambleAlignsFirst) {
  VideoEncoder enc;
  enc.ping();  // 14 bits
  enc.sync_preamble();
  const Bytes out = enc.take();
  ASSERT_EQ(out.size(), 8U);
  EXPECT_EQ(Bytes(out.begin() + 2, out.end()), (Bytes{0, 0, 0, 0, 0, 0x80}));
}

TEST(VideoEncoderBits, OneBlockWithLiteralsRanksAndRuns) {
  VideoEncoder enc;
  auto fb = make_fb(16, 16);
  fill(fb, 0x081018);  // B = (1,2,3) at bpc 5
  put(fb, 0, 0, 0x080808);  // A = grey 1
  put(fb, 2, 0, 0x080808);
  ASSERT_FALSE(enc.update(fb));
  const std::string want = std::string("101100 0000001 0000001 0000") +  // MODE 16x16
                           "0" +                                         // START: pixels
                           "000 00001  0" +                    // A: grey literal, run 1
                           "001 00001 00010 00011  0" +        // B: RGB literal, run 1
                           "1  0" +                            // A: rank 1, run 1
                           "1  11 111 11111100" +              // B: rank 1, run 253
                           std::string(kEndBurst);
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack(want)) << bits_of(out);
  EXPECT_EQ(enc.cache().size(), 2U);
  EXPECT_EQ(enc.stats().blocks_painted, 1U);
}

TEST(VideoEncoderBits, RunLengthForms) {
  // One 16x16 block: runs of 2, 3, 8, 9, 16, 17 and the rest, alternating two greys.
  VideoEncoder enc;
  auto fb = make_fb(16, 16);
  const int runs[] = {2, 3, 8, 9, 16, 17, 256 - 55};
  int at = 0;
  for (int i = 0; i < 7; ++i)
    for (int k = 0; k < runs[i]; ++k, ++at) put(fb, at % 16, at / 16, i % 2 ? 0xF8F8F8 : 0x101010);
  ASSERT_FALSE(enc.update(fb));
  const std::string want = std::string("101100 0000001 0000001 0000") + "0" +
                           "000 00010  10" +            // grey 2, L=2
                           "000 11111  11 000" +        // grey 31, L=3
                           "1  11 101" +                // rank 1, L=8
                           "1  11 110 000" +            // L=9
                           "1  11 110 111" +            // L=16
                           "1  11 111 00010000" +       // L=17
                           "1  11 111 11001000" +       // L=201
                           std::string(kEndBurst);
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack(want)) << bits_of(out);
}

TEST(VideoEncoderBits, IndexedCodesForEveryCacheSize) {
  // Block 0 paints n distinct greys; block 1 then uses each of them once, so every rank of
  // every cache size is coded. Checked against the decoder rather than spelled out.
  for (int n = 1; n <= 17; ++n) {
    VideoEncoder enc;
    auto fb = make_fb(32, 16);
    fill(fb, 0);
    for (int i = 0; i < 256; ++i) {
      put(fb, i % 16, i / 16, std::uint32_t(8 * (i % n)) * 0x010101);
      put(fb, 16 + i % 16, i / 16, std::uint32_t(8 * ((i * 19 + 3) % n)) * 0x010101);
    }
    Client client;
    client.feed(enc.take(), Split::whole);
    ASSERT_FALSE(enc.update(fb));
    client.feed(enc.take(), Split::whole);
    client.expect_healthy("n=" + std::to_string(n));
    EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(fb, 5))
        << "n=" << n;
    EXPECT_EQ(enc.cache().size(), std::size_t(n));
  }
}

TEST(VideoEncoderBits, ZeroRunTrapBecomesRgbLiteral) {
  // #zero-run-safety counter-example: POS(0,0) (14 zero bits), START 0, a single black grey
  // literal, then grey 1 as a grey literal would make 31 zeros; the encoder sends it as RGB.
  VideoEncoder enc;
  auto fb = make_fb(16, 32);
  fill(fb, 0xFFFFFF);
  ASSERT_FALSE(enc.update(fb));  // block (0,0) painted, (0,1) repeated; cache = {white}
  (void)enc.take();
  for (int x = 0; x < 16; ++x) put(fb, x, 0, 0x080808);
  put(fb, 0, 0, 0x000000);
  for (int i = 17; i < 256; ++i) put(fb, i % 16, i / 16, 0xFFFFFF);
  ASSERT_FALSE(enc.update(fb));
  const std::string want = std::string("11 0000000 0000000") +  // POS(0,0)
                           "0" +                                 // START: pixels
                           "000 00000  0" +                      // black, run 1
                           "001 00001 00001 00001  11 110 110" +  // grey 1 as RGB, L=15
                           "01 1  11 111 11101111" +             // white: rank 2 of 3, L=239
                           std::string(kEndBurst);
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack(want)) << bits_of(out);
  EXPECT_EQ(enc.stats().zero_run_fixes, 1U);
  EXPECT_LT(longest_zero_run(out), 31U);
}

TEST(VideoEncoderBits, BlockRepeatsAndSkips) {
  // One row of 20 columns: A A A B (unchanged x 10) ... then an update changing some.
  VideoEncoder enc;
  auto fb = make_fb(320, 16);
  fill(fb, 0x0000F8);
  ASSERT_FALSE(enc.update(fb));
  // Block 0 painted, then 19 repeats in one BREPN: 101011 + 0010011.
  const std::string want = std::string("101100 0010100 0000001 0000") + "0" +
                           "001 00000 00000 11111  11 111 11111111" + "101011 0010011" +
                           std::string(kEndBurst);
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack(want)) << bits_of(out);
  EXPECT_EQ(enc.stats().blocks_painted, 1U);
  EXPECT_EQ(enc.stats().blocks_repeated, 19U);

  // Change blocks 3 and 5 to red, 15 to green: paint 3, BREP over 4 (unchanged blue, not the
  // buffer) is impossible, so XSKIP to 5 and BDUP; XABS to 15 and paint.
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) {
      put(fb, 48 + x, y, 0xF80000);
      put(fb, 80 + x, y, 0xF80000);
      put(fb, 240 + x, y, 0x00F800);
    }
  ASSERT_FALSE(enc.update(fb));
  const std::string want2 = std::string("11 0000011 0000000") +           // POS(3,0)
                            "0 001 11111 00000 00000  11 111 11111111" +  // red block
                            "1000 000" +                                  // XSKIP 1
                            "10100" +                                     // BDUP at 5
                            "1001 0001111" +                              // XABS 15
                            "0 001 00000 11111 00000  11 111 11111111" +  // green block
                            std::string(kEndBurst);
  const Bytes out2 = enc.take();
  EXPECT_EQ(out2, pack(want2)) << bits_of(out2);
}

TEST(VideoEncoderBits, RepeatRunsOverUnchangedLookalikes) {
  VideoEncoder enc;
  auto fb = make_fb(16 * 6, 16);
  fill(fb, 0x000000);
  for (int y = 0; y < 16; ++y)
    for (int x = 16; x < 32; ++x) put(fb, x, y, 0xF8F8F8);  // column 1 white
  ASSERT_FALSE(enc.update(fb));
  (void)enc.take();
  // Columns 0, 2 become white (changed), 1 is white already: one BREP3 of 2 after painting 0
  // covers 1 and 2. Columns 3-5 stay black.
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 48; ++x) put(fb, x, y, 0xF8F8F8);
  ASSERT_FALSE(enc.update(fb));
  // The client's buffer holds black (last painted: column 2), and the cache holds {black}.
  const std::string want = std::string("11 0000000 0000000") +
                           "0 000 11111  11 111 11111111" +  // white block (literal)
                           "101010 000" +                    // BREP3: 2 more (1 and 2)
                           std::string(kEndBurst);
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack(want)) << bits_of(out);
}

TEST(VideoEncoderBits, FrameEndNeverInAdjacentBytes) {
  VideoEncoder enc;
  enc.frame_end();  // at stream start: byte 0
  enc.frame_end();  // would complete in byte 1: a no-op XABS to column 0 goes first
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack("101101 00  1001 0000000 101101"));
  Client client;
  client.feed(out, Split::whole);
  client.expect_healthy("two frame ends");
  EXPECT_EQ(client.sink.frame_ends, 2);
}

TEST(VideoEncoderBits, InBandCommands) {
  VideoEncoder enc;
  enc.ping();
  enc.power(true);
  enc.power(false);
  enc.no_video();
  enc.seized();
  enc.frame_rate(15);
  enc.invalidate();
  ASSERT_FALSE(enc.text(1, "Hi"));
  EXPECT_EQ(enc.set_bits_per_colour(4), std::error_code{});
  enc.frame_end();
  const Bytes out = enc.take();
  const std::string want = std::string("10111 00010000 0") +     // 16 ping
                           "10111 00000100 0" +                   // 4 power on
                           "10111 00000101 0" +                   // 5 power off
                           "10111 00000110 0" +                   // 6 no video
                           "10111 00001010 0" +                   // 10 seized
                           "10111 00001111 1 00000011 0" +        // 3 frame rate 15
                           "10111 10000000 0" +                   // 128
                           "10111 00000010 0 00000001 01001000 01101001 00000000" +  // 2 "Hi"
                           "10111 00000001 1 00001011 0" +        // 11: bpc 4
                           "101101";
  EXPECT_EQ(out, pack(want)) << bits_of(out);

  Client client;
  client.feed(out, Split::byte_by_byte);
  client.expect_healthy("commands");
  EXPECT_EQ(client.sink.pings, 1);
  EXPECT_EQ(client.sink.power, std::optional<bool>(false));
  EXPECT_EQ(client.sink.no_videos, 1);
  EXPECT_EQ(client.sink.seizes, 1);
  EXPECT_EQ(client.sink.frame_rate, std::optional<std::uint8_t>(15));
  ASSERT_EQ(client.sink.texts.size(), 1U);
  EXPECT_EQ(client.sink.texts[0].channel, 1);
  EXPECT_EQ(client.sink.texts[0].text, "Hi");
  EXPECT_EQ(client.sink.depth, std::optional<int>(4));
  EXPECT_EQ(client.dec.bits_per_colour(), 4);
}

TEST(VideoEncoderBits, SelectCipherReportsTheFirstEncryptedByte) {
  VideoEncoder enc;
  enc.ping();                                   // 14 bits
  EXPECT_EQ(enc.select_cipher(2), 5U);          // 14 + 23 = 37 bits: last bit in byte 4
  enc.frame_end();
  const Bytes out = enc.take();
  EXPECT_EQ(out, pack("10111 00010000 0  10111 00000010 1 00001100 0  101101"));
  Client client;
  client.feed(out, Split::whole);
  EXPECT_EQ(client.sink.ciphers, (std::vector<std::uint8_t>{2}));
}

TEST(VideoEncoderBits, Errors) {
  VideoEncoder enc;
  EXPECT_EQ(enc.set_mode(100, 100), EncoderError::bad_screen_size);
  EXPECT_EQ(enc.set_mode(128 * 16, 100), EncoderError::bad_screen_size);
  EXPECT_EQ(enc.set_mode(160, 128 * 16), EncoderError::bad_screen_size);
  EXPECT_EQ(enc.set_bits_per_colour(6), EncoderError::bad_bits_per_colour);
  EXPECT_EQ(enc.set_bits_per_colour(1), EncoderError::bad_bits_per_colour);
  EXPECT_EQ(enc.text(1, std::string_view("a\0b", 3)), EncoderError::bad_text);
  EXPECT_EQ(enc.text(1, std::string(VideoEncoder::kMaxText + 1, 'x')), EncoderError::bad_text);
  auto fb = make_fb(32, 32);
  EXPECT_EQ(enc.paint_changes(fb), EncoderError::no_mode);
  EXPECT_TRUE(enc.take().empty());
  auto odd = make_fb(20, 16);
  EXPECT_EQ(enc.update(odd), EncoderError::bad_screen_size);
  EXPECT_EQ(enc.restart(odd), EncoderError::bad_screen_size);
  EXPECT_TRUE(enc.take().empty());
  EXPECT_FALSE(enc.set_mode(16, 16));
  EXPECT_EQ(enc.paint_all(fb), EncoderError::no_mode);  // size differs from the MODE
  EXPECT_FALSE(enc.text(3, std::string(VideoEncoder::kMaxText, 'x')));
}

TEST(VideoEncoderBits, NoChangeSendsNothing) {
  VideoEncoder enc;
  auto fb = make_fb(64, 48);
  fill(fb, 0x123456);
  ASSERT_FALSE(enc.update(fb));
  EXPECT_FALSE(enc.take().empty());
  ASSERT_FALSE(enc.update(fb));
  EXPECT_TRUE(enc.take().empty());
  // A change below the colour depth is no change either.
  put(fb, 5, 5, 0x153351);  // 0x123456 and 0x153351 quantise alike at bpc 5
  ASSERT_FALSE(enc.update(fb));
  EXPECT_TRUE(enc.take().empty());
}

TEST(VideoEncoderBits, ChangedAreaLimitsTheComparison) {
  std::mt19937 rng(5);
  auto fb = make_fb(256, 96);
  paint(fb, Pattern::text, 5, rng, 0, 0, 256, 96);
  VideoEncoder a, b;
  ASSERT_FALSE(a.update(fb));
  ASSERT_FALSE(b.update(fb, Rect{10, 10, 1, 1}));  // ignored: the client has nothing yet
  EXPECT_EQ(a.take(), b.take());
  // The same change, described exactly: the same bytes.
  paint(fb, Pattern::many_colours, 5, rng, 40, 20, 30, 30);
  ASSERT_FALSE(a.update(fb));
  ASSERT_FALSE(b.update(fb, Rect{40, 20, 30, 30}));
  const Bytes from_a = a.take();
  EXPECT_FALSE(from_a.empty());
  EXPECT_EQ(from_a, b.take());
  // A change outside the given area is not looked at now, but a later full comparison finds it.
  paint(fb, Pattern::noise, 5, rng, 200, 70, 8, 8);
  ASSERT_FALSE(b.update(fb, Rect{0, 0, 100, 50}));
  EXPECT_TRUE(b.take().empty());
  ASSERT_FALSE(b.update(fb, Rect{0, 0, 0, 0}));
  EXPECT_TRUE(b.take().empty());
  ASSERT_FALSE(b.update(fb));
  EXPECT_FALSE(b.take().empty());
  EXPECT_EQ(b.stats().blocks_painted, a.stats().blocks_painted + 1);
}

// ---------------------------------------------------------------------------------------------
// Round trips through the decoder

struct Size {
  int w, h;
};

// One client session: prologue, restart (preamble, MODE, full screen), then `updates` random
// partial updates; after each burst the decoded picture must equal the quantised source.
struct RoundTrip {
  std::size_t bytes = 0, full_bytes = 0;
  std::size_t longest_zeros = 0;
  EncoderStats stats;
};

RoundTrip round_trip(Size size, Pattern pattern, int bpc, std::uint8_t caps, int updates,
                     std::uint32_t seed, Split split) {
  RoundTrip result;
  std::mt19937 rng(seed);
  VideoEncoder enc({bpc, 0, 7, caps});
  Client client;
  client.rng.seed(seed + 1);
  const std::string what = std::string(name(pattern)) + " " + std::to_string(size.w) + "x" +
                           std::to_string(size.h) + " bpc " + std::to_string(bpc);

  auto fb = make_fb(size.w, size.h);
  paint(fb, pattern, bpc, rng, 0, 0, size.w, size.h);

  EXPECT_EQ(enc.prologue(), 7U);
  const Bytes prologue = enc.take();
  EXPECT_FALSE(enc.restart(fb)) << what;
  const Bytes full = enc.take();
  result.full_bytes = full.size();
  result.bytes = prologue.size() + full.size();
  // Zero runs: before the preamble, and from its final 0x80 byte on.
  result.longest_zeros = std::max(longest_zero_run(prologue),
                                  longest_zero_run(std::span(full).subspan(5)));
  client.feed(prologue, split);
  client.feed(full, split, true);
  client.expect_healthy(what + " full");
  EXPECT_EQ(client.sink.resyncs, 1) << what;
  EXPECT_LE(client.sink.preamble_errors, 1) << what;
  EXPECT_EQ(client.dec.bits_per_colour(), bpc);
  if (client.sink.mode) {
    EXPECT_EQ(client.sink.mode->block_height, enc.block_height()) << what;
  }
  EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(fb, bpc))
      << what << " full screen: first difference at " << first_difference(client.fb, quantised(fb, bpc));

  Bytes stream = full;
  for (int u = 0; u < updates; ++u) {
    // A few rectangles of any of the patterns, sometimes a solid one (block repeats).
    const int rects = 1 + static_cast<int>(rng() % 4);
    for (int r = 0; r < rects; ++r) {
      const int w = 1 + static_cast<int>(rng() % std::uint32_t(std::min(size.w, 300)));
      const int h = 1 + static_cast<int>(rng() % std::uint32_t(std::min(size.h, 200)));
      const int x = static_cast<int>(rng() % std::uint32_t(size.w - w + 1));
      const int y = static_cast<int>(rng() % std::uint32_t(size.h - h + 1));
      const auto kind = rng() % 6;
      if (kind == 5) {
        const auto colour = static_cast<std::uint32_t>(rng()) & 0xFFFFFF;
        for (int yy = y; yy < y + h; ++yy)
          for (int xx = x; xx < x + w; ++xx) put(fb, xx, yy, colour);
      } else {
        paint(fb, kind == 4 ? pattern : static_cast<Pattern>(kind), bpc, rng, x, y, w, h);
      }
    }
    EXPECT_FALSE(enc.update(fb)) << what;
    const Bytes out = enc.take();
    result.bytes += out.size();
    stream.insert(stream.end(), out.begin(), out.end());
    client.feed(out, split);
    client.expect_healthy(what + " update " + std::to_string(u));
    EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(fb, bpc))
        << what << " update " << u << ": first difference at "
        << first_difference(client.fb, quantised(fb, bpc));
    if (::testing::Test::HasFailure()) break;
  }
  result.longest_zeros =
      std::max(result.longest_zeros, longest_zero_run(std::span(stream).subspan(5)));
  EXPECT_LT(result.longest_zeros, 31U) << what;
  result.stats = enc.stats();
  return result;
}

struct Case {
  Size size;
  Pattern pattern;
};

class VideoEncoderRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(VideoEncoderRoundTrip, EveryDepth) {
  const Case c = GetParam();
  // Big screens get fewer updates to keep the suite quick.
  const int updates = c.size.w * c.size.h > 1'500'000 ? 2 : 4;
  for (int bpc = 5; bpc >= 2; --bpc) {
    const auto seed = static_cast<std::uint32_t>(c.size.w * 31 + c.size.h * 7 + bpc * 1000 +
                                                 static_cast<int>(c.pattern));
    const Split split = bpc % 2 ? Split::whole : Split::random;
    const RoundTrip r = round_trip(c.size, c.pattern, bpc, 9, updates, seed, split);
    std::printf("  %-8s %4dx%-4d bpc %d: full %8zu bytes, total %8zu, painted %6llu "
                "repeated %6llu, zero-run fixes %llu, longest zero run %zu\n",
                name(c.pattern), c.size.w, c.size.h, bpc, r.full_bytes, r.bytes,
                static_cast<unsigned long long>(r.stats.blocks_painted),
                static_cast<unsigned long long>(r.stats.blocks_repeated),
                static_cast<unsigned long long>(r.stats.zero_run_fixes), r.longest_zeros);
    if (HasFailure()) return;
  }
}

std::vector<Case> cases_of(std::initializer_list<Size> sizes) {
  std::vector<Case> cases;
  for (Size s : sizes)
    for (Pattern p : {Pattern::noise, Pattern::dark, Pattern::gradient, Pattern::text,
                      Pattern::many_colours})
      cases.push_back({s, p});
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
  return std::string(name(param.param.pattern)) + "_" + std::to_string(param.param.size.w) +
         "x" + std::to_string(param.param.size.h);
}

INSTANTIATE_TEST_SUITE_P(
    Screens, VideoEncoderRoundTrip,
    ::testing::ValuesIn(cases_of({{320, 200}, {800, 600}, {1024, 768}, {1360, 768}, {640, 492}})),
    case_name);
// The screens wider than 1616 (16x8 blocks) take most of this binary's time: meson runs them
// as their own test, rc_encoder_large, in the `slow` suite (tests/unit/rc/meson.build).
INSTANTIATE_TEST_SUITE_P(
    LargeScreens, VideoEncoderRoundTrip,
    ::testing::ValuesIn(cases_of({{1680, 1050}, {1920, 1200}, {1920, 1632}})), case_name);

TEST(VideoEncoderRoundTrip, DarkScreensNeverMakeLongZeroRuns) {
  // Dark screens with few colours (the trap of #zero-run-safety). Each update repaints the top-left
  // block dark after the bottom-right one was painted bright, so the update starts with POS(0,0)
  // and literals for the darkest colours: without the fixes about 1 % of such screens would put 31
  // zero bits on the wire. The decoder must stay healthy and every run stay below 31.
  std::uint64_t fixes = 0;
  std::size_t longest = 0;
  for (std::uint32_t seed = 0; seed < 300; ++seed) {
    std::mt19937 rng(seed);
    const int bpc = 2 + static_cast<int>(seed % 4);
    const int w = 64, h = 48 + 4 * int(seed % 5);
    const std::string what = "dark seed " + std::to_string(seed);
    VideoEncoder enc({bpc, 0, 7, 9});
    Client client;
    auto fb = make_fb(w, h);
    paint(fb, Pattern::dark, bpc, rng, 0, 0, w, h);
    enc.prologue();
    client.feed(enc.take(), Split::whole);
    ASSERT_FALSE(enc.restart(fb));
    const Bytes full = enc.take();
    client.feed(full, Split::whole, true);
    Bytes stream(full.begin() + 5, full.end());
    for (int u = 0; u < 8; ++u) {
      paint(fb, Pattern::noise, bpc, rng, w - 16, h - 8, 16, 8);
      paint(fb, Pattern::dark, bpc, rng, 0, 0, 1 + int(rng() % 40), 1 + int(rng() % 30));
      ASSERT_FALSE(enc.update(fb));
      const Bytes out = enc.take();
      stream = append(stream, out);
      client.feed(out, Split::whole);
      client.expect_healthy(what);
      ASSERT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(fb, bpc))
          << what << " update " << u;
    }
    longest = std::max(longest, longest_zero_run(stream));
    fixes += enc.stats().zero_run_fixes;
  }
  std::printf("  300 dark screens: %llu zero-run fixes, longest zero run %zu\n",
              static_cast<unsigned long long>(fixes), longest);
  EXPECT_GT(fixes, 0U);
  EXPECT_LT(longest, 31U);
}

TEST(VideoEncoderRoundTrip, PartialBottomRows) {
  // Heights with R = 1..15 extra rows, both block heights.
  for (int r = 1; r < 16; ++r) {
    round_trip({160, 64 + r}, Pattern::many_colours, 5, 9, 3, std::uint32_t(r), Split::whole);
    round_trip({1632, 32 + r}, Pattern::text, 4, 9, 3, std::uint32_t(r), Split::whole);
    if (HasFailure()) return;
  }
}

TEST(VideoEncoderRoundTrip, WideScreenWithoutHalfHeightCapability) {
  // Width > 1616 but capability bit 3 not announced: 16x16 blocks (#half-height-blocks).
  const RoundTrip r =
      round_trip({1680, 1050}, Pattern::text, 5, 1, 2, 5, Split::random);
  EXPECT_GT(r.stats.blocks_painted, 0U);
  VideoEncoder enc({5, 0, 7, 1});
  enc.prologue();
  ASSERT_FALSE(enc.set_mode(1680, 1050));
  EXPECT_EQ(enc.block_height(), 16);
  VideoEncoder enc8({5, 0, 7, 9});
  enc8.prologue();
  ASSERT_FALSE(enc8.set_mode(1680, 1050));
  EXPECT_EQ(enc8.block_height(), 8);
  ASSERT_FALSE(enc8.set_mode(1616, 1050));
  EXPECT_EQ(enc8.block_height(), 16);
}

TEST(VideoEncoderRoundTrip, OneByteAtATimeAndEverySplit) {
  // A small session: prologue, restart, two updates, commands; fed whole, one byte at a time,
  // and cut in two at every offset.
  std::mt19937 rng(3);
  VideoEncoder enc({5, 0, 7, 9});
  auto fb = make_fb(48, 36);
  paint(fb, Pattern::many_colours, 5, rng, 0, 0, 48, 36);
  enc.prologue();
  Bytes stream = enc.take();
  const std::size_t preamble_at = stream.size();
  ASSERT_FALSE(enc.restart(fb));
  stream = append(stream, enc.take());
  const std::size_t after_preamble = preamble_at + 6;
  paint(fb, Pattern::dark, 5, rng, 5, 7, 30, 20);
  ASSERT_FALSE(enc.update(fb));
  ASSERT_FALSE(enc.text(2, "status"));
  enc.ping();
  enc.frame_end();
  paint(fb, Pattern::text, 5, rng, 0, 16, 48, 20);
  ASSERT_FALSE(enc.update(fb));
  stream = append(stream, enc.take());
  const Bytes want = quantised(fb, 5);

  auto check = [&](Client& c, const std::string& what) {
    c.expect_healthy(what);
    EXPECT_EQ(c.sink.resyncs, 1) << what;
    EXPECT_EQ(c.sink.pings, 1) << what;
    EXPECT_EQ(Bytes(c.fb.pixels().begin(), c.fb.pixels().end()), want) << what;
  };
  {
    Client c;
    c.feed(stream, Split::whole, true);
    check(c, "whole");
  }
  {
    Client c;
    c.feed(stream, Split::byte_by_byte, true);
    check(c, "byte by byte");
  }
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    Client c;
    c.sink.preamble_open = true;
    c.feed(Bytes(stream.begin(), stream.begin() + std::ptrdiff_t(cut)), Split::whole);
    if (cut >= after_preamble) {
      EXPECT_FALSE(c.sink.preamble_open) << cut;
    }
    c.feed(Bytes(stream.begin() + std::ptrdiff_t(cut), stream.end()), Split::whole);
    check(c, "cut at " + std::to_string(cut));
    if (HasFailure()) return;
  }
}

TEST(VideoEncoderRoundTrip, DepthChangeAndScreenClearingCommandsRepaint) {
  std::mt19937 rng(11);
  VideoEncoder enc({5, 0, 7, 9});
  Client client;
  auto fb = make_fb(160, 120);
  paint(fb, Pattern::many_colours, 5, rng, 0, 0, 160, 120);
  enc.prologue();
  client.feed(enc.take(), Split::whole);
  ASSERT_FALSE(enc.restart(fb));
  client.feed(enc.take(), Split::whole, true);
  for (int bpc : {3, 4, 2, 5}) {
    ASSERT_FALSE(enc.set_bits_per_colour(bpc));
    EXPECT_TRUE(enc.mode_owed());
    ASSERT_FALSE(enc.update(fb));  // MODE and everything at the new depth
    client.feed(enc.take(), Split::random);
    client.expect_healthy("bpc " + std::to_string(bpc));
    EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(fb, bpc))
        << bpc;
  }
  enc.power(false);
  enc.frame_end();
  client.feed(enc.take(), Split::whole);
  ASSERT_FALSE(enc.update(fb));
  const Bytes repaint = enc.take();
  EXPECT_GT(repaint.size(), 1000U);  // the whole screen again
  client.feed(repaint, Split::whole);
  client.expect_healthy("after power off");
  EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(fb, 5));
}

TEST(VideoEncoderRoundTrip, ResolutionChangeAndRefresh) {
  std::mt19937 rng(12);
  VideoEncoder enc;
  Client client;
  enc.prologue();
  client.feed(enc.take(), Split::whole);
  auto small = make_fb(640, 480);
  paint(small, Pattern::text, 5, rng, 0, 0, 640, 480);
  ASSERT_FALSE(enc.restart(small));
  client.feed(enc.take(), Split::whole, true);
  auto big = make_fb(1024, 768);
  paint(big, Pattern::gradient, 5, rng, 0, 0, 1024, 768);
  ASSERT_FALSE(enc.update(big));  // new size: MODE and the full screen
  client.feed(enc.take(), Split::random);
  client.expect_healthy("resize");
  ASSERT_TRUE(client.sink.mode.has_value());
  EXPECT_EQ(client.sink.mode->width, 1024);
  EXPECT_EQ(client.fb.height(), 768);
  EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(big, 5));
  // A refresh request is answered with a restart: one more resync, then the same picture.
  ASSERT_FALSE(enc.restart(big));
  client.feed(enc.take(), Split::random, true);
  client.expect_healthy("refresh");
  EXPECT_EQ(client.sink.resyncs, 2);
  EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), quantised(big, 5));
  // No video: MODE 0x0.
  Framebuffer none;
  ASSERT_FALSE(enc.update(none));
  client.feed(enc.take(), Split::whole);
  client.expect_healthy("no video");
  EXPECT_EQ(client.sink.mode->width, 0);
}

// ---------------------------------------------------------------------------------------------
// The captured frame

// The console stream of the capture: decrypted from byte 7 on
// (docs/rc-transport.md#where-encryption-starts).
std::optional<Bytes> captured_console_stream() {
  std::ifstream in(std::string(ILOFS_FIXTURES) + "/rc-server.bin", std::ios::binary);
  if (!in) return std::nullopt;
  Bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (raw.size() < 2) return std::nullopt;
  Bytes console(raw.begin() + 2, raw.end());  // skip the handshake bytes 'P', 'R'
  const auto key = parse_hex("bbAcD834680DDca9DE65269512BDdEC2");
  if (!key || key->size() != 16) return std::nullopt;
  std::error_code ec;
  auto rc4 = crypto::StreamCipher::create(crypto::CipherId::rc4,
                                          std::span<const std::uint8_t, 16>(key->data(), 16),
                                          crypto::Cipher3Reading::java_aes128, ec);
  if (ec) return std::nullopt;
  rc4.apply(std::span(console).subspan(7));
  return console;
}

// Feeds the capture up to its first FRAME_END after the full screen and returns the picture.
class FirstFrameSink final : public VideoSink {
 public:
  explicit FirstFrameSink(const Framebuffer& fb) : fb_(fb) {}
  void on_video_event(const VideoEvent& e) override {
    if (std::holds_alternative<FrameEnd>(e) && seen_mode && !frame) {
      frame = Bytes(fb_.pixels().begin(), fb_.pixels().end());
      width = fb_.width();
      height = fb_.height();
    }
    if (std::holds_alternative<ScreenMode>(e)) seen_mode = true;
  }
  bool seen_mode = false;
  std::optional<Bytes> frame;
  int width = 0, height = 0;

 private:
  const Framebuffer& fb_;
};

TEST(VideoEncoderCapture, ReencodesTheCapturedFrameExactly) {
  const auto console = captured_console_stream();
  if (!console) {
    GTEST_SKIP() << "RC4 unavailable in OpenSSL or fixture missing";
  }
  Framebuffer captured;
  FirstFrameSink sink(captured);
  VideoDecoder dec(captured, sink);
  std::size_t at = 0, frame_end_at = 0;
  while (at < console->size() && !sink.frame) {
    const FeedResult r = dec.feed(std::span(*console).subspan(at, 1));
    ASSERT_EQ(r.consumed, 1U);
    ++at;
    frame_end_at = at;
  }
  ASSERT_TRUE(sink.frame.has_value());
  ASSERT_EQ(sink.width, 1360);
  ASSERT_EQ(sink.height, 768);
  // The real server's first burst: from the preamble (byte 7) to its FRAME_END.
  const std::size_t real_burst = frame_end_at - 7;

  Framebuffer source = make_fb(1360, 768);
  std::copy(sink.frame->begin(), sink.frame->end(), source.pixels().begin());
  VideoEncoder enc;  // the captured settings: bpc 5, RC4, 7, 9
  ASSERT_EQ(enc.prologue(), 7U);
  const Bytes prologue = enc.take();
  ASSERT_FALSE(enc.restart(source));
  const Bytes burst = enc.take();

  Client client;
  client.feed(prologue, Split::whole);
  client.feed(burst, Split::random, true);
  client.expect_healthy("capture");
  EXPECT_EQ(Bytes(client.fb.pixels().begin(), client.fb.pixels().end()), *sink.frame);
  EXPECT_LT(longest_zero_run(std::span(burst).subspan(5)), 31U);
  std::printf("  captured 1360x768 frame: real server %zu bytes (preamble to FRAME_END), "
              "this encoder %zu bytes (%llu painted, %llu repeated blocks)\n",
              real_burst, burst.size(),
              static_cast<unsigned long long>(enc.stats().blocks_painted),
              static_cast<unsigned long long>(enc.stats().blocks_repeated));
  EXPECT_LE(burst.size(), real_burst);
}

// ---------------------------------------------------------------------------------------------
// Speed (run with --gtest_also_run_disabled_tests on a release build)

using Clock = std::chrono::steady_clock;

Framebuffer text_screen() {
  std::mt19937 rng(1);
  auto fb = make_fb(1024, 768);
  paint(fb, Pattern::text, 5, rng, 0, 0, 1024, 768);
  return fb;
}

TEST(VideoEncoderSpeed, DISABLED_FullTextScreen) {
  const auto fb = text_screen();
  VideoEncoder enc;
  enc.prologue();
  (void)enc.take();
  int frames = 0;
  std::size_t bytes = 0;
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < std::chrono::seconds(2)) {
    ASSERT_FALSE(enc.restart(fb));
    bytes = enc.take().size();
    ++frames;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("  full 1024x768 text screen: %zu bytes, %.0f frames/s\n", bytes, frames / secs);
}

TEST(VideoEncoderSpeed, DISABLED_OneBlockUpdate) {
  auto fb = text_screen();
  VideoEncoder enc;
  enc.prologue();
  ASSERT_FALSE(enc.restart(fb));
  (void)enc.take();
  for (const bool hint : {false, true}) {
    int frames = 0;
    std::size_t bytes = 0;
    const auto t0 = Clock::now();
    while (Clock::now() - t0 < std::chrono::seconds(2)) {
      put(fb, 520, 400, static_cast<std::uint32_t>(frames) * 0x081018 & 0xFFFFFF);
      ASSERT_FALSE(hint ? enc.update(fb, Rect{520, 400, 1, 1}) : enc.update(fb));
      bytes = enc.take().size();
      ++frames;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("  one-block update of 1024x768 (%s): %zu bytes, %.0f updates/s\n",
                hint ? "changed rectangle given" : "whole screen compared", bytes, frames / secs);
  }
}

}  // namespace
}  // namespace ilo::rc
