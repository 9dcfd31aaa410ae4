// The DVC video bitstream encoder (docs/rc-video.md#encoder). See video_encoder.hpp. Bit patterns
// are written as binary literals in stream order (first bit = leftmost digit).
#include "rc/video_encoder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace ilo::rc {

namespace {

// #zero-run-safety: the longest zero run the encoder lets ordinary data reach before a field; every
// replacement form starts with at most two zero bits, so no run exceeds kMaxDataZeroRun.
constexpr std::uint32_t kZeroRunBeforeField = kMaxDataZeroRun - 2;

bool size_ok(int width, int height) noexcept {
  return width >= 0 && height >= 0 && width % 16 == 0 && width <= kMaxScreenWidth &&
         height <= kMaxScreenHeight;
}

// Bits of the indexed-colour code for a cache of n entries (#indexed-codes).
int code_bits(int n) noexcept {
  if (n <= 2) return 0;
  if (n == 3) return 1;
  if (n <= 5) return 2;
  if (n <= 9) return 3;
  return 4;
}

}  // namespace

VideoEncoder::VideoEncoder(const EncoderSettings& settings) : settings_(settings) {
  settings_.bits_per_colour = std::clamp(settings_.bits_per_colour, 2, 5);
}

// ---------------------------------------------------------------------------------------------
// Stream structure

std::size_t VideoEncoder::clear_bytes_after_last_bit() const noexcept {
  // The byte holding the last written bit is clear text; the next one is not (#cipher-switch).
  const std::uint64_t last_byte = (w_.bit_position() - 1) / 8;
  return static_cast<std::size_t>(last_byte + 1 - w_.bytes_taken());
}

std::size_t VideoEncoder::prologue() {
  const std::uint8_t bytes[] = {
      static_cast<std::uint8_t>(5 - settings_.bits_per_colour),  // p0: colour depth code
      settings_.cipher,                                          // p1: cipher
      settings_.licence,                                         // p2: licence bits
      settings_.capabilities,                                    // p3: capability flags
      to_byte(VideoCommand::session_header),                     // command
  };
  command(bytes);
  const std::size_t clear = clear_bytes_after_last_bit();
  bpc_ = settings_.bits_per_colour;
  caps_ = settings_.capabilities;
  need_mode_ = true;  // the depth may have changed: cached colours would be read differently
  frame_end();
  return clear;
}

void VideoEncoder::sync_preamble() {
  w_.align();                                      // padding: part of the zero run
  for (int i = 0; i < 5; ++i) w_.put(0, 8);        // 40 zero bits (>= 31 forces HUNT)
  w_.put(0b00000001, 8);                           // the 1 bit, in bit 7 of its byte
  // The decoder restarts: RESET empties the cache and homes the position (#zero-runs).
  cache_clear();
  x_ = y_ = 0;
  last_frame_end_ = -1;
  have_mode_ = false;
  need_mode_ = true;
  buffer_valid_ = false;
  client_valid_ = false;
}

std::error_code VideoEncoder::set_mode(int width, int height) {
  if (!size_ok(width, height)) return EncoderError::bad_screen_size;
  const int w = width / 16, h = height / 16, r = height % 16;
  w_.put(0b101100, 6);                         // START 1, MODE prefix 01100
  w_.put(static_cast<std::uint32_t>(w), 7);    // W: 16-pixel columns
  w_.put(static_cast<std::uint32_t>(h), 7);    // H: 16-pixel rows
  w_.put(static_cast<std::uint32_t>(r), 4);    // R: extra pixel rows
  width_ = width;
  height_ = height;
  mode_h_ = h;
  mode_r_ = r;
  x_ = y_ = 0;
  cache_clear();
  buffer_valid_ = false;
  client_valid_ = false;
  have_mode_ = true;
  need_mode_ = false;
  if (width == 0 || height == 0) {  // "no video": the client draws no blocks
    cols_ = rows_ = 0;
    sent_.clear();
    return {};
  }
  // #half-height-blocks, Java rule: 16x8 above 1616 pixels if announced, else the block height is
  // kept.
  if (width <= kHalfHeightAboveWidth)
    block_h_ = 16;
  else if (caps_ & kCapabilityHalfHeight)
    block_h_ = 8;
  cols_ = w;
  rows_ = (height + block_h_ - 1) / block_h_;
  sent_.assign(std::size_t(width) * std::size_t(height) * 3, 0);
  return {};
}

