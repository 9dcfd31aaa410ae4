// The DVC video decoder's state machine (rc-video.md §2-§10): zero-run detection and resync
// on raw bytes, the 48-state bit decoder with a fast path for whole pixel runs, in-band
// commands and the fatal-error path. Bits come from BitReader, colours from ColourCache,
// pixels go through BlockWriter; decryption and I/O belong to the transport.
#include "rc/video_decoder.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <string>
#include <utility>

#include "rc/bit_reader.hpp"
#include "rc/block_writer.hpp"
#include "rc/colour_cache.hpp"

namespace ilo::rc {
namespace {

// State numbers are the Java client's (rc-video.md §3); the names are the spec's.
enum St : std::uint8_t {
  kReset = 0, kStart = 1, kPix = 2, kRank1 = 3, kRank0 = 4, kCode1 = 5, kCode2 = 6,
  kCode3 = 7, kGrey = 8, kRed = 9, kRepeat = 10, kRepeat1 = 11, kRun3 = 12, kRun3b = 13,
  kRun8 = 14, kCmd = 15, kCmd0 = 16, kPosX = 17, kExt = 18, kXmove = 19, kXskip = 20,
  kXabs = 21, kBrep = 22, kExt1 = 23, kCmdByte = 24, kExt2 = 25, kModeW = 26, kFrameEnd = 27,
  kBrep1 = 28, kBrep3 = 29, kBrepN = 30, kNewOrCode = 31, kCode4 = 32, kDup1 = 33, kBdup = 34,
  kUnused35 = 35, kNewCol = 36, kExit = 37, kFatal = 38, kPosY = 39, kModeH = 40, kGreen = 41,
  kBlue = 42, kHunt = 43, kStrChan = 44, kStrChar = 45, kCmdMore = 46, kModeC = 47,
  kStateCount = 48
};

// Bits read on entry to each state with bpc = 5 and 16-row blocks; the bpc and coordinate
// entries are patched by set_bpc() and set_block_rows(), as the Java client does.
constexpr std::array<std::uint8_t, kStateCount> kInitialBits = {
    0, 1, 1, 1, 1, 1, 2, 3, 5, 5,  // 0-9
    1, 1, 3, 3, 8, 1, 1, 7, 1, 1,  // 10-19
    3, 7, 1, 1, 8, 1, 7, 0, 1, 3,  // 20-29
    7, 1, 4, 0, 0, 0, 1, 0, 1, 7,  // 30-39
    7, 5, 5, 1, 8, 8, 1, 4,        // 40-47
};

// Zero-run detector tables (§9.1): zeros before a byte's first 1 bit in stream order (the
// lowest set bit; 8 for a zero byte) and zeros after its last 1 bit.
constexpr std::array<std::uint8_t, 256> kLeadZeros = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned b = 0; b < 256; ++b)
    t[b] = static_cast<std::uint8_t>(std::countr_zero(static_cast<std::uint8_t>(b)));
  return t;
}();
constexpr std::array<std::uint8_t, 256> kTailZeros = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned b = 1; b < 256; ++b)
    t[b] = static_cast<std::uint8_t>(std::countl_zero(static_cast<std::uint8_t>(b)));
  return t;
}();
constexpr unsigned kZeroRunLimit = 30;  // more than this many zero bits force HUNT

// Fatal-state bit counts at which the Java client sends a refresh request (§9.2), expressed
// as the count before the bit is consumed; the last one also sets the count back to 41.
constexpr std::array<std::uint32_t, 4> kRefreshAt = {40, 11680, 119999, 11999999};
constexpr std::uint32_t kFatalWrapTo = 41;

constexpr std::size_t kMaxParams = 24;        // parameters kept per in-band command
constexpr std::size_t kMaxTextLength = 1024;  // longer strings are truncated
constexpr int kHalfHeightAbove = 1616;      // §6.1: 16x8 blocks when wider than this
constexpr std::uint8_t kHalfHeightCapable = 0x08;

