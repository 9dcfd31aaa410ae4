// The simulated machine: power actions and their timing, boot banner and boot device (boot
// order, one-time boot), typed keys (Ctrl, keypad, Ctrl-Alt-Delete), the pointer's pixel
// mapping, rendering; and the RIBCL commands run against it.
#include "sim/machine.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "rc/pointer_state.hpp"
#include "ribcl/ribcl_reply.hpp"
#include "sim/hid_keymap.hpp"
#include "sim/ribcl_commands.hpp"

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
  // Boots, puts a disc in the drive and resets: at t0 + 20 s the machine waits on the drive.
  void reset_onto_the_disc() {
    boot();
    m.set_boot_disc(true, t0 + 10s);
    m.power(PowerAction::reset, t0 + 11s);
    m.tick(t0 + 20s);
  }
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

TEST_F(MachineTest, CtrlLetterEchoesInCaretNotation) {
  boot();
  type(0x01, 0x06);  // left Ctrl + c
  type(0x03, 0x06);  // Ctrl + Shift + c: the same
  type(0x10, 0x1D);  // right Ctrl + z
  type(0, 0x06);     // c alone
  type(0x01, 0x1E);  // Ctrl + 1: not a letter, types as usual
  EXPECT_NE(joined(m.console()).find("~# ^C^C^Zc1"), std::string::npos) << joined(m.console());
  type(0x01, 0x28);  // Ctrl + Enter is still Enter
  EXPECT_NE(joined(m.console()).find("~# ^C^C^Zc1\nroot@ilo-sim:~#"), std::string::npos)
      << joined(m.console());
  EXPECT_EQ(m.keys_typed(), 6u);
}

TEST_F(MachineTest, KeypadKeysEchoTheirCharacters) {
  boot();
  // Keypad 1..9, 0, '.', '/', '*', '-', '+' (Shift makes no difference), then keypad Enter.
  for (std::uint8_t k = 0x59; k <= 0x63; ++k) type(0, k);
  for (std::uint8_t k = 0x54; k <= 0x57; ++k) type(0x02, k);
  type(0, 0x58);
  EXPECT_NE(joined(m.console()).find("~# 1234567890./*-+\nroot@ilo-sim:~#"), std::string::npos)
      << joined(m.console());
}

TEST_F(MachineTest, CtrlAltDeleteReboots) {
  boot();
  type(0, 0x04);
  const auto boots = m.boots();
  type(0x01, 0x4C);  // Ctrl-Delete: nothing
  type(0x04, 0x4C);  // Alt-Delete: nothing
  m.tick(t0 + 11s);
  EXPECT_EQ(m.boots(), boots);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  type(0x05, 0x4C);  // Ctrl-Alt-Delete: reboots at the next tick
  m.tick(t0 + 12s);
  EXPECT_EQ(m.boots(), boots + 1);
  EXPECT_EQ(m.phase(), PowerPhase::booting);
  EXPECT_EQ(joined(m.console()).find("# a"), std::string::npos);
  m.tick(t0 + 20s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  EXPECT_NE(joined(m.console()).find("simulated by ilo-sim"), std::string::npos);
  // Right-hand modifiers and the keypad's Delete ('.') too, as HP's menu sends them.
  type(0x50, 0x63);
  m.tick(t0 + 21s);
  EXPECT_EQ(m.boots(), boots + 2);
  // Nothing while off.
  m.power(PowerAction::press_and_hold, t0 + 22s);
  type(0x05, 0x4C);
  m.tick(t0 + 23s);
  EXPECT_FALSE(m.powered());
  EXPECT_EQ(m.boots(), boots + 2);
}

// Every pixel rc::PointerState reports (HP's scaling, floor(3000 * p / size)) comes back as the
// same pixel, on each axis, at several screen sizes (rounding abs * size / 3000 to nearest
// would miss pixels at 1680x1050 and 2032x2047, for instance).
TEST(MachinePointer, EveryPixelRoundTripsThroughTheClientScaling) {
  for (const auto& [w, h] : {std::pair{1024, 768}, std::pair{640, 480}, std::pair{1680, 1050},
                             std::pair{2032, 2047}, std::pair{64, 64}}) {
    Machine m(Machine::Options{.width = w, .height = h}, Machine::TimePoint{});
    rc::PointerState client;
    client.set_screen(w, h);
    for (int x = 0; x <= w; ++x) {
      const auto r = client.update(x, 0, 0);
      ASSERT_TRUE(r);
      m.pointer(r->x, r->y, 0);
      ASSERT_EQ(m.pointer_x(), x) << w << "x" << h << " abs " << r->x;
      ASSERT_EQ(m.pointer_y(), 0);
    }
    for (int y = 0; y <= h; ++y) {
      const auto r = client.update(w - 1, y, 0);
      ASSERT_TRUE(r);
      m.pointer(r->x, r->y, 0);
      ASSERT_EQ(m.pointer_x(), w - 1);
      ASSERT_EQ(m.pointer_y(), y) << w << "x" << h << " abs " << r->y;
    }
  }
}

// The rows of the console from the first one containing `first`, or nothing.
std::vector<std::string> rows_from(const TextConsole& c, const std::string& first) {
  auto rows = c.text_rows();
  rows.pop_back();  // the status bar
  const auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const auto& r) { return r.find(first) != std::string::npos; });
  std::vector<std::string> out(it, rows.end());
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

