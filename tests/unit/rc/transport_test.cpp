// Console transport (docs/rc-transport.md): HP's own client input reproduced byte for byte and
// parsed back by the server transport, the capture decoded identically at any split, and the
// exactness of cipher switches (clear enabling command, mid-byte switch, keystream resumed
// after off/on, per-cipher instances, unknown numbers turning encryption off).
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"
#include "crypto/stream_cipher.hpp"
#include "rc/client_handshake.hpp"
#include "rc/client_transport.hpp"
#include "rc/connect_request.hpp"
#include "rc/framebuffer.hpp"
#include "rc/key_encoding.hpp"
#include "rc/rc_error.hpp"
#include "rc/server_transport.hpp"
#include "rc/video_decoder.hpp"
#include "session_test_support.hpp"

namespace ilo::rc {
namespace {

using test::all_schedules;
using test::describe;
using test::fixture;
using test::pieces;

StreamKey captured_key() {
  std::error_code ec;
  auto k = stream_key_from_enc_key(test::kEncKey, ec);
  EXPECT_FALSE(ec);
  return k;
}

std::string describe_event(const VideoEvent& e) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, ScreenMode>)
          return "mode " + std::to_string(v.width) + "x" + std::to_string(v.height) + "/" +
                 std::to_string(v.block_height);
        else if constexpr (std::is_same_v<T, SessionHeader>)
          return "header " + std::to_string(v.bits_per_colour) + "," + std::to_string(v.cipher) +
                 "," + std::to_string(v.licence) + "," + std::to_string(v.capabilities);
        else if constexpr (std::is_same_v<T, CipherSelected>)
          return "cipher " + std::to_string(v.cipher);
        else if constexpr (std::is_same_v<T, Invalidate>)
          return "invalidate";
        else if constexpr (std::is_same_v<T, FrameEnd>)
          return "frame_end";
        else if constexpr (std::is_same_v<T, DecodeError>)
          return std::string("error ") + v.reason;
        else if constexpr (std::is_same_v<T, Resync>)
          return "resync";
        else if constexpr (std::is_same_v<T, RefreshRequest>)
          return "refresh";
        else if constexpr (std::is_same_v<T, Text>)
          return "text " + std::to_string(v.channel) + " " + v.text;
        else
          return "event";
      },
      e);
}

struct Recorder final : VideoSink {
  std::vector<std::string> events;
  void on_video_event(const VideoEvent& e) override { events.push_back(describe_event(e)); }
};

// A decoder with its framebuffer and event log.
struct Screen {
  Framebuffer fb;
  Recorder sink;
  VideoDecoder decoder{fb, sink};
};

// ---- HP's client input ---------------------------------------------------------------------

std::vector<InputMessage> hp_messages() {
  auto kb = [](std::uint8_t mod, std::uint8_t key) {
    KeyboardReport r;
    r.modifiers = mod;
    r.keys[0] = key;
    return InputMessage{r};
  };
  auto ptr = [](std::int8_t dx, std::int8_t dy, std::uint8_t buttons) {
    return InputMessage{PointerReport{0x04ff, 0x05e3, dx, dy, buttons, 0}};
  };
  return {InputMessage{PowerMessage{PowerAction::reset}},
          kb(0x05, 0x4C), kb(0x05, 0), kb(0, 0),
          ptr(127, -127, 0), ptr(0, 0, kButtonLeft), ptr(0, 0, 0), ptr(0, 0, 0),
          kb(0x02, 0), kb(0x02, 0x04), kb(0, 0x04), kb(0, 0),
          kb(0, 0x05), kb(0, 0), kb(0, 0x1e), kb(0, 0), kb(0, 0x28), kb(0, 0)};
}

