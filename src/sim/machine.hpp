// The simulated server behind the simulated iLO: its power, its text console (POST banner, the
// boot from the disk or the virtual CD-ROM by boot order and one-time boot, a bootable disc's
// boot loader prompt `boot:` that takes a kernel command line, a shell prompt that echoes typed
// keys as a Linux console does), its keyboard and pointer. Time is passed in
// (tick), so tests drive it deterministically; it does no I/O, knows nothing of the wire and
// does not read the disc (the virtual-media server does, when cd_boots() changes). The network
// servers poll power_generation()/screen generation to notice changes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rc/input_messages.hpp"
#include "ribcl/boot_device.hpp"
#include "sim/layout_keyboard.hpp"
#include "sim/text_console.hpp"

namespace ilo::sim {

// The console's power button actions (docs/rc-input.md#power), as the input parser delivers them.
using rc::PowerAction;
// Boot devices, named as RIBCL names them (normal = no one-time boot).
using ribcl::BootDevice;

enum class PowerPhase : std::uint8_t {
  off,
  booting,        // POST and boot banner being printed
  boot_prompt,    // a bootable CD's boot loader waits at `boot:` for a command line
  running,        // at the shell prompt
  shutting_down,  // graceful shutdown after a momentary press; off at the deadline
  cycling,        // cold boot: off until the deadline, then boots
};

class Machine {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  struct Options {
    int width = 1024;
    int height = 768;
    std::chrono::milliseconds boot_step{120};        // between banner lines
    std::chrono::milliseconds shutdown_delay{1500};  // momentary press while on
    std::chrono::milliseconds cycle_off_time{800};   // cold boot: time spent off
    bool start_on = true;
    // The persistent boot order: the first bootable device boots. The CD-ROM is bootable with
    // a disc in the virtual drive, the disk always; USB, floppy and network never are here
    // (no medium or server behind them), and the disk is the last resort of every order.
    // {cd, hdd} is the default ("boots the CD when one is in"); {hdd, cd} is "an installed
    // server", which boots the CD only when told to once.
    std::vector<BootDevice> boot_order{BootDevice::cd, BootDevice::hdd};
    // The layout the console reads keys with (ilo-sim --layout); null: US (hid_keymap).
    std::shared_ptr<LayoutKeyboard> layout = nullptr;
  };

  Machine(const Options& options, TimePoint now);

  void power(PowerAction action, TimePoint now);
  void tick(TimePoint now);  // advances the boot script and pending power transitions

  // A keyboard report: modifier byte and six key slots (docs/rc-input.md#keyboard). New keys type:
  // with Ctrl held a letter echoes as "^C" (caret, upper-case letter); keypad keys type their
  // characters (Num Lock is always on); Ctrl-Alt-Delete (or Ctrl-Alt-keypad '.') reboots at the
  // next tick, like a reset.
  void keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys);
  // Pointer in absolute units 0..3000 (docs/rc-input.md#pointer); stored in screen pixels as the
  // smallest pixel HP's client scales to that value (floor(3000 * pixel / size)), so every pixel a
  // client reports comes back exactly, at every screen size up to 3000 pixels.
  void pointer(int abs_x, int abs_y, std::uint8_t buttons);