// Run suffix table for the fast path (§4.3), indexed by the next 8 bits after a colour code:
// bits used (0 = needs the 13-bit form) and extra pixels after the first.
struct RunCode {
  std::uint8_t bits;
  std::uint8_t extra;
};
constexpr std::array<RunCode, 256> kRunCodes = [] {
  std::array<RunCode, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    if ((v & 0x80) == 0) {
      t[v] = {1, 0};  // 0: no repeat
    } else if ((v & 0x40) == 0) {
      t[v] = {2, 1};  // 10: one more
    } else {
      const unsigned c = (v >> 3) & 7;
      if (c <= 5) t[v] = {5, static_cast<std::uint8_t>(c + 2)};             // 11 ccc
      else if (c == 6) t[v] = {8, static_cast<std::uint8_t>((v & 7) + 8)};  // 11 110 ccc
      else t[v] = {0, 0};                                                   // 11 111 + 8 bits
    }
  }
  return t;
}();

}  // namespace

struct VideoDecoder::State {
  State(Framebuffer& f, VideoSink& s) : fb(f), sink(s) {
    set_block_rows(16);
    reset();
  }

  Framebuffer& fb;
  VideoSink& sink;

  // Bit decoder.
  BitReader bits;
  St state = kStart;
  std::array<std::uint8_t, kStateCount> bits_for = kInitialBits;
  unsigned bpc = 5;
  int block_rows = 16;

  // Screen and position (§2).
  int size_x = 0, size_y = 0;
  int extra_rows = 0;  // kept for the record: only Java's bottom-row blanking (§7) used it
  int screen_w = 0, screen_h = 0;
  bool video = false;
  int x = 0, y = 0, new_x = 0;
  std::uint8_t capabilities = 0;

  // Pixels.
  BlockWriter block;
  ColourCache cache;
  std::uint32_t last_colour = 0;  // RGB888
  std::uint32_t red = 0, green = 0;

  // In-band commands and strings.
  std::array<std::uint8_t, kMaxParams> params{};  // stale values survive, as in Java
  std::size_t cmd_bytes = 0;
  std::uint8_t cmd_last = 0;
  std::uint8_t text_channel = 0;
  std::string text;

  // Errors and resynchronisation.
  std::uint32_t fatal_count = 0;
  std::uint64_t byte_index = 0;  // bytes taken so far (absolute)
  std::uint64_t frame_end_byte = 0;
  bool frame_end_valid = false;
  unsigned zero_run = 0;

  // Cipher switch (§10.1): set when command 12/13 completes.
  bool stop = false;
  std::uint8_t stop_cipher = 0;

  // Area drawn since the last flush to fb.mark() (one union per feed instead of per block).
  int dirty_x0 = 0, dirty_y0 = 0, dirty_x1 = 0, dirty_y1 = 0;
  bool dirty = false;

  DecoderStats stats;

  void flush_dirty() {
    if (!dirty) return;
    fb.mark({dirty_x0, dirty_y0, dirty_x1 - dirty_x0, dirty_y1 - dirty_y0});
    dirty = false;
  }

  template <typename E>
  void event(E&& e) {
    flush_dirty();  // consumers may look at the framebuffer from the event
    sink.on_video_event(VideoEvent{std::forward<E>(e)});
  }

  // ---- state resets --------------------------------------------------------------------

  // RESET (state 0).
  void reset() {
    cache.clear();
    block.abandon();
    x = y = 0;
    red = green = 0;
    fatal_count = 0;
    frame_end_valid = false;
    cmd_bytes = 0;
  }

  void set_bpc(std::uint8_t p) {
    bpc = 5 - (p & 3u);
    bits_for[kGrey] = bits_for[kRed] = bits_for[kGreen] = bits_for[kBlue] =
        static_cast<std::uint8_t>(bpc);
    cache.remap(bpc);
  }

  void set_block_rows(int rows) {
    block_rows = rows;
    block.set_rows(rows);
    const std::uint8_t coord = rows == 8 ? 8 : 7;
    bits_for[kPosX] = bits_for[kPosY] = bits_for[kXabs] = bits_for[kBrepN] = coord;
  }

  // ---- errors --------------------------------------------------------------------------

  St fatal(const char* reason) {
    ++stats.errors;
    event(DecodeError{reason});
    return kFatal;
  }

  void refresh() {
    ++stats.refresh_requests;
    event(RefreshRequest{});
  }

  // Consumes m bits in the fatal state, sending refresh requests where Java does.
  void fatal_bits(std::uint64_t m) {
    while (m > 0) {
      std::uint32_t at = 0;
      for (std::uint32_t t : kRefreshAt)
        if (t >= fatal_count) {
          at = t;
          break;
        }
      const std::uint64_t to_event = std::uint64_t{at} - fatal_count + 1;  // bits up to it
      if (m < to_event) {
        fatal_count += static_cast<std::uint32_t>(m);
        return;
      }
      m -= to_event;
      refresh();
      fatal_count = at == kRefreshAt.back() ? kFatalWrapTo : at + 1;
    }
  }