TEST(ClientTransport, ReproducesHpClientInput) {
  const auto server = fixture("rc-server.bin");
  const auto expected = fixture("hp-client-input/client-to-server.bin");
  ASSERT_EQ(expected.size(), 174u);
  std::error_code ec;
  ClientHandshake hs(build_connect_request(ConnectionType::console, test::kSessionKey,
                                           test::kEncKey, test::captured_features(), ec));
  ASSERT_FALSE(ec);
  auto r = hs.feed(server);
  EXPECT_EQ(r.consumed, 1u);
  r = hs.feed(std::span(server).subspan(1));
  ASSERT_EQ(r.status, HandshakeStatus::granted);
  ASSERT_EQ(r.consumed, 1u);

  Screen screen;
  ClientTransport transport(captured_key(), screen.decoder);
  // Stream bytes 0..6: command 13 (RC4) and FRAME_END, all clear text.
  ASSERT_FALSE(transport.feed(std::span(server).subspan(2, 7)));
  EXPECT_EQ(transport.receive_cipher(), 1);
  EXPECT_EQ(transport.send_cipher(), 1);
  ASSERT_FALSE(screen.sink.events.empty());
  EXPECT_EQ(screen.sink.events.front(), "header 5,1,7,9");

  std::vector<std::uint8_t> sent;
  for (const auto& m : hp_messages()) transport.encode(m, sent);
  EXPECT_EQ(to_hex(sent), to_hex(expected));
}

TEST(ServerTransport, ParsesHpClientInputAtEverySplit) {
  const auto wire = fixture("hp-client-input/client-to-server.bin");
  const auto expected = hp_messages();
  for (const auto& cuts : all_schedules(wire.size())) {
    SCOPED_TRACE(describe(cuts));
    ServerTransport t(captured_key());
    ASSERT_FALSE(t.select_cipher(1));  // the server sent command 13 before reading
    std::vector<InputMessage> got;
    for (auto piece : pieces(wire, cuts)) {
      auto r = t.feed(piece);
      EXPECT_FALSE(r.error);
      got.insert(got.end(), r.messages.begin(), r.messages.end());
    }
    EXPECT_EQ(got, expected);
  }
}

TEST(ServerTransport, UnknownMessageStopsParsing) {
  ServerTransport t(captured_key());
  auto r = t.feed(*parse_hex("0500 0300 0500"));
  EXPECT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.error, RcError::unknown_input_message);
  r = t.feed(*parse_hex("0500"));
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.error, RcError::unknown_input_message);
}

TEST(ServerTransport, EncryptsOutgoingFromTheMarkedByte) {
  ServerTransport t(captured_key());
  std::vector<std::uint8_t> head{0x1d, 0x20, 0x60, 0xf0, 0x90, 0x61, 0xb5};
  t.encrypt_outgoing(head);  // clear until the switch
  EXPECT_EQ(to_hex(head), "1d2060f09061b5");
  ASSERT_FALSE(t.select_cipher(1));
  std::vector<std::uint8_t> body(5, 0);  // the sync preamble's zero bytes
  t.encrypt_outgoing(body);
  EXPECT_EQ(to_hex(body), "e035b0b9e4");  // = rc-server.bin bytes 9..13 (stream 7..11)
  const auto server = fixture("rc-server.bin");
  EXPECT_EQ(to_hex(std::span(server).subspan(2 + 7, 5)), "e035b0b9e4");
  // Turning off and on resumes the keystream; the receive side has its own instance.
  ASSERT_FALSE(t.select_send_cipher(0));
  std::vector<std::uint8_t> clear{1, 2};
  t.encrypt_outgoing(clear);
  EXPECT_EQ(to_hex(clear), "0102");
  ASSERT_FALSE(t.select_send_cipher(1));
  std::vector<std::uint8_t> more(3, 0);
  t.encrypt_outgoing(more);
  EXPECT_EQ(to_hex(more), "f110dc");  // RC4 keystream bytes 5..7
  auto in = t.feed(*parse_hex("ec35"));  // 0c 00 XOR keystream 0..1
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_EQ(in.messages[0], InputMessage{AckMessage{}});
}

// ---- the capture at any split ------------------------------------------------------------

struct Decoded {
  std::vector<std::string> events;
  std::vector<std::uint8_t> pixels;
  int width = 0, height = 0;
  DecoderStats stats;
  DecoderHealth health = DecoderHealth::healthy;
  std::uint8_t cipher = 0;
};

