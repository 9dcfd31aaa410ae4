// Throughput of the video decoder on the real capture (tests/fixtures/rc-server.bin): RC4
// decryption + decoding + framebuffer writes with a fresh decoder per iteration, and, as the
// baseline the README compares it with, plain RC4 decryption of the same bytes.
#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include "bytes/hex.hpp"
#include "crypto/stream_cipher.hpp"
#include "rc/framebuffer.hpp"
#include "rc/video_decoder.hpp"

namespace {

using ilo::crypto::CipherId;
using ilo::crypto::StreamCipher;

struct Capture {
  std::vector<std::uint8_t> stream;  // console stream, without the 'P' 'R' handshake bytes
  std::array<std::uint8_t, 16> key{};
  bool ok = false;
};

const Capture& capture() {
  static const Capture c = [] {
    Capture r;
    std::ifstream f(std::string(ILOFS_FIXTURES) + "/rc-server.bin", std::ios::binary);
    std::vector<std::uint8_t> all{std::istreambuf_iterator<char>(f),
                                  std::istreambuf_iterator<char>()};
    auto k = ilo::parse_hex("bbAcD834680DDca9DE65269512BDdEC2");
    if (all.size() > 2 && k && k->size() == 16) {
      r.stream.assign(all.begin() + 2, all.end());
      std::copy(k->begin(), k->end(), r.key.begin());
      r.ok = true;
    }
    return r;
  }();
  return c;
}

class NullSink final : public ilo::rc::VideoSink {
 public:
  void on_video_event(const ilo::rc::VideoEvent&) override { ++events; }
  std::size_t events = 0;
};

// The receive cipher at keystream position 0. Key setup (an OpenSSL provider fetch) is done
// once; every iteration starts from a clone, so both benchmarks measure per-byte work.
const StreamCipher& rc4_at_start(const Capture& c) {
  static const StreamCipher prototype = [&] {
    std::error_code ec;
    return StreamCipher::create(CipherId::rc4, c.key, ilo::crypto::Cipher3Reading::java_aes128,
                                ec);
  }();
  return prototype;
}

// What the transport does: decrypt the received buffer in place and feed it; at a cipher
// switch feed the rest again from the next byte with the new cipher.
void BM_DecodeCapture(benchmark::State& state) {
  const Capture& c = capture();
  if (!c.ok) {
    state.SkipWithError("fixture rc-server.bin missing");
    return;
  }
  ilo::rc::Framebuffer fb;
  std::vector<std::uint8_t> buf(c.stream.size());
  for (auto _ : state) {
    NullSink sink;
    ilo::rc::VideoDecoder dec(fb, sink);
    StreamCipher rx;  // clear text until command 13
    std::copy(c.stream.begin(), c.stream.end(), buf.begin());
    std::span<std::uint8_t> rest(buf);
    while (!rest.empty()) {
      const auto r = dec.feed(rest);
      rest = rest.subspan(r.consumed);
      if (!r.cipher_changed) break;
      rx = r.cipher == 1 ? rc4_at_start(c).clone() : StreamCipher{};
      rx.apply(rest);
    }
    benchmark::DoNotOptimize(fb.pixels().data());
    benchmark::DoNotOptimize(sink.events);
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(c.stream.size()));
}
BENCHMARK(BM_DecodeCapture)->Unit(benchmark::kMicrosecond);

// Decoding and framebuffer writes alone: the capture decrypted once beforehand, fed to a fresh
// decoder per iteration (a cipher switch just continues with the same clear bytes).
void BM_DecodeOnlyCapture(benchmark::State& state) {
  const Capture& c = capture();
  if (!c.ok) {
    state.SkipWithError("fixture rc-server.bin missing");
    return;
  }
  static const std::vector<std::uint8_t> clear = [&] {
    std::vector<std::uint8_t> buf = c.stream;
    ilo::rc::Framebuffer fb;
    NullSink sink;
    ilo::rc::VideoDecoder dec(fb, sink);
    std::span<std::uint8_t> rest(buf);
    while (!rest.empty()) {
      const auto r = dec.feed(rest);
      rest = rest.subspan(r.consumed);
      if (!r.cipher_changed) break;
      StreamCipher rx = r.cipher == 1 ? rc4_at_start(c).clone() : StreamCipher{};
      rx.apply(rest);
    }
    return buf;
  }();
  ilo::rc::Framebuffer fb;
  for (auto _ : state) {
    NullSink sink;
    ilo::rc::VideoDecoder dec(fb, sink);
    std::span<const std::uint8_t> rest(clear);
    while (!rest.empty()) {
      const auto r = dec.feed(rest);
      rest = rest.subspan(r.consumed);
      if (!r.cipher_changed) break;
    }
    benchmark::DoNotOptimize(fb.pixels().data());
    benchmark::DoNotOptimize(sink.events);
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(clear.size()));
}
BENCHMARK(BM_DecodeOnlyCapture)->Unit(benchmark::kMicrosecond);

// Baseline: RC4 over the same bytes (from the byte after command 13, as in the decode).
void BM_Rc4Capture(benchmark::State& state) {
  const Capture& c = capture();
  if (!c.ok) {
    state.SkipWithError("fixture rc-server.bin missing");
    return;
  }
  std::vector<std::uint8_t> buf(c.stream.size());
  for (auto _ : state) {
    std::copy(c.stream.begin(), c.stream.end(), buf.begin());
    StreamCipher rx = rc4_at_start(c).clone();
    rx.apply(std::span(buf).subspan(7));
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(c.stream.size()));
}
BENCHMARK(BM_Rc4Capture)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
