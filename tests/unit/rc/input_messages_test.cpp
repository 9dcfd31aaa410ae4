// Console input messages (docs/rc-input.md): clear-text encodings, the held-key and pointer
// bookkeeping with Java's rules, and the server-side parser at every split, including
// unknown message numbers.
#include <random>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"
#include "rc/handshake_codes.hpp"
#include "rc/input_messages.hpp"
#include "rc/input_parser.hpp"
#include "rc/keyboard_state.hpp"
#include "rc/pointer_state.hpp"
#include "rc/rc_error.hpp"
#include "session_test_support.hpp"

namespace ilo::rc {
namespace {

using test::all_schedules;
using test::describe;

std::string hex_of(const InputMessage& m) { return to_hex(encode_input_message(m)); }

KeyboardReport keys(std::uint8_t modifiers, std::initializer_list<std::uint8_t> usages) {
  KeyboardReport r;
  r.modifiers = modifiers;
  std::size_t i = 0;
  for (auto u : usages) r.keys[i++] = u;
  return r;
}

TEST(InputMessages, Encodings) {
  EXPECT_EQ(hex_of(PowerMessage{PowerAction::momentary_press}), "00000000");
  EXPECT_EQ(hex_of(PowerMessage{PowerAction::press_and_hold}), "00000100");
  EXPECT_EQ(hex_of(PowerMessage{PowerAction::cold_boot}), "00000200");
  EXPECT_EQ(hex_of(PowerMessage{PowerAction::reset}), "00000300");
  EXPECT_EQ(hex_of(keys(0x05, {0x4C})), "010005004c0000000000");
  EXPECT_EQ(hex_of(keys(0x00, {1, 2, 3, 4, 5, 6})), "01000000010203040506");
  PointerReport centre;
  centre.x = 1500;
  centre.y = 1500;
  centre.buttons = kButtonLeft;
  EXPECT_EQ(hex_of(centre), "0200dc05dc0500000100");  // #pointer example
  PointerReport moved{0x04ff, 0x05e3, 127, -127, 0, 0};
  EXPECT_EQ(hex_of(moved), "0200ff04e3057f810000");
  EXPECT_EQ(hex_of(RefreshMessage{}), "0500");
  EXPECT_EQ(hex_of(AckMessage{}), "0c00");
  EXPECT_EQ(to_hex(kSeizeWord), "5500");
  EXPECT_EQ(to_hex(kShareWord), "5600");
  for (const InputMessage& m : {InputMessage{PowerMessage{}}, InputMessage{KeyboardReport{}},
                                InputMessage{PointerReport{}}, InputMessage{RefreshMessage{}},
                                InputMessage{AckMessage{}}})
    EXPECT_EQ(encoded_size(m), encode_input_message(m).size());
  EXPECT_EQ(input_message_size(0x0055), 0u);
  EXPECT_EQ(input_message_size(0x0003), 0u);
}

TEST(KeyboardState, CtrlAltDelSequence) {
  KeyboardState k;
  EXPECT_TRUE(k.press(0xE0));  // left Ctrl
  EXPECT_TRUE(k.press(0xE2));  // left Alt
  EXPECT_TRUE(k.press(0x4C));  // Delete
  EXPECT_EQ(k.report(), keys(0x05, {0x4C}));
  EXPECT_TRUE(k.release(0x4C));
  EXPECT_EQ(k.report(), keys(0x05, {}));
  EXPECT_TRUE(k.release_all());
  EXPECT_EQ(k.report(), KeyboardReport{});
  EXPECT_FALSE(k.release_all());
}

TEST(KeyboardState, ModifiersOnlyInByteZero) {
  KeyboardState k;
  for (std::uint8_t u = 0xE0; u <= 0xE7; ++u) EXPECT_TRUE(k.press(u));
  EXPECT_EQ(k.report(), keys(0xFF, {}));
  EXPECT_FALSE(k.press(0xE3));  // already held
  EXPECT_TRUE(k.release(0xE1));
  EXPECT_EQ(k.report().modifiers, 0xFD);
  EXPECT_FALSE(k.release(0xE1));
}

TEST(KeyboardState, SeventhKeyOverwritesSlotSix) {
  KeyboardState k;
  for (std::uint8_t u = 0x04; u <= 0x09; ++u) EXPECT_TRUE(k.press(u));
  EXPECT_EQ(k.report(), keys(0, {0x04, 0x05, 0x06, 0x07, 0x08, 0x09}));
  EXPECT_TRUE(k.press(0x0A));
  EXPECT_EQ(k.report(), keys(0, {0x04, 0x05, 0x06, 0x07, 0x08, 0x0A}));
  EXPECT_TRUE(k.press(0x0B));  // the last key wins again
  EXPECT_EQ(k.report(), keys(0, {0x04, 0x05, 0x06, 0x07, 0x08, 0x0B}));
  EXPECT_FALSE(k.release(0x09));  // overwritten: forgotten
  EXPECT_FALSE(k.press(0x05));    // already held
  EXPECT_TRUE(k.release(0x05));
  EXPECT_EQ(k.report(), keys(0, {0x04, 0x00, 0x06, 0x07, 0x08, 0x0B}));
  EXPECT_TRUE(k.press(0x2C));  // takes the first free slot
  EXPECT_EQ(k.report(), keys(0, {0x04, 0x2C, 0x06, 0x07, 0x08, 0x0B}));
  EXPECT_FALSE(k.press(0));
  EXPECT_FALSE(k.release(0));
}

TEST(PointerState, JavaScalingAndDeltas) {
  PointerState p;
  EXPECT_FALSE(p.update(10, 10, 0));  // no screen yet
  p.set_screen(1360, 768);
  // HP's client: first report after the replayed session (hp-client-input message 5).
  auto r = p.update(580, 386, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (PointerReport{0x04ff, 0x05e3, 127, -127, 0, 0}));
  r = p.update(580, 386, kButtonLeft);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (PointerReport{0x04ff, 0x05e3, 0, 0, kButtonLeft, 0}));
  r = p.update(583, 380, kButtonLeft | kButtonRight);  // up 6 = +6
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dx, 3);
  EXPECT_EQ(r->dy, 6);
  EXPECT_EQ(r->x, 1286);  // floor(3000*583/1360) = floor(1286.03)
  EXPECT_EQ(r->y, 1484);  // floor(3000*380/768) = floor(1484.375)
  EXPECT_EQ(r->buttons, 3);
  r = p.update(1359, 767, 0);  // truncation, not rounding
  ASSERT_TRUE(r);
  EXPECT_EQ(r->x, 2997);  // 2997.79
  EXPECT_EQ(r->y, 2996);  // 2996.09
  EXPECT_EQ(r->dx, 127);
  EXPECT_EQ(r->dy, -127);
  r = p.update(1360, 768, 0);  // the edge itself is still sent
  ASSERT_TRUE(r);
  EXPECT_EQ(r->x, 3000);
  EXPECT_EQ(r->y, 3000);
  EXPECT_FALSE(p.update(1361, 0, 0));
  EXPECT_FALSE(p.update(0, 769, 0));
  EXPECT_FALSE(p.update(-1, 0, 0));
  r = p.update(1300, 768, 0);  // deltas from the last *sent* position
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dx, -60);
  EXPECT_EQ(r->dy, 0);
  p.set_screen(0, 0);
  EXPECT_FALSE(p.update(0, 0, 0));
}