Decoded decode_capture(const test::Cuts& cuts) {
  const auto server = fixture("rc-server.bin");
  const auto stream = std::span(server).subspan(2);
  Screen screen;
  ClientTransport t(captured_key(), screen.decoder);
  for (auto piece : pieces(stream, cuts)) EXPECT_FALSE(t.feed(piece));
  return {screen.sink.events, std::vector<std::uint8_t>(screen.fb.pixels().begin(),
                                                        screen.fb.pixels().end()),
          screen.fb.width(), screen.fb.height(), screen.decoder.stats(), screen.decoder.health(),
          t.receive_cipher()};
}

// Reference: one byte at a time, decrypting by hand with a cipher created at the switch.
Decoded decode_capture_reference() {
  const auto server = fixture("rc-server.bin");
  Screen screen;
  const auto key = captured_key();
  crypto::StreamCipher rc4;
  bool on = false;
  for (std::size_t i = 2; i < server.size(); ++i) {
    std::uint8_t b = server[i];
    if (on) rc4.apply(std::span(&b, 1));
    const auto r = screen.decoder.feed(std::span(&b, 1));
    EXPECT_EQ(r.consumed, 1u);
    if (r.cipher_changed) {
      EXPECT_EQ(r.cipher, 1);
      EXPECT_FALSE(on);
      std::error_code ec;
      rc4 = crypto::StreamCipher::create(crypto::CipherId::rc4, key,
                                         crypto::Cipher3Reading::java_aes128, ec);
      EXPECT_FALSE(ec);
      on = true;
    }
  }
  return {screen.sink.events, std::vector<std::uint8_t>(screen.fb.pixels().begin(),
                                                        screen.fb.pixels().end()),
          screen.fb.width(), screen.fb.height(), screen.decoder.stats(), screen.decoder.health(),
          static_cast<std::uint8_t>(on ? 1 : 0)};
}

void expect_same(const Decoded& a, const Decoded& b) {
  EXPECT_EQ(a.events, b.events);
  EXPECT_TRUE(a.pixels == b.pixels);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.stats.bytes, b.stats.bytes);
  EXPECT_EQ(a.stats.frames, b.stats.frames);
  EXPECT_EQ(a.stats.blocks, b.stats.blocks);
  EXPECT_EQ(a.stats.errors, b.stats.errors);
  EXPECT_EQ(a.stats.resyncs, b.stats.resyncs);
  EXPECT_EQ(a.stats.refresh_requests, b.stats.refresh_requests);
  EXPECT_EQ(a.health, b.health);
  EXPECT_EQ(a.cipher, b.cipher);
}

TEST(ClientTransport, CaptureDecodesIdenticallyAtAnySplit) {
  const Decoded reference = decode_capture_reference();
  EXPECT_EQ(reference.width, 1360);
  EXPECT_EQ(reference.height, 768);
  EXPECT_EQ(reference.health, DecoderHealth::healthy);
  EXPECT_GT(reference.stats.frames, 10u);

  const Decoded whole = decode_capture({});
  expect_same(whole, reference);
  {
    SCOPED_TRACE("one byte at a time");
    test::Cuts each;
    for (std::size_t i = 1; i < 40180; ++i) each.push_back(i);
    expect_same(decode_capture(each), reference);
  }
  // The first packet boundary of the real capture, around the switch, and random splits.
  for (std::size_t cut : {6u, 7u, 8u, 9u, 100u}) {
    SCOPED_TRACE("split at " + std::to_string(cut));
    expect_same(decode_capture({cut}), reference);
  }
  std::mt19937 rng(2024);
  for (int round = 0; round < 8; ++round) {
    test::Cuts cuts;
    for (std::size_t at = 1 + rng() % 20; at < 40180; at += 1 + rng() % 3000) cuts.push_back(at);
    SCOPED_TRACE("random round " + std::to_string(round));
    expect_same(decode_capture(cuts), reference);
  }
}

// ---- crafted streams: cipher switch exactness -----------------------------------------------

