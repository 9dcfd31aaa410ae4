// What the simulator's servers share: the immutable configuration, the simulated machine (and
// the Host the console serves: that machine, or a real one in QEMU), the web sessions and the
// fault plan. The context lives on the network thread (the Asio
// io_context that runs every server); only `sessions` may be used from other threads (the
// HTTPS server's), which reach everything else by posting to the network thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/stream_cipher.hpp"
#include "sim/fault_plan.hpp"
#include "sim/host.hpp"
#include "sim/machine.hpp"
#include "sim/session_registry.hpp"

namespace ilo::sim {

struct SimConfig {
  std::string address = "127.0.0.1";
  std::uint16_t https_port = 8443;
  std::uint16_t rc_port = 17990;
  std::uint16_t vm_port = 17988;
  std::string user = "Administrator";
  std::string password = "ilo-sim-password";  // the documented default for tests and the demo
  int width = 1024;
  int height = 768;
  crypto::CipherId cipher = crypto::CipherId::rc4;  // sent in video command 13
  bool cipher3_aes256_padded = false;    // how the simulator itself reads cipher 3
  std::string optional_features = "ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD";
  std::optional<std::string> replay_path;  // --replay: a recorded console stream
  std::string replay_key;                  // --replay-key: its enc_key text
  std::string cert_path, key_path;         // --cert/--key; empty: self-signed in memory
  int frame_interval_ms = 100;             // console update period
  int ping_interval_ms = 5000;             // in-band ping (command 16) period; 0 = never
  int seize_countdown_s = 5;               // countdown sent to an owner asked to give way
  int busy_timeout_ms = 60000;             // after 'S': how long the client may take to answer
  int vm_poll_interval_ms = 500;           // idle virtual drive: GET EVENT STATUS NOTIFICATION
  std::vector<BootDevice> boot_order{BootDevice::cd, BootDevice::hdd};  // --boot-order
  std::shared_ptr<LayoutKeyboard> layout = nullptr;  // --layout; null: the US table
  // --machine qemu: a real x86 machine in QEMU behind the console (qemu_machine.hpp).
  bool qemu = false;
  std::string qemu_path = "qemu-system-x86_64";  // --qemu
  int qemu_memory_mb = 256;                      // --memory
};

struct SimContext {
  SimContext(SimConfig c, Machine::TimePoint now)
      : config(std::move(c)),
        machine(Machine::Options{.width = config.width,
                                 .height = config.height,
                                 // With QEMU the built-in machine stays off: no boot of
                                 // its own ever reads the disc.
                                 .start_on = !config.qemu,
                                 .boot_order = config.boot_order,
                                 .layout = config.layout},
                now),
        builtin_host(machine),
        sessions(config.user, config.password) {}

  const SimConfig config;
  Machine machine;
  BuiltinHost builtin_host;
  Host* host = &builtin_host;  // what the console port serves (the Simulator may replace it)
  SessionRegistry sessions;  // thread-safe
  FaultPlan faults;
};

}  // namespace ilo::sim
