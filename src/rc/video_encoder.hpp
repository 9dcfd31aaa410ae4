// The DVC video bitstream encoder, server side (docs/rc-video.md#encoder): framebuffers and in-band
// commands in, clear-text stream bytes out. It keeps a model of what the client decoder holds
// (picture, colour cache, position, block buffer) so updates send changed blocks only and never
// trip the decoder. It does no I/O and no encryption: it reports where the clear text ends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "rc/bit_writer.hpp"
#include "rc/framebuffer.hpp"
#include "rc/rc_error.hpp"
#include "rc/video_codes.hpp"

namespace ilo::rc {

// The encoder's errors are remote-console errors (RcError::bad_screen_size, bad_bits_per_colour,
// bad_text, no_mode); this name is kept for the encoder's callers.
using EncoderError = RcError;

// The four parameters of command 13 (docs/rc-video.md#in-band-commands); defaults as captured.
struct EncoderSettings {
  int bits_per_colour = 5;        // 2..5 (clamped); sent as p0 = 5 - bits_per_colour
  std::uint8_t cipher = 1;        // p1: 0 none, 1 RC4, 2 AES-128, 3 "AES-256"
  std::uint8_t licence = 7;       // p2: bit 0 = remote console licensed
  std::uint8_t capabilities = 9;  // p3: bit 3 = 16x8 blocks supported
};

struct EncoderStats {
  std::uint64_t blocks_painted = 0;   // blocks sent as pixels
  std::uint64_t blocks_repeated = 0;  // blocks drawn by BDUP / BREP
  std::uint64_t blocks_skipped = 0;   // unchanged blocks not sent
  std::uint64_t zero_run_fixes = 0;   // #zero-run-safety fixes: grey->RGB, long run-of-1 suffix,
                                      // no-op XABS before a block start
  std::uint64_t frame_ends = 0;
};

class VideoEncoder {
 public:
  static constexpr std::size_t kMaxText = 255;  // characters in one string command

  explicit VideoEncoder(const EncoderSettings& settings = {});

  // --- Output -----------------------------------------------------------------------------
  // Every operation appends to the pending output; take() hands out the completed bytes. A
  // burst is complete (byte-aligned) after frame_end() or end_burst(); operations that build
  // whole bursts (restart, update) end that way themselves.
  std::vector<std::uint8_t> take() { return w_.take(); }
  [[nodiscard]] std::span<const std::uint8_t> pending() const noexcept { return w_.pending(); }
  [[nodiscard]] std::uint64_t bytes_produced() const noexcept { return w_.byte_position(); }

  // --- Stream structure (#stream-prologue) --------------------------------------------------
  // Command 13 with the settings' parameters, then FRAME_END. Returns the offset, within the
  // pending output (what the next take() returns), of the first byte that must be encrypted
  // with the announced cipher: the byte after the one holding command 13's last bit.
  std::size_t prologue();
  // Sync preamble: zero padding to a byte boundary, five zero bytes, 0x80. The client decoder
  // restarts (its cache empties); the encoder then owes it a MODE. The only way this encoder
  // ever emits 31 or more zero bits.
  void sync_preamble();
  // MODE for a width x height screen (width a multiple of 16; 0x0 = no video). Empties the
  // colour cache; the client's picture is considered unknown until painted.
  std::error_code set_mode(int width, int height);
  // Paints every block / only the blocks that differ from what the client shows. The
  // framebuffer must have the size of the last MODE. No FRAME_END is added.
  std::error_code paint_all(const Framebuffer& fb);
  std::error_code paint_changes(const Framebuffer& fb);
  // The same, looking only at the blocks meeting changed_area: the caller vouches that
  // nothing outside it changed since the last update (e.g. the framebuffer's dirty rectangle).
  // Ignored while the client's picture is unknown (after a MODE everything is painted).
  std::error_code paint_changes(const Framebuffer& fb, const Rect& changed_area);
  // FRAME_END (byte alignment). Inserts a no-op column move first if it would otherwise
  // complete in the byte right after the previous FRAME_END (#frame-end).
  void frame_end();
  // Command 128 (invalidate) then FRAME_END: how the captured server ends every burst.
  void end_burst();