std::error_code VideoEncoder::paint_all(const Framebuffer& fb) {
  client_valid_ = false;
  return paint_changes(fb);
}

void VideoEncoder::frame_end() {
  // The FRAME_END's sixth bit completes in this byte; it must not be the one right after the
  // previous FRAME_END's (#frame-end).
  std::uint64_t done = (w_.bit_position() + 5) / 8;
  if (last_frame_end_ >= 0 && done == std::uint64_t(last_frame_end_) + 1) {
    column_filler();
    done = (w_.bit_position() + 5) / 8;
  }
  w_.put(0b101101, 6);  // START 1, FRAME_END prefix 01101
  w_.align();           // the decoder discards the rest of the byte
  last_frame_end_ = static_cast<std::int64_t>(done);
  ++stats_.frame_ends;
}

void VideoEncoder::end_burst() {
  invalidate();
  frame_end();
}

std::error_code VideoEncoder::restart(const Framebuffer& fb) {
  if (!size_ok(fb.width(), fb.height())) return EncoderError::bad_screen_size;
  sync_preamble();
  if (auto ec = set_mode(fb.width(), fb.height())) return ec;
  if (auto ec = paint_all(fb)) return ec;
  end_burst();
  return {};
}

std::error_code VideoEncoder::update(const Framebuffer& fb) {
  return update(fb, Rect{0, 0, fb.width(), fb.height()});
}

std::error_code VideoEncoder::update(const Framebuffer& fb, const Rect& changed_area) {
  if (!size_ok(fb.width(), fb.height())) return EncoderError::bad_screen_size;
  const std::uint64_t start = w_.bit_position();
  if (need_mode_ || !have_mode_ || fb.width() != width_ || fb.height() != height_) {
    if (auto ec = set_mode(fb.width(), fb.height())) return ec;
  }
  if (auto ec = paint_area(fb, changed_area)) return ec;
  if (w_.bit_position() != start) end_burst();
  return {};
}

// ---------------------------------------------------------------------------------------------
// In-band commands

void VideoEncoder::command(std::span<const std::uint8_t> bytes) {
  w_.put(0b10111, 5);  // START 1, command prefix 0111
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    w_.put(bytes[i], 8);                  // parameter, or the command number last
    w_.put_bit(i + 1 < bytes.size());     // continuation: 1 = another byte follows
  }
}

void VideoEncoder::power(bool on) {
  command0(on ? VideoCommand::power_on : VideoCommand::power_off);
  if (!on) screen_cleared();
}

void VideoEncoder::no_video() {
  command0(VideoCommand::no_video);
  screen_cleared();
}

void VideoEncoder::seized() {
  command0(VideoCommand::seized);
  screen_cleared();
}

void VideoEncoder::ping() { command0(VideoCommand::ping); }

void VideoEncoder::frame_rate(std::uint8_t value) {
  const std::uint8_t bytes[] = {value, to_byte(VideoCommand::frame_rate)};  // p0: rate
  command(bytes);
}

void VideoEncoder::invalidate() { command0(VideoCommand::invalidate); }

std::error_code VideoEncoder::text(std::uint8_t channel, std::string_view text) {
  if (text.size() > kMaxText || text.find('\0') != std::string_view::npos)
    return EncoderError::bad_text;
  command0(VideoCommand::text);
  w_.put(channel, 8);                                  // channel
  for (char c : text) w_.put(static_cast<std::uint8_t>(c), 8);  // characters, no continuation
  w_.put(0, 8);                                        // terminator
  if (channel == kTextChannelScreen) screen_cleared();  // it replaces the screen
  return {};
}

std::error_code VideoEncoder::set_bits_per_colour(int bits_per_colour) {
  if (bits_per_colour < 2 || bits_per_colour > 5) return EncoderError::bad_bits_per_colour;
  const std::uint8_t bytes[] = {static_cast<std::uint8_t>(5 - bits_per_colour),
                                to_byte(VideoCommand::colour_depth)};
  command(bytes);
  bpc_ = bits_per_colour;
  // Cached colours and the block buffer hold values of the old depth: start over with a MODE.
  need_mode_ = true;
  return {};
}

std::size_t VideoEncoder::select_cipher(std::uint8_t cipher) {
  const std::uint8_t bytes[] = {cipher, to_byte(VideoCommand::select_cipher)};  // p0: cipher
  command(bytes);
  return clear_bytes_after_last_bit();
}