std::vector<InputMessage> sample_messages() {
  return {PowerMessage{PowerAction::reset},
          keys(0x05, {0x4C}),
          PointerReport{0x04ff, 0x05e3, 127, -127, kButtonMiddle, 0x7E},
          RefreshMessage{},
          AckMessage{},
          PowerMessage{static_cast<PowerAction>(0x1234)},  // kept as sent
          KeyboardReport{0x80, 0x11, {0xE0, 0, 0x04, 0, 0, 0x65}},
          PointerReport{}};
}

struct MessageRun {
  std::vector<InputMessage> messages;
  std::error_code error;
  std::size_t consumed = 0;
};

// Stops at the first error.
MessageRun parse_all(InputParser& p, std::span<const std::uint8_t> data, const test::Cuts& cuts) {
  MessageRun run;
  run.consumed = test::feed_pieces(p, data, cuts, [&](const auto& r) {
    if (r.message) run.messages.push_back(*r.message);
    if (r.error) run.error = r.error;
    return !r.error;
  });
  return run;
}

TEST(InputParser, ParsesEveryMessageAtEverySplit) {
  const auto messages = sample_messages();
  std::vector<std::uint8_t> wire;
  for (const auto& m : messages) encode_input_message(m, wire);
  for (const auto& cuts : all_schedules(wire.size())) {
    SCOPED_TRACE(describe(cuts));
    InputParser p;
    const auto run = parse_all(p, wire, cuts);
    EXPECT_FALSE(run.error);
    EXPECT_EQ(run.messages, messages);
    EXPECT_EQ(run.consumed, wire.size());
  }
}

TEST(InputParser, StopsAtTheEndOfEachMessage) {
  InputParser p;
  const auto wire = *parse_hex("0500 0c00 00000300");
  auto r = p.feed(wire);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(r.message, InputMessage{RefreshMessage{}});
  r = p.feed(std::span(wire).subspan(2));
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(r.message, InputMessage{AckMessage{}});
  r = p.feed(std::span(wire).subspan(4, 3));
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_FALSE(r.message);
  r = p.feed({});
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_FALSE(r.message);
}

TEST(InputParser, UnknownNumberIsAStickyProtocolError) {
  for (const char* hex : {"0300", "5500", "5600", "0120", "ffff", "0100000000000000000006"}) {
    // The last one: a whole keyboard report, then the unknown number 0x0006.
    auto wire = *parse_hex(std::string("0500") + hex + "0000");
    for (const auto& cuts : all_schedules(wire.size())) {
      SCOPED_TRACE(std::string(hex) + " " + describe(cuts));
      InputParser p;
      const auto run = parse_all(p, wire, cuts);
      if (std::string(hex) == "0100000000000000000006") {
        // 05 00 | 01 00 + 8 | 06 00 -> unknown 0x0006
        EXPECT_EQ(run.messages.size(), 2u);
      } else {
        ASSERT_EQ(run.messages.size(), 1u);
        EXPECT_EQ(run.messages[0], InputMessage{RefreshMessage{}});
      }
      EXPECT_EQ(run.error, RcError::unknown_input_message);
      EXPECT_TRUE(p.failed());
      const auto again = p.feed(wire);
      EXPECT_EQ(again.consumed, 0u);
      EXPECT_EQ(again.error, RcError::unknown_input_message);
    }
  }
  InputParser p;
  p.feed(*parse_hex("3412"));
  EXPECT_EQ(p.bad_number(), 0x1234);
}

TEST(InputParser, RandomGarbageNeverHangs) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> data(1 + rng() % 64);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng() % 16);  // small numbers: some valid
    InputParser p;
    const auto run = parse_all(p, data, {});
    EXPECT_LE(run.consumed, data.size());
    if (!run.error) {
      EXPECT_EQ(run.consumed, data.size());
    }
  }
}

}  // namespace
}  // namespace ilo::rc
