// The DVC video decoder's state machine (docs/rc-video.md): zero-run detection and resync
// on raw bytes, the 48-state bit decoder with fast paths for whole pixel runs and for the
// commands of update bursts, in-band commands and the fatal-error path. Bits come from
// BitReader, colours from ColourCache, pixels go through BlockWriter; decryption and I/O
// belong to the transport.
#include "rc/video_decoder.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "rc/bit_reader.hpp"
#include "rc/block_writer.hpp"
#include "rc/colour_cache.hpp"
#include "rc/video_codes.hpp"

namespace ilo::rc {
namespace {

// State numbers are the Java client's, the names those of docs/rc-video.md#state-table.
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

// Zero-run detector tables (#zero-runs): zeros before a byte's first 1 bit in stream order (the
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

// The zero-run rule over one more byte `b`, from the zeros counted so far in `run`: false if `b`
// completes a run of more than kMaxDataZeroRun zero bits (`run` unchanged), else true with
// `run` counted on past `b`.
constexpr bool zero_run_continues(unsigned& run, std::uint8_t b) noexcept {
  const unsigned through = run + kLeadZeros[b];
  if (through > kMaxDataZeroRun) return false;
  run = b ? kTailZeros[b] : through;
  return true;
}

// Fatal-state bit counts at which the Java client sends a refresh request (#fatal-state), expressed
// as the count before the bit is consumed; the last one also sets the count back to 41.
constexpr std::array<std::uint32_t, 4> kRefreshAt = {40, 11680, 119999, 11999999};
constexpr std::uint32_t kFatalWrapTo = 41;

constexpr std::size_t kMaxParams = 24;        // parameters kept per in-band command
constexpr std::size_t kMaxTextLength = 1024;  // longer strings are truncated

// Run suffix table for the fast path (#runs), indexed by the next 8 bits after a colour code:
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
constexpr unsigned kLongestRank1Code = 14;  // 1 + 11 111 + 8 bits
// rank1_runs() refills below this many bits (the refill branch is taken rarely, so it
// mispredicts rarely; the loop needs 15 at most).
constexpr unsigned kRank1Refill = 16;

// Up to three rank-1 codes (a 1 bit and a run suffix of at most 8 bits, so runs of 1 to 16
// pixels) in the next 12 bits, for rank1_runs(): 0 if the first code is not one of those or
// not whole within the 12 bits; else bits 0-3 the bits used by the codes decoded (as many as
// are whole, up to three), bits 4-5 their number, and in RGB888 bytes: bits 6-11 where the
// second run starts, bits 12-18 where the third starts and bits 19-26 the total length (a run
// that is not there starts at the end and has length 0).
constexpr unsigned kRank1CodeBits = 12;
constexpr std::array<std::uint32_t, 1u << kRank1CodeBits> kRank1Codes = [] {
  // Length and bits used of the rank-1 code at the top of the n-bit value v, or {0, 0}.
  constexpr auto one = [](unsigned v, unsigned n) -> std::array<unsigned, 2> {
    if (n < 2 || (v >> (n - 1) & 1) == 0) return {0, 0};
    const RunCode rc = kRunCodes[(v << 8 >> (n - 1)) & 0xFF];  // the 8 bits after the 1
    if (rc.bits == 0 || 1u + rc.bits > n) return {0, 0};
    return {1u + rc.extra, 1u + rc.bits};
  };
  std::array<std::uint32_t, 1u << kRank1CodeBits> t{};
  for (unsigned v = 0; v < t.size(); ++v) {
    unsigned rest = kRank1CodeBits, codes = 0, px = 0, at[3] = {0, 0, 0};
    while (codes < 3) {
      const auto [len, used] = one(v & ((1u << rest) - 1), rest);
      if (len == 0) break;
      at[codes++] = px;
      px += len;
      rest -= used;
    }
    if (codes == 0) continue;
    for (unsigned c = codes; c < 3; ++c) at[c] = px;
    t[v] = (kRank1CodeBits - rest) | codes << 4 | 3 * at[1] << 6 | 3 * at[2] << 12 | 3 * px << 19;
  }
  return t;
}();

// The bytes of one decode() call, mirrored for the bit reader (BitReader::mirror) and
// already checked against the zero-run rule (#zero-runs): all of them are to be decoded.
struct ByteInput {
  const std::uint8_t* p;    // the next mirrored byte
  const std::uint8_t* end;  // the end of the bytes to decode

