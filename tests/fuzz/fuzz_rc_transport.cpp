// libFuzzer target for the console transport with its ciphers (docs/rc-transport.md): the
// client's ClientTransport (decrypt, switch cipher at the exact byte command 12/13 asks for:
// none, RC4, AES-128, "AES-256", or a bad number; then the video decoder) over bytes as
// received, and the simulator's ServerTransport (decrypt, parse input messages) over bytes as a
// client sends them. Fed whole and in pieces, both must give the same result and never crash.
// First byte: bit 0 server side, bit 1 cipher 3 read as AES-256, bits 2-7 piece size.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <system_error>

#include "rc/client_transport.hpp"
#include "rc/framebuffer.hpp"
#include "rc/key_encoding.hpp"
#include "rc/server_transport.hpp"
#include "rc/video_decoder.hpp"

namespace {

using namespace ilo::rc;

// The key of the recorded session (tests/fixtures): the seeds decrypt with it.
StreamKey capture_key() {
  std::error_code ec;
  const StreamKey key = stream_key_from_enc_key("bbAcD834680DDca9DE65269512BDdEC2", ec);
  if (ec) std::abort();
  return key;
}

// Counts events; the decoder's own checks are what the fuzzer exercises.
class CountingSink final : public VideoSink {
 public:
  void on_video_event(const VideoEvent&) override { ++events; }
  std::size_t events = 0;
};

struct ClientRun {
  std::error_code error;
  std::uint8_t cipher = 0;
  DecoderStats stats;
  std::size_t events = 0;
};

ClientRun client_side(std::span<const std::uint8_t> data, std::size_t piece,
                      ClientTransportOptions options, Framebuffer& fb) {
  fb.resize(0, 0);
  CountingSink sink;
  VideoDecoder decoder(fb, sink);
  ClientTransport transport(capture_key(), decoder, options);
  while (!data.empty()) {
    const std::size_t n = piece == 0 ? data.size() : std::min(piece, data.size());
    if (transport.feed(data.first(n))) break;  // failed: stays failed, the connection closes
    if (transport.receive_cipher() != transport.send_cipher()) std::abort();
    data = data.subspan(n);
  }
  // Input after the switch is encrypted with the new cipher and never fails to encode.
  (void)transport.encode(KeyboardReport{});
  return {transport.error(), transport.receive_cipher(), decoder.stats(), sink.events};
}

struct ServerRun {
  std::error_code error;
  std::size_t messages = 0;
};

ServerRun server_side(std::span<const std::uint8_t> data, std::size_t piece,
                      ServerTransportOptions options, std::uint8_t cipher) {
  ServerTransport transport(capture_key(), options);
  ServerRun run;
  if (transport.select_cipher(cipher)) return run;
  while (!data.empty()) {
    const std::size_t n = piece == 0 ? data.size() : std::min(piece, data.size());
    const auto r = transport.feed(data.first(n));
    run.messages += r.messages.size();
    if (r.error) {
      run.error = r.error;
      break;
    }
    data = data.subspan(n);
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = bytes[0];
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  const std::size_t piece = 1 + (control >> 2);
  const auto cipher3 = (control & 2) ? ilo::crypto::Cipher3Reading::ts_aes256_padded
                                     : ilo::crypto::Cipher3Reading::java_aes128;
  if ((control & 1) == 0) {
    static Framebuffer a;
    static Framebuffer b;
    const ClientRun whole = client_side(data, 0, {cipher3}, a);
    const ClientRun pieces = client_side(data, piece, {cipher3}, b);
    if (whole.error != pieces.error || whole.cipher != pieces.cipher ||
        whole.events != pieces.events || whole.stats.frames != pieces.stats.frames ||
        whole.stats.blocks != pieces.stats.blocks || whole.stats.bytes != pieces.stats.bytes) {
      std::abort();  // the split changed what was decoded
    }
    return 0;
  }
  // The server side with each cipher a session can select.
  for (std::uint8_t cipher = 0; cipher <= 3; ++cipher) {
    const ServerRun whole = server_side(data, 0, {cipher3}, cipher);
    const ServerRun pieces = server_side(data, piece, {cipher3}, cipher);
    if (whole.error != pieces.error || whole.messages != pieces.messages) std::abort();
  }
  return 0;
}
