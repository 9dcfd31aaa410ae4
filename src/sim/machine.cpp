// Power, boot script and keyboard of the simulated server (see machine.hpp).
#include "sim/machine.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "sim/hid_keymap.hpp"

namespace ilo::sim {
namespace {

struct BootLine {
  std::string_view text;
  Rgb colour;
};
// POST, then the boot device line (disk or CD-ROM), then the OS, then the prompt.
constexpr BootLine kPostScript[] = {
    {"HPE ProLiant DL360 Gen9 (simulated by ilo-sim)", TextConsole::kWhite},
    {"System ROM P89 v2.80, iLO 4 firmware 2.54", TextConsole::kGrey},
    {"Memory test: 32768 MB OK", TextConsole::kGrey},
    {"Processor 1: simulated Xeon @ 2.40GHz, 12 cores", TextConsole::kGrey},
    {"Press F9 for System Utilities, F11 for the boot menu", TextConsole::kYellow},
    {"", TextConsole::kGrey},
};
constexpr std::string_view kBootFromDisk = "Booting from hard disk...";
constexpr std::string_view kBootFromCd = "Booting from CD-ROM...";
constexpr BootLine kOsScript[] = {
    {"ilo-sim simulated Linux console", TextConsole::kCyan},
    {"", TextConsole::kGrey},
};
constexpr std::size_t kBootDeviceStep = std::size(kPostScript);
constexpr std::size_t kPromptStep = kBootDeviceStep + 1 + std::size(kOsScript);
constexpr std::string_view kPrompt = "root@ilo-sim:~# ";
// A bootable disc's boot loader (ISOLINUX-like), its prompt and what Enter prints.
constexpr BootLine kLoaderScript[] = {
    {"ISOLINUX 6.04 (simulated by ilo-sim)", TextConsole::kWhite},
    {"Type a kernel command line and press Enter (Enter alone: the default).", TextConsole::kGrey},
};
constexpr std::string_view kLoaderPrompt = "boot: ";
constexpr std::string_view kInstallerStart = "Starting the installer: ";
// A boot loader's command line buffer (ISOLINUX's is 255 bytes too); longer input is dropped.
constexpr std::size_t kLoaderLineLimit = 255;

}  // namespace

Machine::Machine(const Options& options, TimePoint now)
    : options_(options), console_(options.width, options.height) {
  if (options_.start_on) start_boot(now);
  update_status();
}

void Machine::start_boot(TimePoint now) {
  console_.clear();
  phase_ = PowerPhase::booting;
  boot_step_ = 0;
  cd_waiting_ = false;
  reboot_wanted_ = false;
  deadline_ = now;
  ++boots_;
  ++power_generation_;
  update_status();
}

void Machine::power_off() {
  console_.clear();
  phase_ = PowerPhase::off;
  cd_waiting_ = false;
  reboot_wanted_ = false;
  ++power_generation_;
  update_status();
}

void Machine::power(PowerAction action, TimePoint now) {
  switch (action) {
    case PowerAction::momentary_press:
      if (phase_ == PowerPhase::off) {
        start_boot(now);
      } else if (phase_ == PowerPhase::booting || phase_ == PowerPhase::boot_prompt ||
                 phase_ == PowerPhase::running) {
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
  last_tick_ = now;
  if (reboot_wanted_) {
    reboot_wanted_ = false;
    if (powered()) start_boot(now);
  }
  switch (phase_) {
    case PowerPhase::shutting_down:
      if (now >= deadline_) power_off();
      break;
    case PowerPhase::cycling:
      if (now >= deadline_) start_boot(now);
      break;
    case PowerPhase::booting:
      while (phase_ == PowerPhase::booting && !cd_waiting_ && now >= deadline_) {
        const std::size_t step = boot_step_++;
        deadline_ += options_.boot_step;
        if (step < kBootDeviceStep) {
          console_.write(kPostScript[step].text, kPostScript[step].colour);
          console_.write("\n");
        } else if (step == kBootDeviceStep) {
          if (boot_device_step() == BootDevice::cd) {
            cd_waiting_ = true;  // until the drive has read the disc (cd_boot_done)
            ++cd_boots_;
          }
        } else if (step < kPromptStep) {
          const auto& line = kOsScript[step - kBootDeviceStep - 1];
          console_.write(line.text, line.colour);
          console_.write("\n");
        } else {
          console_.write(kPrompt, TextConsole::kGreen);
          phase_ = PowerPhase::running;
        }
      }
      break;
    case PowerPhase::off:
    case PowerPhase::boot_prompt:
    case PowerPhase::running:
      break;
  }
}

BootDevice Machine::boot_device_step() {
  std::vector<BootDevice> tries;
  const bool one_time = one_time_boot_ != BootDevice::normal;
  if (one_time) tries.push_back(one_time_boot_);
  one_time_boot_ = BootDevice::normal;  // used by this boot, whatever it finds
  tries.insert(tries.end(), options_.boot_order.begin(), options_.boot_order.end());
  tries.push_back(BootDevice::hdd);
  bool first = true;
  for (const BootDevice d : tries) {
    // The one-time device was asked for by name: when it cannot boot, say so, as a BIOS does;
    // the boot order's devices are skipped silently.
    const bool asked = std::exchange(first, false) && one_time;
    switch (d) {
      case BootDevice::cd:
        if (!boot_disc_) {
          if (asked) console_.write("No bootable medium on CDROM, trying the next device\n");
          continue;
        }
        console_.write(kBootFromCd);
        console_.write("\n");
        last_boot_device_ = d;
        return d;
      case BootDevice::hdd:
      case BootDevice::normal:
        console_.write(kBootFromDisk);
        console_.write("\n");
        last_boot_device_ = BootDevice::hdd;
        return BootDevice::hdd;
      case BootDevice::usb:
      case BootDevice::floppy:
      case BootDevice::network:
        // Nothing to boot from behind them in this machine.
        if (asked) {
          console_.write("No bootable medium on " + std::string(ribcl::ribcl_boot_name(d)) +
                         ", trying the next device\n");
        }
        continue;
    }
  }
  return BootDevice::hdd;  // not reached: the disk always boots
}

void Machine::keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys) {
  for (std::uint8_t k : keys) {
    if (k == 0 || std::find(held_.begin(), held_.end(), k) != held_.end()) continue;
    ++keys_typed_;
    if (powered()) type_key(k, modifiers);
  }
  held_ = keys;
}

void Machine::type_key(std::uint8_t usage, std::uint8_t modifiers) {
  const bool shift = (modifiers & (kModLeftShift | kModRightShift)) != 0;
  const bool ctrl = (modifiers & (kModLeftCtrl | kModRightCtrl)) != 0;
  const bool alt = (modifiers & (kModLeftAlt | kModRightAlt)) != 0;
  if (ctrl && alt && (usage == kHidDelete || usage == kHidKeypadPeriod)) {
    reboot_wanted_ = true;  // the console's Ctrl-Alt-Del: reboot
    return;
  }
  if (ctrl && usage >= kHidA && usage <= kHidZ) {
    // A Linux console echoes a control character as caret notation.
    const char echo[] = {'^', static_cast<char>('A' + (usage - kHidA))};
    console_.write(std::string_view(echo, sizeof echo), TextConsole::kWhite);
    return;
  }
  // Text keys go through the layout; Enter, Backspace, Tab and the keypad stay as below.
  const bool control = usage >= kHidEnter && usage <= kHidTab;
  const bool text_key = (usage >= kHidA && usage <= 0x38 && !control) || usage == 0x64 ||
                        usage == 0x87 || usage == 0x89;
  if (options_.layout && text_key) {
    type_text(options_.layout->press(usage, modifiers));
    return;
  }
  const auto c = hid_to_ascii(usage, shift);
  if (!c) return;
  if (*c == '\b') {
    backspace();
  } else if (*c == '\n') {
    enter();
  } else if (*c != '\t') {
    type_text(std::string_view(&*c, 1));
  }
}

void Machine::type_text(std::string_view text) {
  if (text.empty()) return;
  if (phase_ == PowerPhase::boot_prompt) {
    if (loader_line_.size() + text.size() > kLoaderLineLimit) return;  // full: not echoed
    loader_line_ += text;
  }
  console_.write(text, TextConsole::kWhite);
}

void Machine::backspace() {
  if (phase_ == PowerPhase::boot_prompt) {
    if (loader_line_.empty()) return;  // the prompt itself cannot be erased
    // Drop one UTF-8 character: its continuation bytes, then its lead byte.
    const auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    while (!loader_line_.empty() && continuation(loader_line_.back())) loader_line_.pop_back();
    if (!loader_line_.empty()) loader_line_.pop_back();
  }
  console_.backspace();
}

void Machine::enter() {
  console_.write("\n");
  if (phase_ == PowerPhase::running) {
    console_.write(kPrompt, TextConsole::kGreen);
  } else if (phase_ == PowerPhase::boot_prompt) {
    installer_command_line_ = loader_line_;
    loader_line_.clear();
    ++installer_starts_;
    console_.write(kInstallerStart, TextConsole::kCyan);
    console_.write(installer_command_line_->empty() ? std::string_view("(default)")
                                                    : std::string_view(*installer_command_line_),
                   TextConsole::kWhite);
    console_.write("\n");
    // The OS lines and the shell prompt follow at the boot pace.
    phase_ = PowerPhase::booting;
    boot_step_ = kBootDeviceStep + 1;
    deadline_ = last_tick_ + options_.boot_step;
  }
}

void Machine::pointer(int abs_x, int abs_y, std::uint8_t buttons) {
  // HP's client sends floor(3000 * p / size) for pixel p; the smallest pixel with that value is
  // ceil(abs * size / 3000), exact while size <= 3000 (the video protocol's sizes all are).
  const auto to_pixel = [](int abs, int size) {
    const long long a = std::clamp(abs, 0, 3000);
    return static_cast<int>((a * size + 2999) / 3000);
  };
  pointer_x_ = to_pixel(abs_x, options_.width);
  pointer_y_ = to_pixel(abs_y, options_.height);
  pointer_buttons_ = buttons;
}

bool Machine::set_resolution(int width, int height) {
  if (width % 16 != 0 || width < 64 || width > 2032 || height < 64 || height > 2047) return false;
  const std::uint64_t generation = console_.generation();
  options_.width = width;
  options_.height = height;
  console_ = TextConsole(width, height);
  console_.follow_generation(generation);  // watchers see a change, never an old number
  update_status();
  if (phase_ == PowerPhase::running) console_.write(kPrompt, TextConsole::kGreen);
  return true;
}

void Machine::set_boot_disc(bool present, TimePoint now) {
  boot_disc_ = present;
  if (!present) cd_boot_done(now);  // nothing left to boot from
}

void Machine::cd_boot_done(TimePoint now, CdBoot outcome) {
  if (!cd_waiting_) return;
  cd_waiting_ = false;
  deadline_ = now;  // the OS lines follow at the boot pace from now
  if (outcome != CdBoot::bootable_disc) return;
  for (const auto& line : kLoaderScript) {
    console_.write(line.text, line.colour);
    console_.write("\n");
  }
  console_.write(kLoaderPrompt, TextConsole::kWhite);
  loader_line_.clear();
  phase_ = PowerPhase::boot_prompt;  // until Enter (enter())
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