// ---------------------------------------------------------------------------------------------
// Blocks

std::uint32_t VideoEncoder::quantise(const std::uint8_t* rgb) const noexcept {
  const auto m = static_cast<std::uint32_t>((0xFF << (8 - bpc_)) & 0xFF);
  return (rgb[0] & m) << 16 | (rgb[1] & m) << 8 | (rgb[2] & m);
}

bool VideoEncoder::zero_run_ok(std::uint32_t leading_zeros) const noexcept {
  return w_.trailing_zeros() + leading_zeros <= kZeroRunBeforeField;
}

void VideoEncoder::load_block(const Framebuffer& fb, int bx, int by, Block& out) const {
  const int py0 = by * block_h_;
  const int ph = std::min(block_h_, height_ - py0);
  const std::size_t stride = fb.stride();
  const std::uint8_t* base = fb.pixels().data() + std::size_t(py0) * stride + std::size_t(bx) * 48;
  std::size_t i = 0;
  for (int r = 0; r < ph; ++r) {
    const std::uint8_t* p = base + std::size_t(r) * stride;
    for (int c = 0; c < 16; ++c) out[i++] = quantise(p + c * 3);
  }
  // Rows below the screen are never shown: extend the last visible pixel's run over them.
  const std::size_t total = std::size_t(16) * std::size_t(block_h_);
  const std::uint32_t last = out[i - 1];
  for (; i < total; ++i) out[i] = last;
}

bool VideoEncoder::block_changed(const Framebuffer& fb, int bx, int by) const {
  const int py0 = by * block_h_;
  const int ph = std::min(block_h_, height_ - py0);
  const std::size_t stride = fb.stride();
  const std::size_t off = std::size_t(py0) * stride + std::size_t(bx) * 48;
  const std::uint8_t* now = fb.pixels().data() + off;
  const std::uint8_t* was = sent_.data() + off;
  for (int r = 0; r < ph; ++r) {
    const std::size_t ro = std::size_t(r) * stride;
    if (std::memcmp(now + ro, was + ro, 48) == 0) continue;
    for (int c = 0; c < 48; c += 3)
      if (quantise(now + ro + c) != quantise(was + ro + c)) return true;
  }
  return false;
}

std::error_code VideoEncoder::paint_changes(const Framebuffer& fb) {
  return paint_area(fb, Rect{0, 0, fb.width(), fb.height()});
}

std::error_code VideoEncoder::paint_changes(const Framebuffer& fb, const Rect& changed_area) {
  return paint_area(fb, changed_area);
}

