// Helpers for the video decoder and encoder tests: a crafted-stream bit writer
// (docs/rc-video.md#bit-order) and pack() on it, a sink that records events as text, a feeder
// that applies the receive cipher the way the transport will (switching after the byte
// FeedResult names), and frame hashing/dumping. Test-only; the real encoder and transport
// live in src/rc.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "bytes/hex.hpp"
#include "crypto/stream_cipher.hpp"
#include "rc/framebuffer.hpp"
#include "rc/video_decoder.hpp"
#include "rc/video_events.hpp"

namespace ilo::rc::test {

// Appends fields in stream order: a k-bit value MSB first, bytes filled from bit 0 upward.
class Bits {
 public:
  Bits& put(std::uint32_t value, unsigned k) {
    for (unsigned i = k; i-- > 0;) bit((value >> i) & 1u);
    return *this;
  }
  Bits& bit(unsigned b) {
    if (n_ % 8 == 0) bytes_.push_back(0);
    if (b) bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (1u << (n_ % 8)));
    ++n_;
    return *this;
  }
  // A string of '0'/'1' characters (spaces ignored), in stream order.
  Bits& s(std::string_view text) {
    for (const char c : text)
      if (c == '0' || c == '1') bit(unsigned(c - '0'));
    return *this;
  }
  Bits& pad() {
    while (n_ % 8) bit(0);
    return *this;
  }
  Bits& raw(std::initializer_list<std::uint8_t> bytes) {
    pad();
    for (auto b : bytes) {
      bytes_.push_back(b);
      n_ += 8;
    }
    return *this;
  }
  // ---- whole fields (#commands-at-start, #in-band-commands) ----
  Bits& sync() { return pad().raw({0, 0, 0, 0, 0, 0x80}); }
  Bits& mode(unsigned w, unsigned h, unsigned r) {
    return s("101100").put(w, 7).put(h, 7).put(r, 4);
  }
  Bits& pos(unsigned x, unsigned y, unsigned k = 7) { return s("11").put(x, k).put(y, k); }
  Bits& frame_end() { return s("101101").pad(); }
  // In-band command: parameters then the command number, each with its continuation bit.
  Bits& command(std::uint8_t cmd, std::initializer_list<std::uint8_t> params = {}) {
    s("10111");
    for (auto p : params) put(p, 8).bit(1);
    return put(cmd, 8).bit(0);
  }
  Bits& grey(unsigned v, unsigned bpc = 5) { return s("000").put(v, bpc); }
  Bits& rgb(unsigned r, unsigned g, unsigned b, unsigned bpc = 5) {
    return s("001").put(r, bpc).put(g, bpc).put(b, bpc);
  }
  // Run suffix for a total run length L (#runs).
  Bits& run(unsigned total) {
    if (total == 1) return bit(0);
    if (total == 2) return s("10");
    if (total <= 8) return s("11").put(total - 3, 3);
    if (total <= 16) return s("11110").put(total - 9, 3);
    return s("11111").put(total - 1, 8);
  }

  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  [[nodiscard]] std::size_t bit_count() const { return n_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t n_ = 0;
};

// Stream-order bits ('0'/'1', other characters ignored) packed LSB-first, zero-padded.
inline std::vector<std::uint8_t> pack(std::string_view bits) { return Bits().s(bits).bytes(); }

// Piece sizes for a feeder that calls it once per piece: `cut` bytes, then all of the rest
// (`total` or more).
inline auto split_at(std::size_t cut, std::size_t total) {
  return [cut, total, first = true]() mutable {
    const std::size_t n = first ? cut : total;
    first = false;
    return n;
  };
}

// Every counter of two decoder runs agrees (`how` names the run in a failure).
inline void expect_same_stats(const DecoderStats& a, const DecoderStats& b,
                              const std::string& how) {
  EXPECT_EQ(a.frames, b.frames) << how;
  EXPECT_EQ(a.blocks, b.blocks) << how;
  EXPECT_EQ(a.errors, b.errors) << how;
  EXPECT_EQ(a.resyncs, b.resyncs) << how;
  EXPECT_EQ(a.refresh_requests, b.refresh_requests) << how;
  EXPECT_EQ(a.bytes, b.bytes) << how;
}

// Records every event as one line of text, so runs can be compared exactly.
class Recorder final : public VideoSink {
 public:
  void on_video_event(const VideoEvent& e) override { lines.push_back(describe(e)); }
  std::vector<std::string> lines;

  [[nodiscard]] std::size_t count(const std::string& prefix) const {
    std::size_t n = 0;
    for (const auto& l : lines)
      if (l.rfind(prefix, 0) == 0) ++n;
    return n;
  }