  // Whole bursts. restart(): sync preamble, MODE, full screen, 128, FRAME_END (stream start
  // after the prologue, or the answer to a refresh request). update(): MODE and full screen
  // if the size changed or a MODE is owed, else the changed blocks; then 128 and FRAME_END.
  // update() emits nothing when nothing changed.
  std::error_code restart(const Framebuffer& fb);
  std::error_code update(const Framebuffer& fb);
  std::error_code update(const Framebuffer& fb, const Rect& changed_area);

  // --- In-band commands (#in-band-commands); none adds a FRAME_END -----------------------
  void power(bool on);                     // 4 / 5 (5 clears the client screen)
  void no_video();                         // 6 (clears the client screen)
  void seized();                           // 10 (clears the client screen)
  void ping();                             // 16: the client answers 0C 00
  void frame_rate(std::uint8_t value);     // 3
  void invalidate();                       // 128
  std::error_code text(std::uint8_t channel, std::string_view text);  // 2
  // 11, then a MODE is owed (the next update() repaints everything at the new depth).
  std::error_code set_bits_per_colour(int bits_per_colour);
  // 12: returns the offset, within the pending output, of the first byte to send with the
  // new cipher.
  std::size_t select_cipher(std::uint8_t cipher);

  // --- Introspection ----------------------------------------------------------------------
  [[nodiscard]] int bits_per_colour() const noexcept { return bpc_; }
  [[nodiscard]] int block_height() const noexcept { return block_h_; }
  [[nodiscard]] bool mode_owed() const noexcept { return need_mode_; }
  [[nodiscard]] std::uint32_t trailing_zeros() const noexcept { return w_.trailing_zeros(); }
  [[nodiscard]] const EncoderStats& stats() const noexcept { return stats_; }
  // The colour cache model, most recently used first (quantised 0xRRGGBB values).
  [[nodiscard]] std::span<const std::uint32_t> cache() const noexcept {
    return std::span<const std::uint32_t>(cache_).first(n_);
  }

 private:
  using Block = std::array<std::uint32_t, 256>;

  std::error_code paint_area(const Framebuffer& fb, const Rect& area);
  void command(std::span<const std::uint8_t> bytes);  // params..., command number
  void command0(VideoCommand c) {
    const std::uint8_t number = to_byte(c);
    command(std::span<const std::uint8_t>(&number, 1));
  }
  [[nodiscard]] std::size_t clear_bytes_after_last_bit() const noexcept;
  [[nodiscard]] std::uint32_t quantise(const std::uint8_t* rgb) const noexcept;
  [[nodiscard]] bool zero_run_ok(std::uint32_t leading_zeros) const noexcept;
  [[nodiscard]] int coord_bits() const noexcept { return block_h_ == 8 ? 8 : 7; }
  void load_block(const Framebuffer& fb, int bx, int by, Block& out) const;
  [[nodiscard]] bool block_changed(const Framebuffer& fb, int bx, int by) const;
  void move_to(int bx, int by);
  void column_filler();
  void emit_block(const Block& pixels);
  void emit_colour(std::uint32_t colour);
  void emit_run(int length);
  void emit_repeat(int count);
  void cache_touch(int rank);
  void cache_add(std::uint32_t colour);
  void cache_prune();
  void cache_clear() noexcept { n_ = used_ = 0; }
  void screen_cleared() noexcept { need_mode_ = true; }

  BitWriter w_;
  EncoderSettings settings_;
  EncoderStats stats_;
  int bpc_ = 5;                     // the client's bits per colour component
  std::uint8_t caps_ = 0;           // capability flags announced by command 13
  int block_h_ = 16;                // the client's block height
  bool have_mode_ = false;          // a MODE was sent since the last sync
  bool need_mode_ = true;           // the client needs a MODE before painting
  int width_ = 0, height_ = 0;      // of the last MODE, in pixels
  int cols_ = 0, rows_ = 0;         // blocks per row, block rows
  int mode_h_ = 0, mode_r_ = 0;     // MODE's H and R fields
  int x_ = 0, y_ = 0;               // the client decoder's block position
  std::int64_t last_frame_end_ = -1;  // stream byte in which the last FRAME_END completed
  // Colour cache model (#colour-cache): ranks 0..n_-1 in order; 0..used_-1 used in this block.
  std::array<std::uint32_t, 17> cache_{};
  int n_ = 0, used_ = 0;
  Block buffer_{};                  // the client's block buffer (last painted block)
  bool buffer_valid_ = false;
  std::vector<std::uint8_t> sent_;  // RGB888 picture the client shows (quantised equal)
  bool client_valid_ = false;
};

}  // namespace ilo::rc
