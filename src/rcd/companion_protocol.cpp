// Encoding and parsing of the companion messages (see companion_protocol.hpp). Little-endian
// throughout; each parse goes through the one bounds-checked ByteReader and must use the
// packet exactly.
#include "rcd/companion_protocol.hpp"

#include <algorithm>
#include <type_traits>

#include "bytes/byte_reader.hpp"

namespace ilo::rcd::proto {
namespace {

class Out {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void text(const std::string& s, std::size_t limit) {
    const std::size_t n = std::min(s.size(), limit);
    bytes_.insert(bytes_.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> bytes_;
};

constexpr std::size_t kHeader = 5;  // type (1), id (4)
constexpr std::size_t kTextLimit = kMaxMessage - kHeader - 16;

std::uint64_t u64le(ByteReader& r) {
  const std::uint64_t lo = r.u32le();
  const std::uint64_t hi = r.u32le();
  return lo | (hi << 32);
}

// A short text with a one-byte length (keys).
void short_text(Out& o, const std::string& s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 255);
  o.u8(static_cast<std::uint8_t>(n));
  o.text(s, n);
}
std::string short_text(ByteReader& r) {
  const std::size_t n = r.u8();
  return std::string(r.text(n));
}

}  // namespace

std::vector<std::uint8_t> encode(const Message& message) {
  Out o;
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        auto head = [&](Type t) {
          o.u8(static_cast<std::uint8_t>(t));  // type
          o.u32(message.id);                   // request id
        };
        if constexpr (std::is_same_v<T, Configure>) {
          head(Type::configure);
          o.text(b.json, kTextLimit);  // JSON, to the end of the packet
        } else if constexpr (std::is_same_v<T, Keys>) {
          head(Type::keys);
          o.u64(b.generation);   // login generation
          o.u16(b.rc_port);      // console port
          o.u8(b.features);      // optional feature bits
          short_text(o, b.session_key);  // length (1), text
          short_text(o, b.enc_key);      // length (1), text
        } else if constexpr (std::is_same_v<T, Power>) {
          head(Type::power);
          o.u16(b.action);  // rc::PowerAction
        } else if constexpr (std::is_same_v<T, Keyboard>) {
          head(Type::keyboard);
          const std::size_t n = std::min(b.reports.size(), kMaxReports);
          o.u16(static_cast<std::uint16_t>(n));  // report count
          for (std::size_t i = 0; i < n; ++i) {  // HID report, 8 bytes each
            const auto& k = b.reports[i];
            o.u8(k.modifiers);
            o.u8(k.reserved);
            for (std::uint8_t key : k.keys) o.u8(key);
          }
        } else if constexpr (std::is_same_v<T, Pointer>) {
          head(Type::pointer);
          const std::size_t n = std::min(b.moves.size(), kMaxReports);
          o.u16(static_cast<std::uint16_t>(n));  // move count
          for (std::size_t i = 0; i < n; ++i) {  // x (4), y (4) in pixels, -1 = keep; buttons
            o.u32(static_cast<std::uint32_t>(b.moves[i].x));
            o.u32(static_cast<std::uint32_t>(b.moves[i].y));
            o.u8(b.moves[i].buttons);
          }
        } else if constexpr (std::is_same_v<T, Refresh>) {
          head(Type::refresh);
        } else if constexpr (std::is_same_v<T, Close>) {
          head(Type::close);
        } else if constexpr (std::is_same_v<T, Frame>) {
          head(Type::frame);
        } else if constexpr (std::is_same_v<T, Status>) {
          head(Type::status);
          o.text(b.json, kTextLimit);  // JSON, to the end of the packet
        } else if constexpr (std::is_same_v<T, Ack>) {
          head(Type::ack);
          o.u32(static_cast<std::uint32_t>(b.error));  // std::errc value, 0 = done
        } else if constexpr (std::is_same_v<T, StaleKeys>) {
          head(Type::stale_keys);
          o.u64(b.generation);  // the refused keys' generation
        } else if constexpr (std::is_same_v<T, Vnc>) {
          head(Type::vnc);
          o.u16(b.port);                // TCP port
          short_text(o, b.address);     // length (1), numeric address
          short_text(o, b.password);    // length (1), password (secret)
        } else if constexpr (std::is_same_v<T, Layout>) {
          head(Type::layout);
          short_text(o, b.name);        // length (1), layout name
          // Entries that fit the packet: character (4), stroke count (1), strokes (2 each).
          std::size_t n = 0, bytes = kHeader + 1 + b.name.size() + 2;
          for (; n < b.entries.size() && n < kMaxLayoutEntries; ++n) {
            const std::size_t strokes = std::min<std::size_t>(b.entries[n].strokes.size(), 2);
            if (bytes + 5 + strokes * 2 > kMaxMessage) break;
            bytes += 5 + strokes * 2;
          }
          o.u16(static_cast<std::uint16_t>(n));  // entry count
          for (std::size_t i = 0; i < n; ++i) {
            const auto& e = b.entries[i];
            const std::size_t strokes = std::min<std::size_t>(e.strokes.size(), 2);
            o.u32(static_cast<std::uint32_t>(e.character));
            o.u8(static_cast<std::uint8_t>(strokes));
            for (std::size_t k = 0; k < strokes; ++k) {
              o.u8(e.strokes[k].modifiers);
              o.u8(e.strokes[k].usage);
            }
          }
        } else if constexpr (std::is_same_v<T, Log>) {
          head(Type::log);
          o.u8(b.priority);           // syslog priority
          o.text(b.text, kTextLimit);  // text, to the end of the packet
        }
      },
      message.body);
  return o.take();
}