// Bit writer in stream order (docs/rc-video.md#bit-order): bytes fill from bit 0, fields MSB first.
class Bits {
 public:
  void bit(bool b) {
    if (n_ % 8 == 0) bytes_.push_back(0);
    if (b) bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | 1u << (n_ % 8));
    ++n_;
  }
  void field(unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) bit((value >> i) & 1u);
  }
  // In-band command: 10111, then parameter bytes and the command byte, each followed by a
  // continuation bit (docs/rc-video.md#in-band-commands).
  void command(std::initializer_list<std::uint8_t> params, std::uint8_t number) {
    field(0b10111, 5);
    for (auto p : params) {
      field(p, 8);
      bit(true);
    }
    field(number, 8);
    bit(false);
  }
  // Command 12 selecting `cipher`; records that the switch happens at the next byte.
  void select_cipher(std::uint8_t cipher) {
    command({cipher}, 12);
    switches_.push_back({(n_ + 7) / 8, cipher});
  }
  void frame_end() {
    field(0b101101, 6);
    n_ = (n_ + 7) / 8 * 8;  // byte alignment; the padding bits stay zero
  }
  void burst() {  // command 128 + FRAME_END, as the captured server ends every burst
    command({}, 128);
    frame_end();
  }

  const std::vector<std::uint8_t>& clear() const { return bytes_; }
  // (first byte using the new cipher, cipher number) for each command 12.
  const std::vector<std::pair<std::size_t, std::uint8_t>>& switch_points() const {
    return switches_;
  }
  // The stream as sent: each range after a switch encrypted with that cipher's own reference
  // instance, which resumes where it stopped (#keystreams).
  std::vector<std::uint8_t> encrypted() const {
    std::vector<std::uint8_t> out = bytes_;
    std::map<std::uint8_t, crypto::StreamCipher> instances;
    const auto key = captured_key();
    for (std::size_t i = 0; i < switches_.size(); ++i) {
      const auto [from, cipher] = switches_[i];
      const std::size_t to = i + 1 < switches_.size() ? switches_[i + 1].first : out.size();
      if (cipher < 1 || cipher > 3) continue;  // off, or unknown = off
      if (!instances.count(cipher)) {
        std::error_code ec;
        instances.emplace(cipher, crypto::StreamCipher::create(
                                      static_cast<crypto::CipherId>(cipher), key,
                                      crypto::Cipher3Reading::java_aes128, ec));
        EXPECT_FALSE(ec);
      }
      instances.at(cipher).apply(std::span(out).subspan(from, to - from));
    }
    return out;
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t n_ = 0;
  std::vector<std::pair<std::size_t, std::uint8_t>> switches_;
};

std::vector<std::string> decode_crafted(const std::vector<std::uint8_t>& raw, const test::Cuts& cuts,
                                        std::uint8_t* final_cipher = nullptr) {
  Screen screen;
  ClientTransport t(captured_key(), screen.decoder);
  for (auto piece : pieces(raw, cuts)) EXPECT_FALSE(t.feed(piece));
  EXPECT_EQ(screen.decoder.health(), DecoderHealth::healthy);
  EXPECT_EQ(t.receive_cipher(), t.send_cipher());
  if (final_cipher) *final_cipher = t.receive_cipher();
  return screen.sink.events;
}

void expect_crafted(const Bits& bits, const std::vector<std::string>& expected,
                    std::uint8_t final_cipher) {
  const auto raw = bits.encrypted();
  ASSERT_NE(raw, bits.clear());
  for (const auto& cuts : all_schedules(raw.size())) {
    SCOPED_TRACE(describe(cuts));
    std::uint8_t cipher = 0xFF;
    EXPECT_EQ(decode_crafted(raw, cuts, &cipher), expected);
    EXPECT_EQ(cipher, final_cipher);
  }
}

TEST(ClientTransport, KeystreamResumesAfterOffAndOn) {
  Bits b;
  b.select_cipher(1);  // completes in byte 2: encrypted from byte 3
  b.burst();
  b.burst();
  b.select_cipher(0);
  b.burst();
  b.select_cipher(1);  // resumes RC4 where it stopped
  b.burst();
  b.burst();
  const std::vector<std::string> expected = {
      "cipher 1", "invalidate", "frame_end", "invalidate", "frame_end",
      "cipher 0", "invalidate", "frame_end",
      "cipher 1", "invalidate", "frame_end", "invalidate", "frame_end"};
  expect_crafted(b, expected, 1);
}