std::error_code VideoEncoder::paint_area(const Framebuffer& fb, const Rect& area) {
  if (!have_mode_ || need_mode_ || fb.width() != width_ || fb.height() != height_)
    return EncoderError::no_mode;
  if (cols_ == 0 || rows_ == 0) {
    client_valid_ = true;
    return {};
  }
  // The blocks to look at: those meeting the area, or all when the client's picture is not
  // known. Only these are compared, sent and recorded as sent.
  int bx0 = 0, bx1 = cols_, by0 = 0, by1 = rows_;
  if (client_valid_) {
    const int x0 = std::max(area.x, 0), y0 = std::max(area.y, 0);
    const int x1 = std::min(area.x + std::max(area.width, 0), width_);
    const int y1 = std::min(area.y + std::max(area.height, 0), height_);
    if (x1 <= x0 || y1 <= y0) return {};
    bx0 = x0 / 16;
    bx1 = (x1 + 15) / 16;
    by0 = y0 / block_h_;
    by1 = (y1 + block_h_ - 1) / block_h_;
  }
  const std::size_t stride = fb.stride();
  const std::uint8_t* pixels = fb.pixels().data();
  const std::size_t span_off = std::size_t(bx0) * 48, span_len = std::size_t(bx1 - bx0) * 48;
  std::vector<bool> changed(static_cast<std::size_t>(cols_));
  Block cur, next;
  for (int by = by0; by < by1; ++by) {
    const int py0 = by * block_h_;
    const int ph = std::min(block_h_, height_ - py0);
    const std::size_t visible = std::size_t(16) * std::size_t(ph);
    const std::size_t strip = std::size_t(py0) * stride + span_off;
    auto strip_same = [&] {
      for (int r = 0; r < ph; ++r) {
        const std::size_t o = strip + std::size_t(r) * stride;
        if (std::memcmp(pixels + o, sent_.data() + o, span_len) != 0) return false;
      }
      return true;
    };
    if (client_valid_ && strip_same()) {
      stats_.blocks_skipped += std::uint64_t(bx1 - bx0);
      continue;
    }
    for (int bx = 0; bx < cols_; ++bx)
      changed[std::size_t(bx)] =
          bx >= bx0 && bx < bx1 && (!client_valid_ || block_changed(fb, bx, by));
    auto same_as_buffer = [&](const Block& b) {
      return buffer_valid_ && std::equal(b.begin(), b.begin() + std::ptrdiff_t(visible),
                                         buffer_.begin());
    };
    // Repeats the client's block buffer from column bx over the following blocks that look
    // the same, unchanged ones included, up to the last changed one. Returns the count drawn.
    auto repeat_from = [&](int bx) {
      int count = 0, useful = 0;
      while (bx + count < cols_) {
        load_block(fb, bx + count, by, next);
        if (!same_as_buffer(next)) break;
        ++count;
        if (changed[std::size_t(bx + count - 1)]) useful = count;
      }
      if (useful > 0) {
        move_to(bx, by);
        emit_repeat(useful);
      }
      return useful;
    };
    int bx = bx0;
    while (bx < bx1) {
      if (!changed[std::size_t(bx)]) {
        // Right where the client stands, drawing lookalikes costs less than skipping them.
        if (bx == x_ && by == y_ && buffer_valid_) {
          if (const int drawn = repeat_from(bx)) {
            bx += drawn;
            continue;
          }
        }
        ++stats_.blocks_skipped;
        ++bx;
        continue;
      }
      load_block(fb, bx, by, cur);
      if (same_as_buffer(cur)) {
        bx += repeat_from(bx);
        continue;
      }
      move_to(bx, by);
      emit_block(cur);
      ++bx;
    }
    for (int r = 0; r < ph; ++r) {
      const std::size_t o = strip + std::size_t(r) * stride;
      std::memcpy(sent_.data() + o, pixels + o, span_len);
    }
  }
  client_valid_ = true;
  return {};
}

void VideoEncoder::move_to(int bx, int by) {
  const int cb = coord_bits();
  if (by != y_ || bx < x_) {
    w_.put(0b11, 2);                                // START 1, POS prefix 1
    w_.put(static_cast<std::uint32_t>(bx), cb);     // x
    w_.put(static_cast<std::uint32_t>(by), cb);     // y
    y_ = by;
  } else if (bx - x_ > 8) {
    w_.put(0b1001, 4);                              // START 1, XABS prefix 001
    w_.put(static_cast<std::uint32_t>(bx), cb);     // x
  } else if (bx > x_) {
    w_.put(0b1000, 4);                              // START 1, XSKIP prefix 000
    w_.put(static_cast<std::uint32_t>(bx - x_ - 1), 3);  // skip count - 1
  }
  x_ = bx;
}

void VideoEncoder::column_filler() {
  w_.put(0b1001, 4);                                     // START 1, XABS prefix 001
  w_.put(static_cast<std::uint32_t>(x_), coord_bits());  // the current column: a no-op
}

void VideoEncoder::emit_block(const Block& pixels) {
  if (!zero_run_ok(1)) {  // #zero-run-safety: the START 0 would extend a long zero run
    column_filler();
    ++stats_.zero_run_fixes;
  }
  w_.put(0, 1);  // START 0: a block of pixels follows
  const int total = 16 * block_h_;
  int i = 0;
  while (i < total) {
    const std::uint32_t colour = pixels[std::size_t(i)];
    int run = 1;
    while (i + run < total && pixels[std::size_t(i + run)] == colour) ++run;
    emit_colour(colour);
    emit_run(run);
    i += run;
  }
  cache_prune();  // #pruning: the block completed through painting
  buffer_ = pixels;
  // Java blanks part of the buffer of a block painted at y == H when R > 0 (#emitting-blocks):
  // its buffer then differs from ours, so do not repeat it.
  buffer_valid_ = !(mode_r_ > 0 && y_ == mode_h_);
  if (x_ < cols_) ++x_;
  ++stats_.blocks_painted;
}