  // Fills br to at least 56 bits, or with what is left: eight bytes are loaded at once and
  // the reader takes what fits, so the common case has no branch on the fill level.
  void refill(BitReader& br) noexcept {
    if (end - p >= 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      p += br.top_up(byteswap64(v));  // the first byte on top
    } else {
      while (p < end && br.has_room_for_byte()) br.push_mirrored(*p++);
    }
  }

  static constexpr std::uint64_t byteswap64(std::uint64_t v) noexcept {  // one bswap
    v = (v >> 8 & 0x00FF00FF00FF00FFu) | (v & 0x00FF00FF00FF00FFu) << 8;
    v = (v >> 16 & 0x0000FFFF0000FFFFu) | (v & 0x0000FFFF0000FFFFu) << 16;
    return v >> 32 | v << 32;
  }
};

// How many bytes the decoder prepares (mirrors and checks) at a time.
constexpr std::size_t kChunkBytes = 4096;

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

  // Screen and position (#decoder-state).
  int size_x = 0, size_y = 0;
  int extra_rows = 0;  // kept for the record: only Java's bottom-row blanking used it
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

  // Cipher switch (#cipher-switch): set when command 12/13 completes.
  bool stop = false;
  std::uint8_t stop_cipher = 0;

  // Area drawn since the last flush to fb.mark() (one union per feed instead of per block).
  // (Empty while x0 >= x1: INT_MAX and INT_MIN let every block extend it with min/max.)
  int dirty_x0 = INT_MAX, dirty_y0 = INT_MAX, dirty_x1 = INT_MIN, dirty_y1 = INT_MIN;

  DecoderStats stats;

  // The bytes decode() works on, mirrored (see prepare()).
  std::array<std::uint8_t, kChunkBytes> mirrored{};

  // Two 16-pixel colour patterns for rank1_runs() and their colours (0xFFFFFFFF: none yet).
  alignas(16) std::uint8_t patterns[2 * BlockWriter::kRowBytes] = {};
  std::uint32_t pattern_rgb[2] = {0xFFFFFFFFu, 0xFFFFFFFFu};

