// EventHub: per-reader cursors from the open on, several readers, short reads, the bounded
// ring's overflow line, `text` coalescing (times passed in, no clock), the listener.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fs/event_hub.hpp"

namespace {

using ilo::fs::EventHub;
using nlohmann::json;
using namespace std::chrono_literals;

const EventHub::Clock::time_point kT0{std::chrono::seconds{1'796'475'071}};

// The reader's pending lines, each parsed.
std::vector<json> drain(EventHub& hub, std::uint64_t reader) {
  std::vector<json> out;
  std::string text = hub.take(reader, 1 << 20);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    EXPECT_NE(end, std::string::npos) << "a line without its newline";
    if (end == std::string::npos) break;
    out.push_back(json::parse(text.substr(at, end - at)));
    at = end + 1;
  }
  return out;
}

TEST(EventHub, TimeIsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(EventHub::rfc3339(kT0 + 42ms), "2026-12-05T12:51:11.042Z");
}

TEST(EventHub, ReaderSeesOnlyEventsFromItsOpenOn) {
  EventHub hub;
  hub.publish({{"type", "power"}, {"state", "on"}}, kT0);
  const auto reader = hub.open_reader();
  EXPECT_FALSE(hub.pending(reader));
  EXPECT_EQ(hub.take(reader, 4096), "");
  hub.publish({{"type", "power"}, {"state", "off"}}, kT0 + 1s);
  EXPECT_TRUE(hub.pending(reader));
  const auto lines = drain(hub, reader);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "power");
  EXPECT_EQ(lines[0]["state"], "off");
  EXPECT_EQ(lines[0]["time"], "2026-12-05T12:51:12.000Z");
  EXPECT_FALSE(hub.pending(reader));
}

TEST(EventHub, ReadersHaveIndependentCursors) {
  EventHub hub;
  const auto a = hub.open_reader();
  hub.publish({{"type", "screen"}, {"width", 800}, {"height", 600}}, kT0);
  const auto b = hub.open_reader();
  hub.publish({{"type", "screen"}, {"width", 1024}, {"height", 768}}, kT0);
  const auto la = drain(hub, a);
  const auto lb = drain(hub, b);
  ASSERT_EQ(la.size(), 2u);
  ASSERT_EQ(lb.size(), 1u);
  EXPECT_EQ(la[0]["width"], 800);
  EXPECT_EQ(la[1]["width"], 1024);
  EXPECT_EQ(lb[0]["width"], 1024);
  hub.close_reader(a);
  EXPECT_EQ(hub.take(a, 100), "");
  EXPECT_FALSE(hub.pending(a));
}

TEST(EventHub, ShortReadsReturnWholeLinesThenSplitOnlyALongOne) {
  EventHub hub;
  const auto r = hub.open_reader();
  hub.publish({{"type", "power"}, {"state", "on"}}, kT0);
  hub.publish({{"type", "power"}, {"state", "off"}}, kT0);
  const std::string line1 = hub.take(r, 1 << 20);
  ASSERT_FALSE(line1.empty());
  // Same two lines again, read with a buffer that holds one and a half lines.
  const auto r2 = hub.open_reader();
  hub.publish({{"type", "power"}, {"state", "on"}}, kT0);
  hub.publish({{"type", "power"}, {"state", "off"}}, kT0);
  const std::size_t one = line1.find('\n') + 1;
  const std::string first = hub.take(r2, one + one / 2);
  EXPECT_EQ(first, line1.substr(0, one));  // whole lines only when one fits
  // A buffer smaller than a line: the line comes in pieces, in order.
  std::string pieces;
  for (std::string part; !(part = hub.take(r2, 7)).empty();) {
    EXPECT_LE(part.size(), 7u);
    pieces += part;
  }
  EXPECT_EQ(pieces, line1.substr(one));
}

TEST(EventHub, AReaderTooFarBehindGetsOneOverflowLine) {
  EventHub hub(4);
  const auto slow = hub.open_reader();
  for (int i = 0; i < 10; ++i) hub.publish({{"type", "power"}, {"n", i}}, kT0);
  const auto lines = drain(hub, slow);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["type"], "overflow");
  EXPECT_EQ(lines[0]["lost"], 6);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i) + 1]["n"], 6 + i);
  hub.publish({{"type", "power"}, {"n", 10}}, kT0);
  const auto more = drain(hub, slow);
  ASSERT_EQ(more.size(), 1u);  // caught up: no second overflow
  EXPECT_EQ(more[0]["n"], 10);
}

