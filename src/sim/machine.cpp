// Power, boot script and keyboard of the simulated server (see machine.hpp).
#include "sim/machine.hpp"

#include <algorithm>
#include <string_view>

#include "sim/hid_keymap.hpp"

namespace ilo::sim {
namespace {

struct BootLine {
  std::string_view text;
  Rgb colour;
};
constexpr BootLine kBootScript[] = {
    {"HPE ProLiant DL360 Gen9 (simulated by ilo-sim)", TextConsole::kWhite},
    {"System ROM P89 v2.80, iLO 4 firmware 2.54", TextConsole::kGrey},
    {"Memory test: 32768 MB OK", TextConsole::kGrey},
    {"Processor 1: simulated Xeon @ 2.40GHz, 12 cores", TextConsole::kGrey},
    {"Press F9 for System Utilities, F11 for the boot menu", TextConsole::kYellow},
    {"", TextConsole::kGrey},
    {"Booting from the first boot device...", TextConsole::kGrey},
    {"ilo-sim simulated Linux console", TextConsole::kCyan},
    {"", TextConsole::kGrey},
};
constexpr std::string_view kPrompt = "root@ilo-sim:~# ";

}  // namespace

Machine::Machine(const Options& options, TimePoint now)
    : options_(options), console_(options.width, options.height) {
  if (options_.start_on) start_boot(now);
  update_status();
}

void Machine::start_boot(TimePoint now) {
  console_.clear();
  phase_ = PowerPhase::booting;
  boot_line_ = 0;
  deadline_ = now;
  ++boots_;
  ++power_generation_;
  update_status();
}

void Machine::power_off() {
  console_.clear();
  phase_ = PowerPhase::off;
  ++power_generation_;
  update_status();
}

void Machine::power(PowerAction action, TimePoint now) {
  switch (action) {
    case PowerAction::momentary_press:
      if (phase_ == PowerPhase::off) {
        start_boot(now);
      } else if (phase_ == PowerPhase::booting || phase_ == PowerPhase::running) {
        console_.write("\nThe system is going down for power off NOW!\n", TextConsole::kYellow);
        phase_ = PowerPhase::shutting_down;
        deadline_ = now + options_.shutdown_delay;
      }
      break;
    case PowerAction::press_and_hold:
      if (phase_ != PowerPhase::off) power_off();
      break;
    case PowerAction::cold_boot:
      if (powered()) power_off();
      phase_ = PowerPhase::cycling;
      deadline_ = now + options_.cycle_off_time;
      break;
    case PowerAction::reset:
      // A reset reboots a running host at once; it does nothing to a host that is off.
      if (powered()) {
        start_boot(now);  // counts as a power transition too: the host restarts POST
      }
      break;
    default:  // a value outside the menu (the parser keeps those): the button does nothing
      break;
  }
}

void Machine::tick(TimePoint now) {
  switch (phase_) {
    case PowerPhase::shutting_down:
      if (now >= deadline_) power_off();
      break;
    case PowerPhase::cycling:
      if (now >= deadline_) start_boot(now);
      break;
    case PowerPhase::booting:
      while (phase_ == PowerPhase::booting && now >= deadline_) {
        if (boot_line_ < std::size(kBootScript)) {
          const auto& line = kBootScript[boot_line_++];
          console_.write(line.text, line.colour);
          console_.write("\n");
          deadline_ += options_.boot_step;
        } else {
          console_.write(kPrompt, TextConsole::kGreen);
          phase_ = PowerPhase::running;
        }
      }
      break;
    case PowerPhase::off:
    case PowerPhase::running:
      break;
  }
}

void Machine::keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys) {
  const bool shift = (modifiers & (kModLeftShift | kModRightShift)) != 0;
  for (std::uint8_t k : keys) {
    if (k == 0 || std::find(held_.begin(), held_.end(), k) != held_.end()) continue;
    ++keys_typed_;
    if (!powered()) continue;
    const auto c = hid_to_ascii(k, shift);
    if (!c) continue;
    if (*c == '\b') {
      console_.backspace();
    } else if (*c == '\n') {
      console_.write("\n");
      if (phase_ == PowerPhase::running) console_.write(kPrompt, TextConsole::kGreen);
    } else if (*c != '\t') {
      console_.write(std::string_view(&*c, 1), TextConsole::kWhite);
    }
  }
  held_ = keys;
}

void Machine::pointer(int abs_x, int abs_y, std::uint8_t buttons) {
  pointer_x_ = std::clamp(abs_x, 0, 3000) * options_.width / 3000;
  pointer_y_ = std::clamp(abs_y, 0, 3000) * options_.height / 3000;
  pointer_buttons_ = buttons;
}

void Machine::print(const std::string& line, Rgb colour) {
  if (!powered()) return;
  console_.write(line, colour);
  console_.write("\n");
}

void Machine::set_drive_status(std::string status) {
  drive_status_ = std::move(status);
  update_status();
}

void Machine::update_status() {
  std::string s = " ilo-sim | power ";
  s += powered() ? "ON " : "OFF";
  s += " | CD-ROM: ";
  s += drive_status_;
  console_.set_status(s);
}

}  // namespace ilo::sim