  // ---- pixels --------------------------------------------------------------------------

  // Paints n pixels of last_colour; successor on success is `next`.
  St paint(unsigned n, St next) {
    if (!block.paint(last_colour, n)) return fatal("block overflow");
    return next;
  }

  St indexed(int rank, St next) {
    if (cache.size() == 1) rank = 0;
    std::uint32_t c;
    if (!cache.lookup(rank, c)) return fatal("colour cache miss");
    last_colour = c;
    return paint(1, next);
  }

  St literal(std::uint32_t packed) {
    const std::uint32_t c = display_colour(packed, bpc);
    if (!cache.add(packed, c)) return fatal("literal colour already cached");
    last_colour = c;
    return paint(1, kRepeat);
  }

  St pixcode_state() {
    switch (cache.code_bits()) {
      case 0: return kRank0;
      case 1: return kCode1;
      case 2: return kCode2;
      case 3: return kCode3;
      case 4: return kCode4;
      default: return fatal("indexed colour with fewer than two cached");
    }
  }

  // A painted block is complete (§3 step 4): draw it once and prune the cache.
  St complete_block() {
    block.complete();
    const St next = emit(1);
    cache.prune();
    return next;
  }

  // Emits the block buffer n times (§7) and returns START.
  St emit(unsigned n) {
    block.abandon();  // no-op: repeats only happen at START, with nothing painted
    for (; n != 0; --n) {
      ++stats.blocks;
      if (video) {
        const Rect r = block.draw(fb, 16 * x, block_rows * y, screen_h);
        if (!r.empty()) {
          if (!dirty) {
            dirty_x0 = r.x, dirty_y0 = r.y, dirty_x1 = r.x + r.width, dirty_y1 = r.y + r.height;
            dirty = true;
          } else {
            dirty_x0 = std::min(dirty_x0, r.x);
            dirty_y0 = std::min(dirty_y0, r.y);
            dirty_x1 = std::max(dirty_x1, r.x + r.width);
            dirty_y1 = std::max(dirty_y1, r.y + r.height);
          }
        }
      }
      ++x;
      if (x >= size_x) break;
    }
    return kStart;
  }

  int mask_coord(int v) const { return block_rows == 16 ? (v & 127) : v; }

  // ---- commands ------------------------------------------------------------------------

  St frame_end() {
    // The byte holding the bit just consumed: all later loaded bytes are whole in `bits`.
    const std::uint64_t current = byte_index - (bits.count() >> 3) - 1;
    const bool adjacent = frame_end_valid && frame_end_byte + 1 == current;
    bits.align_to_byte();
    frame_end_byte = current;
    frame_end_valid = true;
    if (adjacent) return fatal("two FRAME_ENDs in adjacent bytes");
    ++stats.frames;
    event(FrameEnd{});
    return kStart;
  }

  void apply_mode(int remainder) {
    flush_dirty();
    x = y = 0;
    block.abandon();
    cache.clear();
    extra_rows = remainder;
    screen_w = 16 * size_x;
    screen_h = 16 * size_y + remainder;
    video = screen_w != 0 && screen_h != 0;
    if (!video) {
      fb.resize(0, 0);
    } else {
      // A screen that does not fit the caller's storage is not drawn at all (rather than
      // into a framebuffer of another layout); the ScreenMode event still reports it.
      if (!fb.resize(screen_w, screen_h)) fb.resize(0, 0);
      if (screen_w > kHalfHeightAbove) {
        if (capabilities & kHalfHeightCapable) set_block_rows(8);
        // else: Java keeps its block height (and warns once).
      } else {
        set_block_rows(16);
      }
    }
    event(ScreenMode{screen_w, screen_h, block_rows});
  }

