// ilo-decode: decodes what a client received on an iLO 4 remote-console connection (starting
// with the hello byte 'P') and writes the last complete frame as PPM or PNG. It is a thin
// front end over the cores (handshake, transport, video decoder); it never talks to a network.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "image/png_writer.hpp"
#include "image/ppm_writer.hpp"
#include "rc/client_handshake.hpp"
#include "rc/client_transport.hpp"
#include "rc/video_decoder.hpp"

namespace {

using ilo::rc::VideoEvent;

constexpr std::size_t kMaxInputBytes = std::size_t{1} << 31;  // refuse absurd inputs

struct Options {
  std::string stream_path;
  std::string enc_key;
  std::string enc_key_file;
  std::string output;
  std::string frames_dir;
  unsigned repeat = 0;
  bool aes256_padded = false;
};

// Collects what the decoder reports and keeps a copy of the last complete frame, updated from
// the framebuffer's dirty rectangle at each frame end.
class FrameCollector final : public ilo::rc::VideoSink {
 public:
  FrameCollector(ilo::rc::Framebuffer& fb, const Options& options, bool keep_frames)
      : fb_(fb), options_(options), keep_frames_(keep_frames) {}

  void on_video_event(const VideoEvent& event) override {
    if (std::holds_alternative<ilo::rc::FrameEnd>(event)) {
      ++frames_;
      if (keep_frames_) snapshot();
    } else if (auto* c = std::get_if<ilo::rc::CipherSelected>(&event)) {
      cipher_ = c->cipher;
    } else if (std::holds_alternative<ilo::rc::RefreshRequest>(event)) {
      ++refresh_requests_;
    }
  }

  [[nodiscard]] bool have_frame() const { return width_ > 0 && height_ > 0; }
  [[nodiscard]] unsigned long long frames() const { return frames_; }
  [[nodiscard]] int cipher() const { return cipher_; }
  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }
  [[nodiscard]] ilo::image::RgbImageView view() const {
    return {last_, width_, height_, std::size_t(width_) * 3};
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  void snapshot() {
    if (fb_.width() != width_ || fb_.height() != height_) {
      width_ = fb_.width();
      height_ = fb_.height();
      last_.assign(fb_.pixels().begin(), fb_.pixels().end());
      fb_.take_dirty();
    } else {
      const auto d = fb_.take_dirty();
      for (int y = d.y; y < d.y + d.height; ++y) {
        const auto off = std::size_t(y) * fb_.stride() + std::size_t(d.x) * 3;
        std::memcpy(last_.data() + off, fb_.row(y) + std::size_t(d.x) * 3, std::size_t(d.width) * 3);
      }
    }
    if (!options_.frames_dir.empty() && have_frame() && error_.empty()) write_numbered();
  }

  void write_numbered() {
    const auto path = std::filesystem::path(options_.frames_dir) / fmt::format("frame-{:05}.ppm", frames_);
    std::error_code ec;
    auto bytes = ilo::image::encode_ppm(view(), ec);
    if (ec) {
      error_ = fmt::format("{}: {}", path.string(), ec.message());
      return;
    }
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) error_ = fmt::format("cannot write {}: {}", path.string(), std::strerror(errno));
  }

  ilo::rc::Framebuffer& fb_;
  const Options& options_;
  bool keep_frames_;
  unsigned long long frames_ = 0;
  unsigned long long refresh_requests_ = 0;
  int cipher_ = 0;
  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> last_;
  std::string error_;
};

std::optional<std::vector<std::uint8_t>> read_file(const std::string& path, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = fmt::format("{}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::vector<std::uint8_t> data;
  char buf[1 << 16];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    data.insert(data.end(), buf, buf + f.gcount());
    if (data.size() > kMaxInputBytes) {
      error = fmt::format("{}: larger than {} bytes", path, kMaxInputBytes);
      return std::nullopt;
    }
  }
  if (f.bad()) {
    error = fmt::format("{}: read error", path);
    return std::nullopt;
  }
  return data;
}

const char* cipher_name(int c) {
  switch (c) {
    case 0: return "none";
    case 1: return "rc4";
    case 2: return "aes128";
    case 3: return "aes256";
  }
  return "off(unknown)";
}

const char* health_name(ilo::rc::DecoderHealth h) {
  switch (h) {
    case ilo::rc::DecoderHealth::healthy: return "healthy";
    case ilo::rc::DecoderHealth::fatal: return "fatal-error";
    case ilo::rc::DecoderHealth::hunting: return "resyncing";
  }
  return "?";
}

// Skips the console handshake as the recorded client saw it ('P', a status byte, and after a
// busy answer the seize reply). Returns the offset of the first stream byte, or nullopt.
std::optional<std::size_t> skip_handshake(std::span<const std::uint8_t> in, std::string& error) {
  ilo::rc::ConnectRequestBytes request{};
  request[0] = 0x01;  // a console connection; the request itself is not checked here
  request[1] = 0x20;
  ilo::rc::ClientHandshake hs(request);
  std::size_t pos = 0;
  ilo::rc::ClientHandshakeResult r;
  // The machine stops after each step (hello, status) so a live client can send; loop.
  for (;;) {
    r = hs.feed(in.subspan(pos));
    pos += r.consumed;
    if (r.status == ilo::rc::HandshakeStatus::busy) {
      hs.seize();  // the recorded client seized the console; its reply byte follows
      continue;
    }
    if (r.status != ilo::rc::HandshakeStatus::need_more || r.consumed == 0) break;
  }
  switch (r.status) {
    case ilo::rc::HandshakeStatus::granted: return pos;
    case ilo::rc::HandshakeStatus::need_more:
      error = "truncated: the stream ends inside the console handshake";
      return std::nullopt;
    default:
      error = fmt::format("not a granted console stream: {}", r.error.message());
      return std::nullopt;
  }
}

