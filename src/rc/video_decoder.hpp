// The DVC video bitstream decoder (docs/rc-video.md, the whole of it): clear-text bytes in, pixels
// into a caller's Framebuffer and events out through a VideoSink. It never decrypts (the
// transport does) and never does I/O. Input may be split at any byte; peer input is untrusted
// and can never write outside the framebuffer or make the decoder allocate without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rc/framebuffer.hpp"
#include "rc/video_events.hpp"

namespace ilo::rc {

// Coarse decoder state for summaries and health checks.
enum class DecoderHealth : std::uint8_t {
  healthy,  // decoding normally
  fatal,    // in the fatal state (38), waiting for a sync preamble
  hunting,  // saw >= 31 zero bits, waiting for the 1 bit (43)
};

struct DecoderStats {
  std::uint64_t bytes = 0;             // bytes fed
  std::uint64_t frames = 0;            // FRAME_ENDs
  std::uint64_t blocks = 0;            // blocks drawn (painted or repeated)
  std::uint64_t errors = 0;            // entries into the fatal state
  std::uint64_t resyncs = 0;           // sync preambles found
  std::uint64_t refresh_requests = 0;  // RefreshRequest events emitted
};

struct FeedResult {
  // Bytes used. Less than offered only when a cipher selection (command 12 or 13) completed
  // inside byte consumed-1: the caller must switch the receive cipher before feeding the rest.
  std::size_t consumed = 0;
  bool cipher_changed = false;
  std::uint8_t cipher = 0;  // the selected cipher number when cipher_changed
};

// The framebuffer is resized (and cleared) by MODE; a screen that does not fit external storage
// leaves it 0x0. Areas drawn are marked dirty on it before every event and at the end of each
// feed(), so a consumer may snapshot from FrameEnd. Events are delivered synchronously from
// inside feed(); the sink must not call back into the decoder.
class VideoDecoder {
 public:
  VideoDecoder(Framebuffer& framebuffer, VideoSink& sink);
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  FeedResult feed(std::span<const std::uint8_t> clear);

  [[nodiscard]] DecoderHealth health() const noexcept;
  [[nodiscard]] const DecoderStats& stats() const noexcept;
  [[nodiscard]] int bits_per_colour() const noexcept;

 private:
  struct State;
  State* s_;
};

}  // namespace ilo::rc