std::optional<Message> parse(std::span<const std::uint8_t> packet) {
  if (packet.size() < kHeader || packet.size() > kMaxMessage) return std::nullopt;
  ByteReader r(packet);
  Message m;
  const auto type = static_cast<Type>(r.u8());
  m.id = r.u32le();
  auto rest_text = [&] { return std::string(r.text(r.remaining())); };
  switch (type) {
    case Type::configure: m.body = Configure{rest_text()}; break;
    case Type::keys: {
      Keys k;
      k.generation = u64le(r);
      k.rc_port = r.u16le();
      k.features = r.u8();
      k.session_key = short_text(r);
      k.enc_key = short_text(r);
      m.body = std::move(k);
      break;
    }
    case Type::power: m.body = Power{r.u16le()}; break;
    case Type::keyboard: {
      const std::size_t n = r.u16le();
      if (n > kMaxReports || !r.has(n * 8)) return std::nullopt;
      Keyboard k;
      k.reports.resize(n);
      for (auto& report : k.reports) {
        report.modifiers = r.u8();
        report.reserved = r.u8();
        for (auto& key : report.keys) key = r.u8();
      }
      m.body = std::move(k);
      break;
    }
    case Type::pointer: {
      const std::size_t n = r.u16le();
      if (n > kMaxReports || !r.has(n * 9)) return std::nullopt;
      Pointer p;
      p.moves.resize(n);
      for (auto& move : p.moves) {
        move.x = static_cast<std::int32_t>(r.u32le());
        move.y = static_cast<std::int32_t>(r.u32le());
        move.buttons = r.u8();
      }
      m.body = std::move(p);
      break;
    }
    case Type::vnc: {
      Vnc v;
      v.port = r.u16le();
      v.address = short_text(r);
      v.password = short_text(r);
      m.body = std::move(v);
      break;
    }
    case Type::layout: {
      Layout l;
      l.name = short_text(r);
      const std::size_t n = r.u16le();
      if (n > kMaxLayoutEntries || !r.has(n * 5)) return std::nullopt;
      l.entries.resize(n);
      for (auto& e : l.entries) {
        const std::uint32_t c = r.u32le();
        const std::size_t strokes = r.u8();
        if (c > 0x10ffff || strokes == 0 || strokes > 2 || !r.has(strokes * 2)) {
          return std::nullopt;
        }
        e.character = static_cast<char32_t>(c);
        e.strokes.resize(strokes);
        for (auto& s : e.strokes) {
          s.modifiers = r.u8();
          s.usage = r.u8();
        }
      }
      m.body = std::move(l);
      break;
    }
    case Type::refresh: m.body = Refresh{}; break;
    case Type::close: m.body = Close{}; break;
    case Type::frame: m.body = Frame{}; break;
    case Type::status: m.body = Status{rest_text()}; break;
    case Type::ack: m.body = Ack{static_cast<std::int32_t>(r.u32le())}; break;
    case Type::stale_keys: m.body = StaleKeys{u64le(r)}; break;
    case Type::log: {
      Log l;
      l.priority = r.u8();
      l.text = rest_text();
      m.body = std::move(l);
      break;
    }
    default: return std::nullopt;
  }
  if (!r.ok() || r.remaining() != 0) return std::nullopt;
  return m;
}

}  // namespace ilo::rcd::proto