int run(const Options& o) {
  std::string error;
  std::string key_text = o.enc_key;
  if (!o.enc_key_file.empty()) {
    auto k = read_file(o.enc_key_file, error);
    if (!k) {
      fmt::print(stderr, "ilo-decode: {}\n", error);
      return 1;
    }
    key_text.assign(k->begin(), k->end());
    while (!key_text.empty() && (key_text.back() == '\n' || key_text.back() == '\r' || key_text.back() == ' '))
      key_text.pop_back();
  }
  std::error_code ec;
  const auto key = ilo::rc::stream_key_from_enc_key(key_text, ec);
  if (ec) {
    fmt::print(stderr, "ilo-decode: the enc_key must be exactly 32 hexadecimal characters\n");
    return 1;
  }
  auto data = read_file(o.stream_path, error);
  if (!data) {
    fmt::print(stderr, "ilo-decode: {}\n", error);
    return 1;
  }
  const auto start = skip_handshake(*data, error);
  if (!start) {
    fmt::print(stderr, "ilo-decode: {}: {}\n", o.stream_path, error);
    return 1;
  }
  const std::span<const std::uint8_t> stream = std::span(*data).subspan(*start);

  ilo::rc::ClientTransportOptions topt;
  if (o.aes256_padded) topt.cipher3 = ilo::crypto::Cipher3Reading::ts_aes256_padded;

  if (o.repeat > 0) {
    ilo::rc::Framebuffer fb;
    const auto t0 = std::chrono::steady_clock::now();
    unsigned long long frames = 0;
    for (unsigned i = 0; i < o.repeat; ++i) {
      FrameCollector sink(fb, o, false);
      ilo::rc::VideoDecoder decoder(fb, sink);
      ilo::rc::ClientTransport transport(key, decoder, topt);
      if (auto e = transport.feed(stream)) {
        fmt::print(stderr, "ilo-decode: {}\n", e.message());
        return 1;
      }
      frames += sink.frames();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double mb = double(stream.size()) * o.repeat / 1e6;
    fmt::print(stderr, "ilo-decode: {} runs, {:.1f} MB/s of stream, {:.0f} frames/s\n", o.repeat,
               mb / s, double(frames) / s);
    return 0;
  }

  if (!o.frames_dir.empty()) {
    std::filesystem::create_directories(o.frames_dir, ec);
    if (ec) {
      fmt::print(stderr, "ilo-decode: {}: {}\n", o.frames_dir, ec.message());
      return 1;
    }
  }
  ilo::rc::Framebuffer fb;
  FrameCollector sink(fb, o, true);
  ilo::rc::VideoDecoder decoder(fb, sink);
  ilo::rc::ClientTransport transport(key, decoder, topt);
  if (auto e = transport.feed(stream)) {
    fmt::print(stderr, "ilo-decode: {}: {}\n", o.stream_path, e.message());
    return 1;
  }
  if (!sink.error().empty()) {
    fmt::print(stderr, "ilo-decode: {}\n", sink.error());
    return 1;
  }
  const auto health = decoder.health();
  fmt::print(stderr, "ilo-decode: {}x{} cipher={} frames={} bytes={} state={}\n", sink.width(),
             sink.height(), cipher_name(transport.receive_cipher()), sink.frames(), data->size(),
             health_name(health));
  if (!sink.have_frame()) {
    fmt::print(stderr, "ilo-decode: no complete frame in {} (wrong --enc-key?)\n", o.stream_path);
    return 1;
  }
  if (!o.output.empty()) {
    const bool png = o.output.size() > 4 && o.output.compare(o.output.size() - 4, 4, ".png") == 0;
    std::error_code e;
    const auto out = png ? ilo::image::encode_png(sink.view(), e) : ilo::image::encode_ppm(sink.view(), e);
    if (e) {
      fmt::print(stderr, "ilo-decode: {}: {}\n", o.output, e.message());
      return 1;
    }
    std::ofstream f(o.output, std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    f.close();
    if (!f) {
      fmt::print(stderr, "ilo-decode: cannot write {}: {}\n", o.output, std::strerror(errno));
      return 1;
    }
  }
  return health == ilo::rc::DecoderHealth::healthy ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Decode a recorded iLO 4 remote-console stream (server to client, starting with the "
               "hello byte) and write its last complete frame."};
  app.add_option("STREAM", o.stream_path, "recorded server-to-client bytes of a console connection")
      ->required();
  auto* key = app.add_option("--enc-key", o.enc_key,
                             "the session's rc_info enc_key (32 hex characters)");
  auto* key_file = app.add_option("--enc-key-file", o.enc_key_file,
                                  "read the enc_key from FILE instead (keeps it out of ps)");
  key->excludes(key_file);
  app.add_option("-o,--output", o.output, "write the last complete frame here (.ppm, or .png)");
  app.add_option("--frames", o.frames_dir, "write every complete frame as DIR/frame-NNNNN.ppm");
  app.add_option("--repeat", o.repeat, "decode N times in-process and print the throughput")
      ->check(CLI::Range(1u, 1000000u));
  app.add_flag("--aes256-padded", o.aes256_padded,
               "read cipher 3 as AES-256 with a zero-padded key (TypeScript reading)");
  CLI11_PARSE(app, argc, argv);
  if (o.enc_key.empty() && o.enc_key_file.empty()) {
    fmt::print(stderr, "ilo-decode: --enc-key or --enc-key-file is required\n");
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {  // allocation failure and the like
    fmt::print(stderr, "ilo-decode: {}\n", e.what());
    return 1;
  }
}
