// The simulated console reading keys with an XKB layout (ilo-sim --layout): German positions,
// AltGr, dead keys; and the console drawing Latin-1 while showing other characters as '?'.
#include "sim/layout_keyboard.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "sim/machine.hpp"

namespace ilo::sim {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<LayoutKeyboard> german() {
  std::string error;
  auto k = LayoutKeyboard::create({"de", ""}, error);
  EXPECT_TRUE(k) << error;
  return k;
}

TEST(LayoutKeyboard, GermanKeys) {
  auto de = german();
  ASSERT_TRUE(de);
  EXPECT_EQ(de->name(), "de");
  EXPECT_EQ(de->press(0x1C, 0), "z");          // the US Y key
  EXPECT_EQ(de->press(0x1D, 0x02), "Y");       // Shift + the US Z key
  EXPECT_EQ(de->press(0x14, 0x40), "@");       // AltGr + Q
  EXPECT_EQ(de->press(0x34, 0), "\u00E4");     // ä
  EXPECT_EQ(de->press(0x35, 0), "");           // dead circumflex waits...
  EXPECT_EQ(de->press(0x08, 0), "\u00EA");     // ...for e: ê
  EXPECT_EQ(de->press(0x08, 0), "e");          // and is gone
  EXPECT_EQ(de->press(0x87, 0x02), "");        // a key this layout leaves empty (RO)
  std::string error;
  EXPECT_FALSE(LayoutKeyboard::create({"zz", ""}, error));
  EXPECT_NE(error.find("zz"), std::string::npos);
}

TEST(LayoutKeyboard, MachineTypesThroughTheLayout) {
  Machine::Options options;
  options.layout = german();
  ASSERT_TRUE(options.layout);
  Machine m(options, Machine::TimePoint{});
  m.tick(Machine::TimePoint{} + 10s);
  EXPECT_EQ(m.layout_name(), "de");
  const auto type = [&](std::uint8_t mods, std::uint8_t key) {
    m.keyboard(mods, {key, 0, 0, 0, 0, 0});
    m.keyboard(0, {});
  };
  type(0, 0x1C);     // z
  type(0x40, 0x14);  // @
  type(0, 0x33);     // ö
  type(0, 0x28);     // Enter stays Enter
  const auto rows = m.console().text_rows();
  std::string all;
  for (const auto& r : rows) all += r + "\n";
  EXPECT_NE(all.find("# z@\u00F6\n"), std::string::npos) << all;
}

TEST(TextConsole, DrawsLatin1AndMarksTheRest) {
  TextConsole c(80, 64);
  c.write("\u00E4\u00DF\u20AC\xFFx");  // ä ß € (no glyph), an invalid byte (skipped), x
  EXPECT_EQ(c.text_rows()[0], "\u00E4\u00DF?x");
}

}  // namespace
}  // namespace ilo::sim