  St execute() {
    const std::uint8_t cmd = cmd_last;
    const std::uint8_t p0 = params[0], p1 = params[1], p2 = params[2], p3 = params[3];
    cmd_bytes = 0;
    switch (cmd) {
      case 1:  // EXIT (§9.3): fatal with a fresh count and an immediate refresh request
        fatal_count = 0;
        fatal("EXIT command");
        refresh();
        return kFatal;
      case 2: return kStrChan;
      case 3: event(FrameRate{p0}); break;
      case 4: event(PowerState{true}); break;
      case 5:
        flush_dirty();
        fb.clear();
        event(PowerState{false});
        break;
      case 6:
        flush_dirty();
        fb.clear();
        event(NoVideo{});
        break;
      case 7: event(TerminalServices{p0}); break;
      case 9:
        bits.align_to_byte();
        event(KeyChange{});
        break;
      case 10:
        flush_dirty();
        fb.clear();
        event(Seized{});
        break;
      case 11:
        set_bpc(p0);
        event(ColourDepth{int(bpc)});
        break;
      case 12:
        event(CipherSelected{p0});
        stop = true;
        stop_cipher = p0;
        break;
      case 13:
        set_bpc(p0);
        capabilities = p3;
        event(SessionHeader{int(bpc), p1, p2, p3});
        event(CipherSelected{p1});
        stop = true;
        stop_cipher = p1;
        break;
      case 16: event(Ping{}); break;
      case 128: event(Invalidate{}); break;
      default: event(UnknownCommand{cmd}); break;
    }
    return kStart;
  }

  // ---- the bit-level state machine -----------------------------------------------------

  // One state step (§3): bits_for[state] bits are available.
  void step() {
    const std::uint32_t v = bits.read(bits_for[state]);
    St next = kStart;
    switch (state) {
      case kStart: next = v ? kCmd : kPix; break;
      case kPix: next = v ? kRank1 : kNewOrCode; break;
      case kRank1: next = indexed(1, v ? kRepeat1 : kPix); break;
      case kRank0: next = indexed(0, v ? kRepeat1 : kPix); break;
      case kCode1:
      case kCode2:
      case kCode3:
      case kCode4: next = indexed(v ? int(v) + 1 : 0, kRepeat); break;
      case kGrey: next = literal(v << (2 * bpc) | v << bpc | v); break;
      case kRed: red = v; next = kGreen; break;
      case kGreen: green = v; next = kBlue; break;
      case kBlue: next = literal(red << (2 * bpc) | green << bpc | v); break;
      case kRepeat: next = v ? kRepeat1 : kPix; break;
      case kRepeat1: next = v ? kRun3 : paint(1, kPix); break;  // 0: DUP1 (33)
      case kRun3: next = v == 7 ? kRun8 : v == 6 ? kRun3b : paint(v + 2, kPix); break;
      case kRun3b: next = paint(v + 8, kPix); break;
      case kRun8: next = paint(v, kPix); break;
      case kNewOrCode: next = v ? pixcode_state() : kNewCol; break;
      case kNewCol: next = v ? kRed : kGrey; break;
      case kCmd: next = v ? kPosX : kCmd0; break;
      case kCmd0: next = v ? kExt : kXmove; break;
      case kPosX:
        new_x = int(v) > size_x ? 0 : int(v);
        next = kPosY;
        break;
      case kPosY:
        x = new_x;
        y = mask_coord(int(v));
        break;
      case kExt: next = v ? kExt1 : kBrep; break;
      case kXmove: next = v ? kXabs : kXskip; break;
      case kXskip: x = mask_coord(x + int(v) + 1); break;
      case kXabs: x = mask_coord(int(v)); break;
      case kBrep: next = v ? kBrep1 : emit(1); break;  // 0: BDUP (34)
      case kBrep1: next = v ? kBrepN : kBrep3; break;
      case kBrep3: next = emit(v + 2); break;
      case kBrepN: next = emit(v); break;
      case kExt1: next = v ? kCmdByte : kExt2; break;
      case kExt2: next = v ? frame_end() : kModeW; break;
      case kModeW:
        new_x = int(v);
        next = kModeH;
        break;
      case kModeH:
        size_x = new_x;
        size_y = int(v);
        next = kModeC;
        break;
      case kModeC: apply_mode(int(v)); break;
      case kCmdByte:
        if (cmd_bytes != 0 && cmd_bytes - 1 < kMaxParams) params[cmd_bytes - 1] = cmd_last;
        if (cmd_bytes <= kMaxParams) ++cmd_bytes;
        cmd_last = static_cast<std::uint8_t>(v);
        next = kCmdMore;
        break;
      case kCmdMore: next = v ? kCmdByte : execute(); break;
      case kStrChan:
        text_channel = static_cast<std::uint8_t>(v);
        text.clear();
        next = kStrChar;
        break;
      case kStrChar:
        if (v != 0) {
          if (text.size() < kMaxTextLength) text.push_back(static_cast<char>(v));
          next = kStrChar;
        } else {
          event(Text{text_channel, text});
        }
        break;
      default:  // not reachable: 0-bit states are folded into their predecessors
        next = fatal("unreachable decoder state");
        break;
    }
    // Block completion (§3 step 4).
    if (next == kPix && block.full()) next = complete_block();
    state = next;
  }

