// libFuzzer target for the video decoder (docs/rc-video.md): any clear-text stream, fed whole and
// in pieces, must decode identically, never write outside the framebuffer (ASan, and a guard zone
// after external storage) and never trip UBSan. The first input byte chooses the piece size.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "rc/framebuffer.hpp"
#include "rc/video_decoder.hpp"

namespace {

using namespace ilo::rc;

// Keeps a compact transcript of events for comparing two runs.
class Transcript final : public VideoSink {
 public:
  void on_video_event(const VideoEvent& e) override {
    log.push_back(static_cast<char>('A' + e.index()));
    std::visit(
        [this](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, ScreenMode>)
            log += std::to_string(v.width) + "x" + std::to_string(v.height) + "b" +
                   std::to_string(v.block_height);
          else if constexpr (std::is_same_v<T, Text>)
            log += std::to_string(v.channel) + ":" + v.text;
          else if constexpr (std::is_same_v<T, CipherSelected>)
            log += std::to_string(v.cipher);
          else if constexpr (std::is_same_v<T, DecodeError>)
            log += v.reason;
        },
        e);
    log.push_back('|');
  }
  std::string log;
};

struct Run {
  std::string events;
  DecoderStats stats;
  DecoderHealth health = DecoderHealth::healthy;
};

// Feeds data in pieces of `piece` bytes (0 = all at once); a cipher switch just continues.
Run decode(Framebuffer& fb, std::span<const std::uint8_t> data, std::size_t piece) {
  Transcript t;
  VideoDecoder dec(fb, t);
  while (!data.empty()) {
    const std::size_t n = piece == 0 ? data.size() : std::min(piece, data.size());
    auto chunk = data.first(n);
    while (!chunk.empty()) {
      const FeedResult r = dec.feed(chunk);
      if (r.consumed == 0 || r.consumed > chunk.size()) std::abort();
      if (!r.cipher_changed && r.consumed != chunk.size()) std::abort();
      chunk = chunk.subspan(r.consumed);
    }
    data = data.subspan(n);
  }
  Run run;
  run.events = std::move(t.log);
  run.stats = dec.stats();
  run.health = dec.health();
  return run;
}

bool same(const Run& a, const Run& b) {
  return a.events == b.events && a.stats.frames == b.stats.frames &&
         a.stats.blocks == b.stats.blocks && a.stats.errors == b.stats.errors &&
         a.stats.resyncs == b.stats.resyncs &&
         a.stats.refresh_requests == b.stats.refresh_requests &&
         a.stats.bytes == b.stats.bytes && a.health == b.health;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  // Whole versus pieces of 1..64 bytes: identical results. The framebuffers keep their
  // memory between inputs (screens can be 12 MB) but start every input at 0x0.
  static Framebuffer a;
  static Framebuffer b;
  a.resize(0, 0);
  b.resize(0, 0);
  const Run whole = decode(a, stream, 0);
  const Run pieces = decode(b, stream, std::size_t{1} + (control & 63));
  if (!same(whole, pieces)) std::abort();
  if (a.width() != b.width() || a.height() != b.height()) std::abort();
  const auto pa = a.pixels();
  const auto pb = b.pixels();
  if (!std::equal(pa.begin(), pa.end(), pb.begin(), pb.end())) std::abort();

  // A small external framebuffer with a guard zone: larger modes must fail to resize and all
  // drawing must stay inside the storage that exists.
  constexpr std::size_t kUsable = 320 * 240 * 3;
  constexpr std::size_t kGuard = 256;
  std::vector<std::uint8_t> storage(kUsable + kGuard, 0x5A);
  Framebuffer small(std::span<std::uint8_t>(storage).first(kUsable));
  const Run clipped = decode(small, stream, control & 0x40 ? 7 : 0);
  if (small.size_bytes() > kUsable) std::abort();
  for (std::size_t i = kUsable; i < storage.size(); ++i)
    if (storage[i] != 0x5A) std::abort();
  // The decoder's events and counts never depend on the framebuffer it draws into.
  if (clipped.events != whole.events || clipped.stats.blocks != whole.stats.blocks ||
      clipped.health != whole.health)
    std::abort();
  return 0;
}