  // The boot device: when the CD-ROM's turn comes (boot order, one-time boot) and a disc is in
  // the virtual drive (the virtual-media server says so), the boot after POST is from the
  // CD-ROM: the machine prints "Booting from CD-ROM...", counts a CD-ROM boot and waits until
  // cd_boot_done() (the server has read the disc, printing its progress, or failed) before it
  // starts the OS and its prompt. Booting the disk prints "Booting from hard disk..." and goes
  // on at once. Taking the disc away during the wait ends the wait.
  // A bootable disc (El Torito) stops at its boot loader's `boot:` prompt: the typed line
  // (Enter) is the installer's command line (installer_command_line()), then the OS and its
  // prompt follow. A data disc, or a read that failed, goes on to the OS at once.
  void set_boot_disc(bool present, TimePoint now);
  // The one-time boot (RIBCL SET_ONE_TIME_BOOT): the next boot tries this device first, then
  // the boot order; the setting is cleared when that boot picks its device. normal clears it.
  void set_one_time_boot(BootDevice device) noexcept { one_time_boot_ = device; }
  [[nodiscard]] BootDevice one_time_boot() const noexcept { return one_time_boot_; }
  // "us" or the --layout name.
  [[nodiscard]] std::string layout_name() const {
    return options_.layout ? options_.layout->name() : "us";
  }
  [[nodiscard]] const std::vector<BootDevice>& boot_order() const noexcept {
    return options_.boot_order;
  }
  // The device the last boot used (nullopt before the first boot got that far).
  [[nodiscard]] std::optional<BootDevice> last_boot_device() const noexcept {
    return last_boot_device_;
  }
  enum class CdBoot : std::uint8_t { not_read, data_disc, bootable_disc };
  void cd_boot_done(TimePoint now, CdBoot outcome = CdBoot::not_read);
  [[nodiscard]] bool cd_boot_pending() const noexcept { return cd_waiting_; }
  // Counts CD-ROM boots started; a new value means: read the disc now.
  [[nodiscard]] std::uint64_t cd_boots() const noexcept { return cd_boots_; }
  // The command line typed at the last `boot:` prompt (nullopt before one was entered), and a
  // count of installer starts: a new value means the installer looks for its USB key now.
  [[nodiscard]] const std::optional<std::string>& installer_command_line() const noexcept {
    return installer_command_line_;
  }
  [[nodiscard]] std::uint64_t installer_starts() const noexcept { return installer_starts_; }

  [[nodiscard]] bool powered() const noexcept { return phase_ != PowerPhase::off && phase_ != PowerPhase::cycling; }
  [[nodiscard]] PowerPhase phase() const noexcept { return phase_; }
  // Counts power on/off transitions.
  [[nodiscard]] std::uint64_t power_generation() const noexcept { return power_generation_; }
  // Counts boots (power-on and reset); a new value means the host is starting again.
  [[nodiscard]] std::uint64_t boots() const noexcept { return boots_; }

  [[nodiscard]] const TextConsole& console() const noexcept { return console_; }
  // Writes a line on the console (e.g. the virtual drive's boot progress).
  void print(const std::string& line, Rgb colour = TextConsole::kGrey);
  void set_drive_status(std::string status);

  // A new screen mode (as the OS switching video modes): the console is cleared at the new
  // size (the prompt again when running). False, nothing changed, for a size the video
  // protocol cannot describe (width a multiple of 16 in 64..2032, height 64..2047).
  bool set_resolution(int width, int height);
  [[nodiscard]] int width() const noexcept { return options_.width; }
  [[nodiscard]] int height() const noexcept { return options_.height; }
  [[nodiscard]] int pointer_x() const noexcept { return pointer_x_; }
  [[nodiscard]] int pointer_y() const noexcept { return pointer_y_; }
  [[nodiscard]] std::uint8_t pointer_buttons() const noexcept { return pointer_buttons_; }
  [[nodiscard]] std::uint64_t keys_typed() const noexcept { return keys_typed_; }

 private:
  void start_boot(TimePoint now);
  void power_off();
  void update_status();
  void type_key(std::uint8_t usage, std::uint8_t modifiers);
  void type_text(std::string_view text);  // echo, and into the boot loader's line at boot:
  void enter();                           // the Enter key
  void backspace();
  // Picks the boot device (consuming the one-time boot) and prints the boot line(s).
  BootDevice boot_device_step();

  Options options_;
  TextConsole console_;
  PowerPhase phase_ = PowerPhase::off;
  TimePoint deadline_{};
  TimePoint last_tick_{};
  std::size_t boot_step_ = 0;    // POST lines, the boot device line, then the OS lines
  bool boot_disc_ = false;
  BootDevice one_time_boot_ = BootDevice::normal;
  std::optional<BootDevice> last_boot_device_;
  bool cd_waiting_ = false;
  std::uint64_t cd_boots_ = 0;
  std::string loader_line_;  // typed at boot: so far
  std::optional<std::string> installer_command_line_;
  std::uint64_t installer_starts_ = 0;
  bool reboot_wanted_ = false;   // Ctrl-Alt-Delete: reboot at the next tick
  std::uint64_t power_generation_ = 0;
  std::uint64_t boots_ = 0;
  std::array<std::uint8_t, 6> held_{};
  std::uint64_t keys_typed_ = 0;
  int pointer_x_ = 0, pointer_y_ = 0;
  std::uint8_t pointer_buttons_ = 0;
  std::string drive_status_ = "no disc";
};

}  // namespace ilo::sim