  static std::string describe(const VideoEvent& e) {
    return std::visit(
        [](const auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, ScreenMode>)
            return "ScreenMode " + std::to_string(v.width) + "x" + std::to_string(v.height) +
                   " b" + std::to_string(v.block_height);
          else if constexpr (std::is_same_v<T, SessionHeader>)
            return "SessionHeader bpc" + std::to_string(v.bits_per_colour) + " cipher" +
                   std::to_string(v.cipher) + " lic" + std::to_string(v.licence) + " cap" +
                   std::to_string(v.capabilities);
          else if constexpr (std::is_same_v<T, CipherSelected>)
            return "CipherSelected " + std::to_string(v.cipher);
          else if constexpr (std::is_same_v<T, ColourDepth>)
            return "ColourDepth " + std::to_string(v.bits_per_colour);
          else if constexpr (std::is_same_v<T, FrameRate>)
            return "FrameRate " + std::to_string(v.value);
          else if constexpr (std::is_same_v<T, PowerState>)
            return std::string("PowerState ") + (v.on ? "on" : "off");
          else if constexpr (std::is_same_v<T, NoVideo>) return "NoVideo";
          else if constexpr (std::is_same_v<T, TerminalServices>)
            return "TerminalServices " + std::to_string(v.type);
          else if constexpr (std::is_same_v<T, KeyChange>) return "KeyChange";
          else if constexpr (std::is_same_v<T, Seized>) return "Seized";
          else if constexpr (std::is_same_v<T, Text>)
            return "Text " + std::to_string(v.channel) + " " + v.text;
          else if constexpr (std::is_same_v<T, Ping>) return "Ping";
          else if constexpr (std::is_same_v<T, Invalidate>) return "Invalidate";
          else if constexpr (std::is_same_v<T, UnknownCommand>)
            return "UnknownCommand " + std::to_string(v.command);
          else if constexpr (std::is_same_v<T, FrameEnd>) return "FrameEnd";
          else if constexpr (std::is_same_v<T, RefreshRequest>) return "RefreshRequest";
          else if constexpr (std::is_same_v<T, DecodeError>)
            return std::string("DecodeError ") + v.reason;
          else if constexpr (std::is_same_v<T, Resync>) return "Resync";
          else return "?";
        },
        e);
  }
};

// Feeds raw (possibly encrypted) bytes the way the transport does: decrypt, feed, and when the
// decoder reports a cipher switch, rewind the keystream to the bytes actually used and continue
// with the selected receive cipher (each cipher number keeps its own instance,
// docs/rc-transport.md#keystreams).
class CipherFeeder {
 public:
  CipherFeeder(VideoDecoder& d, std::span<const std::uint8_t, 16> key) : dec_(d) {
    for (std::uint8_t id = 1; id <= 3; ++id) {
      std::error_code ec;
      rx_[id] = crypto::StreamCipher::create(static_cast<crypto::CipherId>(id), key,
                                             crypto::Cipher3Reading::java_aes128, ec);
      ok_ = ok_ && !ec;
    }
  }
  [[nodiscard]] bool ok() const { return ok_; }

  void feed(std::span<const std::uint8_t> raw) {
    while (!raw.empty()) {
      std::vector<std::uint8_t> buf(raw.begin(), raw.end());
      crypto::StreamCipher before = rx_[active_].clone();
      rx_[active_].apply(buf);
      const FeedResult r = dec_.feed(buf);
      if (r.cipher_changed) {
        // Only r.consumed keystream bytes belonged to the old cipher.
        rx_[active_] = std::move(before);
        std::vector<std::uint8_t> used(r.consumed);
        rx_[active_].apply(used);
        active_ = r.cipher <= 3 ? r.cipher : 0;  // Java: unknown cipher = decryption off
        ++switches;
      } else if (r.consumed != buf.size()) {
        ++short_feeds;  // the contract says this never happens
      }
      raw = raw.subspan(r.consumed);
      if (r.consumed == 0 && !r.cipher_changed) break;
    }
  }
  int switches = 0;
  int short_feeds = 0;

 private:
  VideoDecoder& dec_;
  std::array<crypto::StreamCipher, 4> rx_{};
  std::size_t active_ = 0;
  bool ok_ = true;
};

inline std::string sha256_hex(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> md{};
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return to_hex(std::span<const std::uint8_t>(md.data(), len));
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_ppm(const Framebuffer& fb, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  f << "P6\n" << fb.width() << " " << fb.height() << "\n255\n";
  const auto px = fb.pixels();
  f.write(reinterpret_cast<const char*>(px.data()), std::streamsize(px.size()));
}

}  // namespace ilo::rc::test
