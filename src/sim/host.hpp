// What the console and command servers see of the server behind the iLO: power, the picture on
// its screen, and its keyboard and pointer. Two kinds: the built-in Machine (BuiltinHost below,
// deterministic, the default) and a real x86 machine in QEMU (qemu_machine.hpp). No I/O here.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "rc/framebuffer.hpp"
#include "sim/machine.hpp"

namespace ilo::sim {

class Host {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Host() = default;

  [[nodiscard]] virtual bool powered() const = 0;
  // Counts power on/off transitions (and reboots of the built-in machine).
  [[nodiscard]] virtual std::uint64_t power_generation() const = 0;
  // Changes whenever the picture may have changed.
  [[nodiscard]] virtual std::uint64_t screen_generation() const = 0;
  // The picture now (0x0 while there is none); valid until the next call on this thread.
  [[nodiscard]] virtual const rc::Framebuffer& screen() = 0;

  virtual void power(PowerAction action, TimePoint now) = 0;
  // A keyboard report: modifier byte and six key slots (docs/rc-input.md#keyboard).
  virtual void keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys) = 0;
  // Absolute pointer, 0..3000 on both axes (docs/rc-input.md#pointer).
  virtual void pointer(int abs_x, int abs_y, std::uint8_t buttons) = 0;
};

// The built-in Machine as a Host: its text console rendered once per change.
class BuiltinHost final : public Host {
 public:
  explicit BuiltinHost(Machine& machine) : machine_(machine) {}

  [[nodiscard]] bool powered() const override { return machine_.powered(); }
  [[nodiscard]] std::uint64_t power_generation() const override {
    return machine_.power_generation();
  }
  [[nodiscard]] std::uint64_t screen_generation() const override {
    return machine_.console().generation();
  }
  [[nodiscard]] const rc::Framebuffer& screen() override {
    if (fb_.width() != machine_.width() || fb_.height() != machine_.height()) {
      fb_.resize(machine_.width(), machine_.height());  // on failure stays 0x0: "no video"
      rendered_ = 0;
    }
    if (machine_.console().generation() != rendered_) {
      machine_.console().render(fb_);
      rendered_ = machine_.console().generation();
    }
    return fb_;
  }
  void power(PowerAction action, TimePoint now) override { machine_.power(action, now); }
  void keyboard(std::uint8_t modifiers, const std::array<std::uint8_t, 6>& keys) override {
    machine_.keyboard(modifiers, keys);
  }
  void pointer(int abs_x, int abs_y, std::uint8_t buttons) override {
    machine_.pointer(abs_x, abs_y, buttons);
  }

 private:
  Machine& machine_;
  rc::Framebuffer fb_;
  std::uint64_t rendered_ = 0;  // the console generation rendered (0 = none)
};

}  // namespace ilo::sim