TEST_F(MachineTest, BootsFromTheCdAfterThePostBannerThenShowsThePrompt) {
  boot();
  m.set_boot_disc(true, t0 + 10s);
  const auto cd_boots = m.cd_boots();
  m.power(PowerAction::reset, t0 + 11s);
  m.tick(t0 + 20s);  // long past the whole banner: waits for the drive
  EXPECT_TRUE(m.cd_boot_pending());
  EXPECT_EQ(m.cd_boots(), cd_boots + 1);
  EXPECT_EQ(m.phase(), PowerPhase::booting);
  // What the virtual-media server prints while it reads the disc.
  m.print("Virtual CD-ROM: reading DISC, 4096 bytes");
  m.print("Virtual CD-ROM: 50% read");
  m.print("Virtual CD-ROM: read 4096 bytes in 3 ms, SHA-256 00ff");
  m.tick(t0 + 30s);
  EXPECT_EQ(m.phase(), PowerPhase::booting);  // still waiting
  m.cd_boot_done(t0 + 31s);
  EXPECT_FALSE(m.cd_boot_pending());
  m.tick(t0 + 40s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  const std::vector<std::string> expected = {
      "HPE ProLiant DL360 Gen9 (simulated by ilo-sim)",
      "System ROM P89 v2.80, iLO 4 firmware 2.54",
      "Memory test: 32768 MB OK",
      "Processor 1: simulated Xeon @ 2.40GHz, 12 cores",
      "Press F9 for System Utilities, F11 for the boot menu",
      "",
      "Booting from CD-ROM...",
      "Virtual CD-ROM: reading DISC, 4096 bytes",
      "Virtual CD-ROM: 50% read",
      "Virtual CD-ROM: read 4096 bytes in 3 ms, SHA-256 00ff",
      "ilo-sim simulated Linux console",
      "",
      "root@ilo-sim:~#",
  };
  EXPECT_EQ(rows_from(m.console(), "HPE ProLiant"), expected) << joined(m.console());
  EXPECT_EQ(joined(m.console()).find("first boot device"), std::string::npos);
}

// A bootable disc stops at its boot loader's prompt; the typed line (with Backspace) is the
// installer's command line, then the OS comes up as after any CD boot.
TEST_F(MachineTest, BootableDiscWaitsAtBootPromptForTheCommandLine) {
  reset_onto_the_disc();
  ASSERT_TRUE(m.cd_boot_pending());
  m.cd_boot_done(t0 + 21s, Machine::CdBoot::bootable_disc);
  m.tick(t0 + 60s);  // waits for the user however long
  EXPECT_EQ(m.phase(), PowerPhase::boot_prompt);
  EXPECT_FALSE(m.installer_command_line());
  auto rows = rows_from(m.console(), "ISOLINUX");
  ASSERT_EQ(rows.size(), 3u) << joined(m.console());
  EXPECT_EQ(rows[2], "boot:");
  type(0, kHidBackspace);  // nothing typed yet: the prompt stays
  for (const char c : std::string("auto url=x")) {
    const auto k = ascii_to_hid(c);
    ASSERT_TRUE(k);
    type(k->shift ? kModLeftShift : 0, k->usage);
  }
  type(0, kHidBackspace);
  type(kModLeftShift, 0x1B);  // 'X'
  EXPECT_EQ(rows_from(m.console(), "boot:").front(), "boot: auto url=X");
  const auto starts = m.installer_starts();
  type(0, kHidEnter);
  EXPECT_EQ(m.installer_command_line(), "auto url=X");
  EXPECT_EQ(m.installer_starts(), starts + 1);
  m.tick(t0 + 70s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  rows = rows_from(m.console(), "boot:");
  const std::vector<std::string> expected = {"boot: auto url=X",
                                             "Starting the installer: auto url=X",
                                             "ilo-sim simulated Linux console", "",
                                             "root@ilo-sim:~#"};
  EXPECT_EQ(rows, expected) << joined(m.console());
}

TEST_F(MachineTest, BootPromptKeepsAtMost255BytesAndPowerStillWorks) {
  reset_onto_the_disc();
  m.cd_boot_done(t0 + 21s, Machine::CdBoot::bootable_disc);
  for (int i = 0; i < 300; ++i) type(0, kHidA);
  type(0, kHidEnter);
  ASSERT_TRUE(m.installer_command_line());
  EXPECT_EQ(*m.installer_command_line(), std::string(255, 'a'));
  // Enter alone takes the default; a momentary press at the prompt shuts down as anywhere.
  m.power(PowerAction::reset, t0 + 30s);
  m.tick(t0 + 40s);
  m.cd_boot_done(t0 + 41s, Machine::CdBoot::bootable_disc);
  type(0, kHidEnter);
  EXPECT_EQ(m.installer_command_line(), "");
  EXPECT_NE(joined(m.console()).find("Starting the installer: (default)"), std::string::npos);
  m.power(PowerAction::reset, t0 + 50s);
  m.tick(t0 + 60s);
  m.cd_boot_done(t0 + 61s, Machine::CdBoot::bootable_disc);
  ASSERT_EQ(m.phase(), PowerPhase::boot_prompt);
  m.power(PowerAction::momentary_press, t0 + 62s);
  m.tick(t0 + 70s);
  EXPECT_EQ(m.phase(), PowerPhase::off);
}

// A data disc (no El Torito record) goes straight on to the OS, as before.
TEST_F(MachineTest, DataDiscBootsWithoutAPrompt) {
  reset_onto_the_disc();
  m.cd_boot_done(t0 + 21s, Machine::CdBoot::data_disc);
  m.tick(t0 + 30s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  EXPECT_EQ(joined(m.console()).find("boot:"), std::string::npos);
}

TEST_F(MachineTest, BootsFromTheDiskWithoutADisc) {
  boot();
  const auto cd_boots = m.cd_boots();
  m.power(PowerAction::reset, t0 + 11s);
  m.tick(t0 + 20s);
  EXPECT_FALSE(m.cd_boot_pending());
  EXPECT_EQ(m.cd_boots(), cd_boots);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  const auto rows = rows_from(m.console(), "Booting from");
  ASSERT_EQ(rows.size(), 4u) << joined(m.console());
  EXPECT_EQ(rows[0], "Booting from hard disk...");
  EXPECT_EQ(rows[1], "ilo-sim simulated Linux console");
  EXPECT_EQ(rows[3], "root@ilo-sim:~#");
}

// An installed server (disk first) boots the disc only when told to once, and only once.
TEST(MachineBootOrder, OneTimeBootOverridesTheOrderForOneBoot) {
  const Machine::TimePoint t0{};
  Machine m{Machine::Options{.boot_order = {BootDevice::hdd, BootDevice::cd}}, t0};
  m.set_boot_disc(true, t0);
  m.tick(t0 + 10s);
  EXPECT_EQ(m.last_boot_device(), BootDevice::hdd);
  EXPECT_EQ(m.cd_boots(), 0u);

  m.set_one_time_boot(BootDevice::cd);
  EXPECT_EQ(m.one_time_boot(), BootDevice::cd);
  m.power(PowerAction::cold_boot, t0 + 11s);
  m.tick(t0 + 12s);   // back on
  m.tick(t0 + 20s);   // POST done: the disc boots
  EXPECT_EQ(m.last_boot_device(), BootDevice::cd);
  EXPECT_EQ(m.one_time_boot(), BootDevice::normal);  // cleared by that boot
  EXPECT_EQ(m.cd_boots(), 1u);
  EXPECT_NE(joined(m.console()).find("Booting from CD-ROM..."), std::string::npos);
  m.cd_boot_done(t0 + 21s);

  m.power(PowerAction::reset, t0 + 30s);
  m.tick(t0 + 40s);
  EXPECT_EQ(m.last_boot_device(), BootDevice::hdd);
  EXPECT_EQ(m.cd_boots(), 1u);
  EXPECT_NE(joined(m.console()).find("Booting from hard disk..."), std::string::npos);
}

TEST(MachineBootOrder, OneTimeDeviceWithoutMediumFallsBackToTheOrder) {
  const Machine::TimePoint t0{};
  Machine m{Machine::Options{}, t0};  // cd, hdd; no disc
  m.tick(t0 + 10s);
  for (const auto d : {BootDevice::usb, BootDevice::network, BootDevice::cd}) {
    m.set_one_time_boot(d);
    m.power(PowerAction::reset, t0 + 11s);
    m.tick(t0 + 20s);
    EXPECT_EQ(m.last_boot_device(), BootDevice::hdd);
    EXPECT_EQ(m.one_time_boot(), BootDevice::normal);
  }
  EXPECT_NE(joined(m.console()).find("No bootable medium on CDROM"), std::string::npos)
      << "the last one-time device was the empty CD-ROM" << joined(m.console());
  // The default order boots a disc when one is in.
  m.set_boot_disc(true, t0 + 21s);
  m.power(PowerAction::reset, t0 + 22s);
  m.tick(t0 + 30s);
  EXPECT_EQ(m.last_boot_device(), BootDevice::cd);
}

TEST(MachineRibcl, CommandsReadAndSetTheMachine) {
  const Machine::TimePoint t0{};
  Machine m{Machine::Options{}, t0};
  auto r = run_ribcl_command(m, ribcl::get_one_time_boot());
  ASSERT_EQ(r.status, 0u);
  ASSERT_TRUE(r.payload);
  EXPECT_EQ(ribcl::parse_one_time_boot(ribcl::build_reply({r})).value(), BootDevice::normal);
  r = run_ribcl_command(m, ribcl::set_one_time_boot(BootDevice::floppy));
  EXPECT_EQ(r.status, 0u);
  EXPECT_EQ(m.one_time_boot(), BootDevice::floppy);
  r = run_ribcl_command(m, ribcl::get_host_power_status());
  EXPECT_TRUE(ribcl::parse_host_power(ribcl::build_reply({r})).value());
  m.power(PowerAction::press_and_hold, t0);
  r = run_ribcl_command(m, ribcl::get_host_power_status());
  EXPECT_FALSE(ribcl::parse_host_power(ribcl::build_reply({r})).value());
  EXPECT_EQ(run_ribcl_command(m, {"SERVER_INFO", "read", "NOPE", std::nullopt}).status,
            kRibclSyntaxError);
  EXPECT_EQ(run_ribcl_command(m, {"SERVER_INFO", "write", "SET_ONE_TIME_BOOT", "RBSU"}).status,
            kRibclSyntaxError);
  EXPECT_EQ(m.one_time_boot(), BootDevice::floppy);
}

TEST_F(MachineTest, CdBootEndsWhenTheDiscGoesAwayOrThePowerDoes) {
  reset_onto_the_disc();
  ASSERT_TRUE(m.cd_boot_pending());
  m.set_boot_disc(false, t0 + 21s);  // the drive disconnected
  EXPECT_FALSE(m.cd_boot_pending());
  m.tick(t0 + 22s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
  // Power off while waiting, then on without a disc: no wait.
  m.set_boot_disc(true, t0 + 23s);
  m.power(PowerAction::reset, t0 + 23s);
  m.tick(t0 + 30s);
  ASSERT_TRUE(m.cd_boot_pending());
  m.power(PowerAction::press_and_hold, t0 + 31s);
  EXPECT_FALSE(m.cd_boot_pending());
  m.set_boot_disc(false, t0 + 32s);
  m.power(PowerAction::momentary_press, t0 + 33s);
  m.tick(t0 + 40s);
  EXPECT_EQ(m.phase(), PowerPhase::running);
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