  // Fast path for PIX (state 2) with at least 32 bits held in br: one colour code and its run
  // suffix (§4.3, §5.3) in one step, straight to the next PIX or, when the block is full, to
  // START. Anything the state machine would turn into an error (miss, duplicate literal,
  // overflow) or a special case of the cache is left to step(): nothing is consumed then.
  bool fast_pixel(BitReader& br, St& st) {
    const std::uint32_t w = br.peek(32);
    const int n = cache.size();
    if (w & 0x80000000u) {  // 1: rank 1 (rank 0 when a single colour is cached)
      if (n == 0) return false;
      const int rank = n == 1 ? 0 : 1;
      const RunCode rc = kRunCodes[(w >> 23) & 0xFF];
      const unsigned total = rc.bits ? 1u + rc.extra : 1u + ((w >> 18) & 0xFF);
      const unsigned used = 1 + (rc.bits ? rc.bits : 13u);
      if (total > block.capacity() - block.count()) return false;
      last_colour = cache.display_at(rank);
      cache.touch(rank);
      return finish_run(br, st, total, used);
    }
    unsigned used;
    int rank = -1;
    std::uint32_t packed = 0;
    if (w & 0x40000000u) {  // 01 + k-bit code
      const int k = cache.code_bits();
      if (k < 0 || n <= 1) return false;
      const std::uint32_t code = k ? (w << 2) >> (32 - k) : 0;
      rank = code ? int(code) + 1 : 0;
      if (rank >= n) return false;
      used = 2 + unsigned(k);
    } else if (w & 0x20000000u) {  // 001 + R G B
      const unsigned drop = 32 - bpc;
      const std::uint32_t r = (w << 3) >> drop;
      const std::uint32_t g = (w << (3 + bpc)) >> drop;
      const std::uint32_t b = (w << (3 + 2 * bpc)) >> drop;
      packed = r << (2 * bpc) | g << bpc | b;
      used = 3 + 3 * bpc;
    } else {  // 000 + grey level
      const std::uint32_t v = (w << 3) >> (32 - bpc);
      packed = v << (2 * bpc) | v << bpc | v;
      used = 3 + bpc;
    }
    if (rank < 0 && cache.find(packed) >= 0) return false;
    const RunCode rc = kRunCodes[(w << used) >> 24];
    const unsigned total = rc.bits ? 1u + rc.extra : 1u + ((w << (used + 5)) >> 24);
    used += rc.bits ? rc.bits : 13u;
    if (total > block.capacity() - block.count()) return false;
    if (rank >= 0) {
      last_colour = cache.display_at(rank);
      cache.touch(rank);
    } else {
      last_colour = display_colour(packed, bpc);
      cache.add(packed, last_colour);
    }
    return finish_run(br, st, total, used);
  }

  // Paints a run that fits (checked), consumes its bits (at most 31) and completes the block.
  bool finish_run(BitReader& br, St& st, unsigned total, unsigned used) {
    block.paint(last_colour, total);
    br.drop(used);
    if (block.full()) st = complete_block();
    return true;
  }