  void flush_dirty() {
    if (dirty_x0 >= dirty_x1) return;
    fb.mark({dirty_x0, dirty_y0, dirty_x1 - dirty_x0, dirty_y1 - dirty_y0});
    dirty_x0 = dirty_y0 = INT_MAX;
    dirty_x1 = dirty_y1 = INT_MIN;
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

  // A painted block is complete (#one-step, step 4): draw it once and prune the cache.
  St complete_block() {
    block.complete();
    const St next = emit(1);
    cache.prune();
    return next;
  }

  // Emits the block buffer n times (#emitting-blocks) and returns START.
  St emit(unsigned n) {
    block.abandon();  // no-op: repeats only happen at START, with nothing painted
    for (; n != 0; --n) {
      ++stats.blocks;
      if (video) {
        const Rect r = block.draw(fb, x, y, screen_h);
        if (!r.empty()) {
          dirty_x0 = std::min(dirty_x0, r.x);
          dirty_y0 = std::min(dirty_y0, r.y);
          dirty_x1 = std::max(dirty_x1, r.x + r.width);
          dirty_y1 = std::max(dirty_y1, r.y + r.height);
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
      if (screen_w > kHalfHeightAboveWidth) {
        if (capabilities & kCapabilityHalfHeight) set_block_rows(8);
        // else: Java keeps its block height (and warns once).
      } else {
        set_block_rows(16);
      }
      block.screen_cleared(fb);
    }
    event(ScreenMode{screen_w, screen_h, block_rows});
  }

  St execute() {
    const std::uint8_t cmd = cmd_last;
    const std::uint8_t p0 = params[0], p1 = params[1], p2 = params[2], p3 = params[3];
    cmd_bytes = 0;
    switch (static_cast<VideoCommand>(cmd)) {
      case VideoCommand::exit:  // #exit: fatal with a fresh count and an immediate refresh request
        fatal_count = 0;
        fatal("EXIT command");
        refresh();
        return kFatal;
      case VideoCommand::text: return kStrChan;
      case VideoCommand::frame_rate: event(FrameRate{p0}); break;
      case VideoCommand::power_on: event(PowerState{true}); break;
      case VideoCommand::power_off:
        flush_dirty();
        fb.clear();
        block.screen_cleared(fb);
        event(PowerState{false});
        break;
      case VideoCommand::no_video:
        flush_dirty();
        fb.clear();
        block.screen_cleared(fb);
        event(NoVideo{});
        break;
      case VideoCommand::terminal_services: event(TerminalServices{p0}); break;
      case VideoCommand::key_change:
        bits.align_to_byte();
        event(KeyChange{});
        break;
      case VideoCommand::seized:
        flush_dirty();
        fb.clear();
        block.screen_cleared(fb);
        event(Seized{});
        break;
      case VideoCommand::colour_depth:
        set_bpc(p0);
        event(ColourDepth{int(bpc)});
        break;
      case VideoCommand::select_cipher:
        event(CipherSelected{p0});
        stop = true;
        stop_cipher = p0;
        break;
      case VideoCommand::session_header:
        set_bpc(p0);
        capabilities = p3;
        event(SessionHeader{int(bpc), p1, p2, p3});
        event(CipherSelected{p1});
        stop = true;
        stop_cipher = p1;
        break;
      case VideoCommand::ping: event(Ping{}); break;
      case VideoCommand::invalidate: event(Invalidate{}); break;
      default: event(UnknownCommand{cmd}); break;
    }
    return kStart;
  }

  // ---- the bit-level state machine -----------------------------------------------------

  // An in-band command byte (#in-band-commands): the previous one was a parameter.
  void cmd_byte(std::uint32_t v) {
    if (cmd_bytes != 0 && cmd_bytes - 1 < kMaxParams) params[cmd_bytes - 1] = cmd_last;
    if (cmd_bytes <= kMaxParams) ++cmd_bytes;
    cmd_last = static_cast<std::uint8_t>(v);
  }

  // Whole commands at START (#commands-at-start) in one step when at least 32 bits are held: POS,
  // FRAME_END and in-band commands (as far as their bytes are held), the commands of every update
  // burst. Each does what its states would do one by one. Returns false for anything else.
  bool command_at_start() {
    if (bits.count() < 32) return false;
    const std::uint32_t w = bits.peek(32);
    if (w >> 30 == 0b11) {  // POS x y
      const unsigned c = bits_for[kPosX];  // 7 or 8 bits per coordinate
      const int vx = int(w << 2 >> (32 - c));
      const int vy = int(w << (2 + c) >> (32 - c));
      new_x = vx > size_x ? 0 : vx;
      x = new_x;
      y = mask_coord(vy);
      bits.drop(2 + 2 * c);
      state = kStart;
      return true;
    }
    if (w >> 26 == 0b101101) {  // FRAME_END
      bits.drop(6);
      state = frame_end();
      return true;
    }
    if (w >> 27 == 0b10111) {  // in-band command: bytes, each with a continuation bit
      bits.drop(5);
      for (;;) {
        if (bits.count() < 9) {
          state = kCmdByte;
          return true;
        }
        cmd_byte(bits.read(8));
        if (bits.read(1) == 0) {
          state = execute();
          return true;
        }
      }
    }
    return false;
  }

  // One state step (#one-step): bits_for[state] bits are available.
  void step() {
    if (state == kStart && command_at_start()) return;
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
        cmd_byte(v);
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
    // Block completion (#one-step, step 4).
    if (next == kPix && block.full()) next = complete_block();
    state = next;
  }

  // Fast path for PIX (state 2) with at least 32 bits held in br: one colour code and its run
  // suffix (#runs, #indexed-codes) in one step, straight to the next PIX or, when the block is
  // full, to START. Anything the state machine would turn into an error (miss, duplicate literal,
  // overflow) or a special case of the cache is left to step(): nothing is consumed then. (Codes
  // starting with a 1 bit are left to rank1_runs().)
  bool fast_pixel(BitReader& br, St& st) {
    const std::uint32_t w = br.peek(32);
    const int n = cache.size();
    unsigned used;
    int rank = -1;
    std::uint32_t packed = 0;
    if (w & 0x80000000u) {
      return false;
    } else if (w & 0x40000000u) {  // 01 + k-bit code
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
    block.paint(last_colour, total);
    br.drop(used);
    if (block.full()) st = complete_block();
    return true;
  }

  // Rank-1 codes in PIX (state 2, #runs), the bulk of a text screen: a 1 bit paints the
  // colour of rank 1 (rank 0 when one colour is cached) and a run suffix follows. Touching
  // rank 1 swaps ranks 0 and 1, so successive codes alternate between the two most recent
  // colours: the loop keeps both as patterns and applies the touches to the cache when a
  // block completes or the loop stops, and decodes up to three codes per table lookup
  // (kRank1Codes). Pruning at block end keeps ranks 0 and 1 if both were used, so a next block
  // that starts with a rank-1 code (START 0, then 1) goes on in the loop. It stops at any
  // other code, at a run that would overflow the block (left to step()), or when fewer bits
  // than the longest code (14; 15 at a block start) are held. Requires a non-empty cache and
  // a 1 bit next. Returns false if it consumed nothing.
  bool rank1_runs(BitReader& br, ByteInput& in, St& st) {
    constexpr std::size_t kRow = BlockWriter::kRowBytes;
    unsigned flip = cache.size() >= 2 ? 1u : 0u;
    // Offsets in `patterns` of the pattern the next code paints (rank 1's colour) and of the
    // one it then leaves at rank 1 (rank 0's); with one colour cached both are the same.
    const std::size_t rank0 = pattern_slot(cache.display_at(0), 2);
    std::size_t then = rank0 * kRow;
    std::size_t next = flip ? pattern_slot(cache.display_at(1), rank0) * kRow : then;
    unsigned codes = 0;   // painted in the current block
    bool blocks = false;  // completed one
    BlockWriter::Cursor cur = block.cursor();
    // The cache touches of the codes painted in this block, and the last colour painted.
    const auto settle = [&] {
      block.commit(cur);
      last_colour = pattern_rgb[then / kRow];
      if (flip == 0) {
        cache.touch(0);
      } else {
        cache.touch_rank1(codes);
      }
    };
    for (;;) {
      const std::uint32_t w = br.peek(32);
      const std::uint32_t e = kRank1Codes[w >> (32 - kRank1CodeBits)];
      const std::size_t total = e >> 19;
      if (total - 1 < cur.room_bytes()) {  // one to three codes, and they fit
        cur.paint_runs(patterns + next, patterns + then, e >> 6 & 0x3F, e >> 12 & 0x7F, total);
        codes += e >> 4 & 3;
        // An odd number of codes swaps ranks 0 and 1 (without a branch: it is not predictable).
        const std::size_t swap = (next ^ then) & (0 - std::size_t(e >> 4 & 1));
        next ^= swap;
        then ^= swap;
        br.drop(e & 0xF);
      } else {  // one code at a time: long runs, the last runs of a block, any other code
        if (!(w & 0x80000000u)) break;
        const RunCode rc = kRunCodes[(w >> 23) & 0xFF];
        unsigned run = 1u + rc.extra;
        unsigned used = 1u + rc.bits;
        if (rc.bits == 0) {  // 11 111 + 8 bits
          run = 1u + ((w >> 18) & 0xFF);
          used = kLongestRank1Code;
        }
        if (3 * run > cur.room_bytes()) break;
        cur.paint(patterns + next, run);
        std::swap(next, then);
        ++codes;
        br.drop(used);
      }
      if (br.count() < kRank1Refill) in.refill(br);
      if (cur.full()) {
        settle();
        st = complete_block();
        codes = 0;
        blocks = true;
        if (br.count() < kLongestRank1Code + 1 || br.peek(2) != 1) return true;
        br.drop(1);  // START: a block follows, and it starts with a rank-1 code
        st = kPix;
        flip = cache.size() >= 2 ? 1u : 0u;  // ranks 0 and 1 are still `then` and `next`
        if (flip == 0) next = then;
        cur = block.cursor();
        continue;
      }
      if (br.count() < kLongestRank1Code) break;
    }
    if (codes == 0) return blocks;
    settle();
    return true;
  }

  // The slot (0 or 1) of `patterns` holding the 16-pixel pattern of rgb, computed into the
  // slot other than `keep` if not there (a text screen paints with the same two colours
  // block after block).
  std::size_t pattern_slot(std::uint32_t rgb, std::size_t keep) {
    if (pattern_rgb[0] == rgb) return 0;
    if (pattern_rgb[1] == rgb) return 1;
    const std::size_t slot = keep == 0 ? 1 : 0;
    pattern_rgb[slot] = rgb;
    std::memcpy(patterns + slot * BlockWriter::kRowBytes, BlockWriter::pattern_of(rgb).bytes,
                BlockWriter::kRowBytes);
    return slot;
  }

  // Mirrors the first n (<= kChunkBytes) bytes of data into `mirrored` and runs the zero-run
  // rule (#zero-runs) over them from the counter zero_run: returns how many come before the first
  // one that fires it (n if none does), with the counter after them in zero_run_end and
  // whether one fired in fired. A word of 8 bytes none of which is zero is checked at once:
  // only its first byte can complete a run (runs inside it are at most 14 bits).
  std::size_t prepare(const std::uint8_t* data, std::size_t n, unsigned& zero_run_end,
                      bool& fired) {
    unsigned zr = zero_run;
    std::size_t i = 0;
    fired = true;
    while (i < n) {
      if (n - i >= 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);  // little-endian: the first byte in the low bits
        const std::uint64_t m = BitReader::mirror(w);
        std::memcpy(mirrored.data() + i, &m, 8);
        const bool zero_byte = ((w - 0x0101010101010101u) & ~w & 0x8080808080808080u) != 0;
        if (!zero_byte && zr + unsigned(std::countr_zero(w)) <= kMaxDataZeroRun) {
          zr = unsigned(std::countl_zero(w));  // zeros after the last byte's last 1 bit
          i += 8;
          continue;
        }
      }
      // Byte by byte up to the next word boundary (or the end).
      for (const std::size_t stop_at = std::min(n, i + 8); i < stop_at; ++i) {
        const std::uint8_t b = data[i];
        if (!zero_run_continues(zr, b)) {
          zero_run_end = zr;
          return i;
        }
        mirrored[i] = BitReader::kReverse[b];
      }
    }
    fired = false;
    zero_run_end = zr;
    return n;
  }

  // Decodes from data (up to kChunkBytes of it) while not fatal/hunting. Returns the bytes
  // taken. Stops early at a byte whose zero run forces HUNT (not taken), or right after a
  // cipher switch byte.
  // The bit reader, input position and state are kept in locals in the hot loop (stores into
  // the pixel buffers would otherwise force them to be reloaded) and synced around step().
  std::size_t decode(const std::uint8_t* data, std::size_t n) {
    n = std::min(n, kChunkBytes);
    unsigned zero_run_end = 0;
    bool fired = false;
    const std::size_t usable = prepare(data, n, zero_run_end, fired);
    ByteInput in{mirrored.data(), mirrored.data() + usable};
    const auto taken = [&] { return std::size_t(in.p - mirrored.data()); };
    bool gave_back = false;
    BitReader br = bits;
    const unsigned zero_run_at_entry = zero_run;
    const std::uint64_t index_at_entry = byte_index;  // byte_index is this + taken()
    // The zero-run counter after the bytes taken (all of them unless decoding stopped early).
    const auto settle_zero_run = [&] {
      zero_run = taken() == usable && !gave_back
                     ? zero_run_end
                     : zero_run_after(data, data + taken(), zero_run_at_entry);
    };
    St st = state;
    for (;;) {
      if (br.count() < 32) in.refill(br);
      if (st == kPix) {
        if (br.count() >= kLongestRank1Code && br.peek(1) != 0) {
          if (cache.size() != 0 && rank1_runs(br, in, st)) continue;
        } else if (br.count() >= 32 && fast_pixel(br, st)) {
          continue;
        }
      } else if (st == kStart && br.count() != 0 && br.peek(1) == 0) {  // a block follows
        br.drop(1);
        st = kPix;  // START never sees a full block, so no completion check
        continue;
      }
      if (br.count() < bits_for[st]) break;
      bits = br;
      byte_index = index_at_entry + taken();
      state = st;
      step();
      if (stop && !gave_back) {
        // Command 12/13 completed: give back the bytes loaded after the one holding its last
        // bit; they are still encrypted and the caller feeds them again, decrypted.
        const unsigned later = bits.count() >> 3;
        bits.keep_first(bits.count() & 7u);
        in.p -= later;
        byte_index -= later;
        in.end = in.p;
        gave_back = true;
      }
      if (state == kFatal) {
        fatal_bits(bits.count());
        bits.clear();
        settle_zero_run();
        return taken();
      }
      br = bits;
      st = state;
    }
    bits = br;
    settle_zero_run();
    byte_index = index_at_entry + taken();
    state = st;
    if (fired && !gave_back) {
      // The held bits are part of the zero run: HUNT would consume them.
      state = kHunt;
      bits.clear();
    }
    return taken();
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
      if (!zero_run_continues(zero_run, data[i])) {
        state = kHunt;
        return i;
      }
      ++byte_index;
      fatal_bits(8);
    }
    return n;
  }

  // HUNT (#zero-runs): the first byte with a 1 bit ends it; the rest of that byte is discarded.
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
