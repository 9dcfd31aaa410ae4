// The companion's socket-pair messages: every type round-trips; every truncation, trailing
// byte, unknown type and oversized count is refused (the parent parses what a companion that
// decodes untrusted video sends, so nothing in a packet is trusted).
#include <gtest/gtest.h>

#include "rcd/companion_protocol.hpp"

namespace ilo::rcd::proto {
namespace {

std::vector<Message> samples() {
  rc::KeyboardReport k;
  k.modifiers = 0x02;
  k.keys = {0x04, 0x05, 0, 0, 0, 0x28};
  return {
      {0, Configure{R"({"host":"127.0.0.1","busy":"seize"})"}},
      {0, Keys{"0123456789abcdef0123456789abcdef", "bbAcD834680DDca9DE65269512BDdEC2", 5, 17990,
               7}},
      {1, Power{3}},
      {2, Keyboard{{k, rc::KeyboardReport{}}}},
      {3, Pointer{{{10, 20, 1}, {-1, -1, 0}}}},
      {4, Refresh{}},
      {0, Close{}},
      {0, Frame{}},
      {0, Status{R"({"width":1024})"}},
      {9, Ack{111}},
      {0, StaleKeys{0x1122334455667788ull}},
      {0, Log{4, "console connected"}},
      {0, Vnc{"127.0.0.1", 5901, "secret12"}},
      {0, Layout{"de:nodeadkeys", {{U'@', {{0x40, 0x14}}}, {U'\u00ea', {{0, 0x35}, {0, 0x08}}}}}},
  };
}

TEST(CompanionProtocol, RoundTrips) {
  for (const auto& m : samples()) {
    const auto bytes = encode(m);
    const auto back = parse(bytes);
    ASSERT_TRUE(back) << "type index " << m.body.index();
    EXPECT_EQ(back->id, m.id);
    EXPECT_EQ(back->body.index(), m.body.index());
    EXPECT_EQ(encode(*back), bytes);
  }
}

TEST(CompanionProtocol, FixedLayoutBytes) {
  // power, id 0x01020304, action 3: type, id little-endian, action little-endian
  const std::vector<std::uint8_t> expect = {3, 4, 3, 2, 1, 3, 0};
  EXPECT_EQ(encode({0x01020304, Power{3}}), expect);
}

TEST(CompanionProtocol, TruncationsAndTrailingBytesAreRefused) {
  for (const auto& m : samples()) {
    const auto bytes = encode(m);
    // Texts run to the end of the packet, so only fixed-size parts can be cut.
    const bool text_to_end = std::holds_alternative<Configure>(m.body) ||
                             std::holds_alternative<Status>(m.body) ||
                             std::holds_alternative<Log>(m.body);
    // The shortest valid packet of this type: all of it, or the fixed part before a text.
    const std::size_t fixed = !text_to_end ? bytes.size()
                              : std::holds_alternative<Log>(m.body) ? 6 : 5;
    for (std::size_t n = 0; n < fixed; ++n) {
      EXPECT_FALSE(parse(std::span(bytes).first(n)))
          << "type index " << m.body.index() << " cut at " << n;
    }
    if (!text_to_end) {
      auto longer = bytes;
      longer.push_back(0);
      EXPECT_FALSE(parse(longer)) << "trailing byte, type index " << m.body.index();
    }
  }
}

TEST(CompanionProtocol, HostilePacketsAreRefused) {
  EXPECT_FALSE(parse(std::vector<std::uint8_t>{200, 0, 0, 0, 0}));  // unknown type
  // A keyboard count larger than the packet, and one over the limit.
  EXPECT_FALSE(parse(std::vector<std::uint8_t>{4, 0, 0, 0, 0, 0xff, 0xff}));
  std::vector<std::uint8_t> many = {4, 0, 0, 0, 0};
  const std::size_t n = kMaxReports + 1;
  many.push_back(std::uint8_t(n & 0xff));
  many.push_back(std::uint8_t(n >> 8));
  many.resize(many.size() + n * 8);
  EXPECT_FALSE(parse(many));
  EXPECT_FALSE(parse(std::vector<std::uint8_t>(kMaxMessage + 1, 65)));
  // A layout entry with no stroke, three strokes, or beyond Unicode.
  for (const std::vector<std::uint8_t>& bad : {
           std::vector<std::uint8_t>{9, 0, 0, 0, 0, 0, 1, 0, 0x40, 0, 0, 0, 0},
           std::vector<std::uint8_t>{9, 0, 0, 0, 0, 0, 1, 0, 0x40, 0, 0, 0, 3, 0, 4, 0, 5, 0, 6},
           std::vector<std::uint8_t>{9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x11, 0, 1, 0, 4}}) {
    EXPECT_FALSE(parse(bad));
  }
  EXPECT_TRUE(parse(std::vector<std::uint8_t>{9, 0, 0, 0, 0, 0, 1, 0, 0x40, 0, 0, 0, 1, 0, 4}));
}

TEST(CompanionProtocol, LayoutFields) {
  const auto back = parse(encode({0, Layout{"fr", {{U'\u00e9', {{0, 0x1F}}}}}}));
  ASSERT_TRUE(back);
  const auto& l = std::get<Layout>(back->body);
  EXPECT_EQ(l.name, "fr");
  ASSERT_EQ(l.entries.size(), 1u);
  EXPECT_EQ(l.entries[0].character, U'\u00e9');
  EXPECT_EQ(l.entries[0].strokes, (std::vector<rc::KeyStroke>{{0, 0x1F}}));
}

}  // namespace
}  // namespace ilo::rcd::proto