  // Decodes from data while not fatal/hunting. Returns the bytes taken. Stops early at a
  // byte whose zero run forces HUNT (not taken), or right after a cipher switch byte.
  // The bit reader, zero-run counter and state are kept in locals in the hot loop (stores into
  // the pixel buffers would otherwise force them to be reloaded) and synced around step().
  std::size_t decode(const std::uint8_t* data, std::size_t n) {
    const std::uint8_t* p = data;
    const std::uint8_t* end = data + n;
    bool hunt_pending = false;
    bool gave_back = false;
    BitReader br = bits;
    const unsigned zero_run_at_entry = zero_run;
    unsigned zr = zero_run;
    std::uint64_t index = byte_index;
    St st = state;
    for (;;) {
      if (br.count() < 32) {
        while (p < end && br.has_room_for_byte()) {
          const std::uint8_t b = *p;
          const unsigned run = zr + kLeadZeros[b];
          if (run > kZeroRunLimit) {
            hunt_pending = true;
            end = p;
            break;
          }
          zr = b ? kTailZeros[b] : run;
          ++index;
          ++p;
          br.push(b);
        }
      }
      if (br.count() >= 32) {
        if (st == kPix) {
          if (fast_pixel(br, st)) continue;
        } else if (st == kStart && br.peek(1) == 0) {  // a block follows
          br.drop(1);
          st = kPix;  // START never sees a full block, so no completion check
          continue;
        }
      }
      if (br.count() < bits_for[st]) break;
      bits = br;
      zero_run = zr;
      byte_index = index;
      state = st;
      step();
      if (stop && !gave_back) {
        // Command 12/13 completed: give back the bytes loaded after the one holding its last
        // bit; they are still encrypted and the caller feeds them again, decrypted.
        const unsigned later = bits.count() >> 3;
        bits.keep_first(bits.count() & 7u);
        p -= later;
        byte_index -= later;
        zero_run = zero_run_after(data, p, zero_run_at_entry);
        end = p;
        hunt_pending = false;
        gave_back = true;
      }
      if (state == kFatal) {
        fatal_bits(bits.count());
        bits.clear();
        return std::size_t(p - data);
      }
      br = bits;
      zr = zero_run;
      index = byte_index;
      st = state;
    }
    bits = br;
    zero_run = zr;
    byte_index = index;
    state = st;
    if (hunt_pending) {
      // The held bits are part of the zero run: HUNT would consume them.
      state = kHunt;
      bits.clear();
    }
    return std::size_t(p - data);
  }

  // The zero-run counter after byte p[-1], recomputed from the bytes taken in this call
  // (first = where it started, with counter at_first before it). Used only when a cipher
  // switch gives bytes back; none of these bytes fired the rule, so the count stays <= 30.
  static unsigned zero_run_after(const std::uint8_t* first, const std::uint8_t* p,
                                 unsigned at_first) {
    unsigned zeros = 0;
    while (p > first && p[-1] == 0) {
      zeros += 8;
      --p;
    }
    return (p > first ? kTailZeros[p[-1]] : at_first) + zeros;
  }

  // Whole bytes in the fatal state: only the zero-run rule can leave it.
  std::size_t fatal_bytes(const std::uint8_t* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t b = data[i];
      const unsigned run = zero_run + kLeadZeros[b];
      if (run > kZeroRunLimit) {
        state = kHunt;
        return i;
      }
      zero_run = b ? kTailZeros[b] : run;
      ++byte_index;
      fatal_bits(8);
    }
    return n;
  }

  // HUNT (§9.1): the first byte with a 1 bit ends it; the rest of that byte is discarded.
  std::size_t hunt(const std::uint8_t* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t b = data[i];
      zero_run = std::min(zero_run + kLeadZeros[b], 1024u);  // > 30 is all that matters
      ++byte_index;
      if (b != 0) {
        bits.clear();
        zero_run = 0;
        reset();
        state = kStart;
        ++stats.resyncs;
        event(Resync{});
        return i + 1;
      }
    }
    return n;
  }

  FeedResult feed(std::span<const std::uint8_t> in) {
    FeedResult r;
    stop = false;
    std::size_t i = 0;
    while (i < in.size() && !stop) {
      const std::uint8_t* p = in.data() + i;
      const std::size_t n = in.size() - i;
      if (state == kHunt) i += hunt(p, n);
      else if (state == kFatal) i += fatal_bytes(p, n);
      else i += decode(p, n);
    }
    flush_dirty();
    r.consumed = i;
    r.cipher_changed = stop;
    r.cipher = stop ? stop_cipher : 0;
    stats.bytes += i;
    return r;
  }
};

VideoDecoder::VideoDecoder(Framebuffer& framebuffer, VideoSink& sink)
    : s_(new State(framebuffer, sink)) {}

VideoDecoder::~VideoDecoder() { delete s_; }

FeedResult VideoDecoder::feed(std::span<const std::uint8_t> clear) { return s_->feed(clear); }

DecoderHealth VideoDecoder::health() const noexcept {
  if (s_->state == kFatal) return DecoderHealth::fatal;
  if (s_->state == kHunt) return DecoderHealth::hunting;
  return DecoderHealth::healthy;
}

const DecoderStats& VideoDecoder::stats() const noexcept { return s_->stats; }

int VideoDecoder::bits_per_colour() const noexcept { return int(s_->bpc); }

}  // namespace ilo::rc