TEST(EventHub, TextIsCoalescedToOnePerInterval) {
  EventHub hub(64, 300ms);
  const auto r = hub.open_reader();
  hub.text_changed("a", kT0);
  hub.text_changed("a", kT0 + 10ms);   // unchanged: nothing
  hub.text_changed("ab", kT0 + 20ms);  // within the interval: held
  hub.text_changed("abc", kT0 + 30ms); // replaces the held one
  hub.tick(kT0 + 200ms);               // still within: nothing
  auto lines = drain(hub, r);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "text");
  EXPECT_EQ(lines[0]["text"], "a");
  hub.tick(kT0 + 300ms);               // the held change goes out
  lines = drain(hub, r);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["text"], "abc");
  hub.tick(kT0 + 900ms);               // nothing held
  hub.text_changed("abc", kT0 + 1s);   // same as published
  EXPECT_TRUE(drain(hub, r).empty());
  hub.text_changed("x", kT0 + 1100ms); // changed and changed back within the interval
  hub.text_changed("abcd", kT0 + 1200ms);
  hub.text_changed("x", kT0 + 1250ms);
  hub.tick(kT0 + 2s);
  lines = drain(hub, r);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["text"], "x");
}

TEST(EventHub, ListenerIsCalledOncePerPublishedLine) {
  EventHub hub(8, 300ms);
  int calls = 0;
  hub.set_listener([&] { ++calls; });
  hub.publish({{"type", "power"}}, kT0);
  hub.text_changed("a", kT0);
  hub.text_changed("b", kT0 + 1ms);  // held: no call
  EXPECT_EQ(calls, 2);
  hub.tick(kT0 + 1s);
  EXPECT_EQ(calls, 3);
}

}  // namespace

namespace {

// The recogniser is injected: a fake one reads the first pixel's red value as the text.
TEST(EventHub, FramesAreReadByTheInjectedRecogniserOncePerSequence) {
  EventHub hub(16, 300ms);
  const auto r = hub.open_reader();
  ilo::rcd::FrameSnapshot frame;
  frame.sequence = 2;
  frame.width = frame.height = 1;
  frame.pixels = {65, 0, 0};
  hub.frame_noticed(frame, kT0);  // no recogniser: no text events
  EXPECT_FALSE(hub.reads_screen());
  EXPECT_TRUE(drain(hub, r).empty());
  int reads = 0;
  hub.set_screen_reader([&](const ilo::rcd::FrameSnapshot& f) {
    ++reads;
    return std::string(1, static_cast<char>(f.pixels.at(0))) + "\n";
  });
  EXPECT_TRUE(hub.reads_screen());
  hub.frame_noticed(frame, kT0 + 1s);
  hub.frame_noticed(frame, kT0 + 2s);  // same sequence: not read again
  EXPECT_EQ(reads, 1);
  frame.sequence = 4;
  frame.pixels = {66, 0, 0};
  hub.frame_noticed(frame, kT0 + 3s);
  const auto lines = drain(hub, r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["type"], "text");
  EXPECT_EQ(lines[0]["text"], "A\n");
  EXPECT_EQ(lines[1]["text"], "B\n");
  // Nobody reading `events`: frames are not recognised at all (it costs CPU per frame).
  hub.close_reader(r);
  EXPECT_FALSE(hub.reads_screen());  // the watcher does not even copy the frame
  frame.sequence = 6;
  hub.frame_noticed(frame, kT0 + 4s);
  EXPECT_EQ(reads, 2);
}

}  // namespace