TEST(ClientTransport, SwitchIsExactInsideAByte) {
  // Command 12 completes at bit 23, so FRAME_END starts in the clear byte 2 and ends in the
  // first encrypted byte 3.
  Bits b;
  b.select_cipher(1);
  b.frame_end();
  b.burst();
  ASSERT_EQ(b.clear().size(), 4u + 3u);
  expect_crafted(b, {"cipher 1", "frame_end", "invalidate", "frame_end"}, 1);
}

TEST(ClientTransport, EachCipherHasItsOwnInstance) {
  Bits b;
  b.select_cipher(1);
  b.burst();
  b.select_cipher(2);  // AES starts at its keystream byte 0
  b.burst();
  b.select_cipher(1);  // RC4 resumes
  b.burst();
  b.select_cipher(3);  // "AES-256" read as a second AES-128 instance (Java)
  b.burst();
  b.select_cipher(2);  // AES resumes
  b.burst();
  expect_crafted(b,
                 {"cipher 1", "invalidate", "frame_end", "cipher 2", "invalidate", "frame_end",
                  "cipher 1", "invalidate", "frame_end", "cipher 3", "invalidate", "frame_end",
                  "cipher 2", "invalidate", "frame_end"},
                 2);
}

TEST(ClientTransport, UnknownCipherTurnsEncryptionOff) {
  Bits b;
  b.select_cipher(1);
  b.burst();
  b.select_cipher(7);  // Java: encryption off
  b.burst();
  b.select_cipher(1);  // back on, RC4 resumed
  b.burst();
  expect_crafted(b,
                 {"cipher 1", "invalidate", "frame_end", "cipher 7", "invalidate", "frame_end",
                  "cipher 1", "invalidate", "frame_end"},
                 1);
}

TEST(ClientTransport, SendCipherFollowsTheDecoder) {
  Bits b;
  b.select_cipher(1);
  b.burst();
  b.select_cipher(0);
  b.burst();
  b.select_cipher(1);
  b.burst();
  const auto raw = b.encrypted();
  const auto& sw = b.switch_points();
  ASSERT_EQ(sw.size(), 3u);
  // Expected send keystream: RC4 from byte 0, independent of what was received.
  std::error_code ec;
  auto ks = crypto::StreamCipher::create(crypto::CipherId::rc4, captured_key(),
                                         crypto::Cipher3Reading::java_aes128, ec);
  ASSERT_FALSE(ec);
  std::vector<std::uint8_t> keystream(4, 0);
  ks.apply(keystream);
  auto ack = [&keystream](std::size_t at) {
    return std::vector<std::uint8_t>{static_cast<std::uint8_t>(0x0C ^ keystream[at]),
                                     keystream[at + 1]};
  };

  Screen screen;
  ClientTransport t(captured_key(), screen.decoder);
  EXPECT_EQ(to_hex(t.encode(AckMessage{})), "0c00");  // before any switch: clear
  // Up to and including the byte in which the first command 12 completes.
  ASSERT_FALSE(t.feed(std::span(raw).first(sw[0].first)));
  EXPECT_EQ(t.send_cipher(), 1);
  EXPECT_EQ(t.encode(AckMessage{}), ack(0));
  ASSERT_FALSE(t.feed(std::span(raw).subspan(sw[0].first, sw[1].first - sw[0].first)));
  EXPECT_EQ(t.send_cipher(), 0);
  EXPECT_EQ(to_hex(t.encode(RefreshMessage{})), "0500");
  ASSERT_FALSE(t.feed(std::span(raw).subspan(sw[1].first, sw[2].first - sw[1].first)));
  EXPECT_EQ(t.send_cipher(), 1);
  EXPECT_EQ(t.encode(AckMessage{}), ack(2));  // resumed at send keystream byte 2
  ASSERT_FALSE(t.feed(std::span(raw).subspan(sw[2].first)));
  EXPECT_EQ(screen.decoder.health(), DecoderHealth::healthy);
  EXPECT_EQ(screen.sink.events,
            (std::vector<std::string>{"cipher 1", "invalidate", "frame_end", "cipher 0",
                                      "invalidate", "frame_end", "cipher 1", "invalidate",
                                      "frame_end"}));
}

}  // namespace
}  // namespace ilo::rc
