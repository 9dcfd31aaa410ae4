// The simulated machine: power actions and their timing, boot banner, typed keys, rendering.
#include "sim/machine.hpp"

#include <gtest/gtest.h>

namespace ilo::sim {
namespace {

using namespace std::chrono_literals;
using Kb = std::array<std::uint8_t, 6>;

std::string joined(const TextConsole& c) {
  std::string s;
  for (auto& r : c.text_rows()) s += r + "\n";
  return s;
}

struct MachineTest : ::testing::Test {
  Machine::TimePoint t0{};
  Machine m{Machine::Options{}, t0};
  void boot() { m.tick(t0 + 10s); }
  void type(std::uint8_t mods, std::uint8_t key) {
    m.keyboard(mods, Kb{key});
    m.keyboard(0, Kb{});
  }
};

TEST_F(MachineTest, BootsToPromptShowingBanner) {
  EXPECT_EQ(m.phase(), PowerPhase::booting);
  boot();
  EXPECT_EQ(m.phase(), PowerPhase::running);
  const auto text = joined(m.console());
  EXPECT_NE(text.find("simulated by ilo-sim"), std::string::npos);
  EXPECT_NE(text.find("root@ilo-sim:~#"), std::string::npos);
  EXPECT_NE(m.console().text_rows().back().find("power ON"), std::string::npos);
}

TEST_F(MachineTest, TypedKeysAppearWithShiftBackspaceAndEnter) {
  boot();
  type(0x02, 0x04);  // Shift+a
  type(0, 0x05);     // b
  type(0, 0x1E);     // 1
  type(0, 0x1F);     // 2
  type(0, 0x2A);     // Backspace
  type(0, 0x28);     // Enter
  const auto rows = m.console().text_rows();
  EXPECT_NE(joined(m.console()).find("root@ilo-sim:~# Ab1\nroot@ilo-sim:~#"), std::string::npos)
      << joined(m.console());
  EXPECT_EQ(m.keys_typed(), 6u);
}

TEST_F(MachineTest, HeldKeyDoesNotRepeatAcrossReports) {
  boot();
  m.keyboard(0, Kb{0x04});
  m.keyboard(0, Kb{0x04, 0x05});  // a still held, b newly pressed
  m.keyboard(0, Kb{});
  EXPECT_NE(joined(m.console()).find("# ab"), std::string::npos);
  EXPECT_EQ(joined(m.console()).find("# aab"), std::string::npos);
}

TEST_F(MachineTest, MomentaryPressShutsDownGracefullyThenPowersOn) {
  boot();
  const auto g = m.power_generation();
  m.power(PowerAction::momentary_press, t0 + 11s);
  EXPECT_EQ(m.phase(), PowerPhase::shutting_down);
  EXPECT_TRUE(m.powered());
  m.tick(t0 + 11s + 1400ms);
  EXPECT_TRUE(m.powered());
  m.tick(t0 + 11s + 1500ms);
  EXPECT_FALSE(m.powered());
  EXPECT_GT(m.power_generation(), g);
  m.power(PowerAction::momentary_press, t0 + 13s);
  EXPECT_EQ(m.phase(), PowerPhase::booting);
}

TEST_F(MachineTest, HoldIsImmediateOffAndCycleComesBack) {
  boot();
  m.power(PowerAction::press_and_hold, t0 + 11s);
  EXPECT_FALSE(m.powered());
  m.power(PowerAction::cold_boot, t0 + 12s);
  EXPECT_EQ(m.phase(), PowerPhase::cycling);
  m.tick(t0 + 12s + 700ms);
  EXPECT_FALSE(m.powered());
  const auto boots = m.boots();
  m.tick(t0 + 12s + 800ms);
  EXPECT_TRUE(m.powered());
  EXPECT_EQ(m.boots(), boots + 1);
}

TEST_F(MachineTest, ResetRestartsTheBanner) {
  boot();
  type(0, 0x04);
  const auto boots = m.boots();
  m.power(PowerAction::reset, t0 + 11s);
  EXPECT_EQ(m.boots(), boots + 1);
  EXPECT_EQ(m.phase(), PowerPhase::booting);
  EXPECT_EQ(joined(m.console()).find("# a"), std::string::npos);
  m.tick(t0 + 20s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
}

TEST_F(MachineTest, ResetWhileOffDoesNothing) {
  m.power(PowerAction::press_and_hold, t0);
  m.power(PowerAction::reset, t0 + 1s);
  EXPECT_FALSE(m.powered());
}

TEST_F(MachineTest, PointerScalesToScreenPixels) {
  m.pointer(1500, 3000, 1);
  EXPECT_EQ(m.pointer_x(), 512);
  EXPECT_EQ(m.pointer_y(), 768);
  EXPECT_EQ(m.pointer_buttons(), 1);
  m.pointer(-5, 99999, 0);
  EXPECT_EQ(m.pointer_x(), 0);
  EXPECT_EQ(m.pointer_y(), 768);
}

TEST_F(MachineTest, RendersGlyphPixels) {
  boot();
  rc::Framebuffer fb;
  ASSERT_TRUE(fb.resize(1024, 768));
  m.console().render(fb);
  // The first banner line starts with 'H' in white: some white pixel in the first cell.
  bool white = false;
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 8; ++x) white |= fb.row(y)[x * 3] == 0xF8;
  EXPECT_TRUE(white);
  // The status bar background is blue.
  EXPECT_EQ(fb.row(767)[1023 * 3 + 2], TextConsole::kBlue.b);
}

TEST(TextConsole, ScrollsKeepingStatusBar) {
  TextConsole c(64, 64);  // 8 columns, 4 rows: 3 text rows + status
  c.set_status("status");
  c.write("one\ntwo\nthree\nfour");
  auto rows = c.text_rows();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], "two");
  EXPECT_EQ(rows[2], "four");
  EXPECT_EQ(rows[3], "status");
  c.write("12345678901");  // fills "four" to 8 columns, wraps, scrolls
  EXPECT_EQ(c.text_rows()[1], "four1234");
  EXPECT_EQ(c.text_rows()[2], "5678901");
}

}  // namespace
}  // namespace ilo::sim