void VideoEncoder::emit_colour(std::uint32_t colour) {
  int rank = -1;
  for (int r = 0; r < n_; ++r)
    if (cache_[std::size_t(r)] == colour) {
      rank = r;
      break;
    }
  if (rank >= 0) {
    if (n_ == 1 || rank == 1) {
      w_.put(0b1, 1);  // PIX 1: cache rank 1 (the only entry when n = 1)
    } else {
      w_.put(0b01, 2);  // PIX 0, NEW_OR_CODE 1: indexed colour
      const int k = code_bits(n_);
      w_.put(rank == 0 ? 0U : static_cast<std::uint32_t>(rank - 1), k);  // code: rank-1, 0 = rank 0
    }
    cache_touch(rank);
    return;
  }
  const int shift = 8 - bpc_;
  const auto red = (colour >> 16 & 0xFF) >> shift, green = (colour >> 8 & 0xFF) >> shift,
             blue = (colour & 0xFF) >> shift;
  if (red == green && green == blue) {
    // Grey literal 000 + value: its leading zeros are 3 plus the value's.
    const auto lead = static_cast<std::uint32_t>(3 + bpc_ - std::bit_width(red));
    if (zero_run_ok(lead)) {
      w_.put(0b000, 3);                      // PIX 0, NEW_OR_CODE 0, NEWCOL 0: grey
      w_.put(red, bpc_);                     // value
      cache_add(colour);
      return;
    }
    ++stats_.zero_run_fixes;  // #zero-run-safety: the grey as an RGB literal (2 leading zeros)
  }
  w_.put(0b001, 3);  // PIX 0, NEW_OR_CODE 0, NEWCOL 1: RGB
  w_.put(red, bpc_);
  w_.put(green, bpc_);
  w_.put(blue, bpc_);
  cache_add(colour);
}

void VideoEncoder::emit_run(int length) {
  const auto l = static_cast<std::uint32_t>(length);
  if (length == 1) {
    if (zero_run_ok(1)) {
      w_.put(0b0, 1);  // no repeat
    } else {
      w_.put(0b11111, 5);  // #zero-run-safety: run of 1, general form: 11 111 + (L-1)
      w_.put(0, 8);
      ++stats_.zero_run_fixes;
    }
  } else if (length == 2) {
    w_.put(0b10, 2);                           // one more pixel
  } else if (length <= 8) {
    w_.put(0b11000 | (l - 3), 5);              // 11 + (L-3) in 3 bits
  } else if (length <= 16) {
    w_.put(0b11110000 | (l - 9), 8);           // 11 110 + (L-9) in 3 bits
  } else {
    w_.put(0b11111, 5);                        // 11 111 + (L-1) in 8 bits
    w_.put(l - 1, 8);
  }
}

void VideoEncoder::emit_repeat(int count) {
  const auto n = static_cast<std::uint32_t>(count);
  if (count == 1) {
    w_.put(0b10100, 5);                        // START 1, BDUP prefix 0100
  } else if (count <= 9) {
    w_.put(0b101010, 6);                       // START 1, BREP3 prefix 01010
    w_.put(n - 2, 3);                          // count - 2
  } else {
    w_.put(0b101011, 6);                       // START 1, BREPN prefix 01011
    w_.put(n, coord_bits());                   // count
  }
  x_ = std::min(x_ + count, cols_);
  stats_.blocks_repeated += n;
}

// ---------------------------------------------------------------------------------------------
// Colour cache model (#colour-cache), kept in rank order: cache_[r] has rank r.

void VideoEncoder::cache_touch(int rank) {
  const std::uint32_t c = cache_[std::size_t(rank)];
  std::copy_backward(cache_.begin(), cache_.begin() + rank, cache_.begin() + rank + 1);
  cache_[0] = c;
  if (rank >= used_) ++used_;
}

void VideoEncoder::cache_add(std::uint32_t colour) {
  // n < 17: append with rank n, then touch; n = 17: overwrite rank 16, then touch.
  const int keep = std::min(n_, 16);
  std::copy_backward(cache_.begin(), cache_.begin() + keep, cache_.begin() + keep + 1);
  cache_[0] = colour;
  if (n_ < 17) ++n_;
  used_ = std::min(used_ + 1, 17);
}

void VideoEncoder::cache_prune() {
  // Used entries hold ranks 0..used_-1; the rest are deleted and the flags cleared.
  n_ = used_;
  used_ = 0;
}

}  // namespace ilo::rc
