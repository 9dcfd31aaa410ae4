// ilo-sim: a simulated HPE iLO 4 on this machine, for tests and the demo. This file is only the
// process shell: options, the password file, signals, the ready line on stdout.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <asio.hpp>
#include <fmt/core.h>

#include "keymap/xkb_keymap.hpp"
#include "rc/video_codes.hpp"
#include "sim/simulator.hpp"

namespace {

bool parse_resolution(const std::string& text, int& w, int& h, std::string& error) {
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    std::size_t used = 0;
    w = std::stoi(text.substr(0, x), &used);
    if (used != x) throw std::invalid_argument("width");
    h = std::stoi(text.substr(x + 1), &used);
    if (used != text.size() - x - 1) throw std::invalid_argument("height");
  } catch (const std::exception&) {
    error = "--resolution must be WIDTHxHEIGHT, e.g. 1024x768";
    return false;
  }
  // MODE carries the width in 16-pixel columns (7 bits) and the height as 16-pixel rows (7
  // bits) plus 0-15 extra rows (docs/rc-video.md#screen-mode).
  using ilo::rc::kMaxScreenHeight, ilo::rc::kMaxScreenWidth;
  if (w % 16 != 0 || w < 64 || w > kMaxScreenWidth || h < 64 || h > kMaxScreenHeight) {
    error = fmt::format("--resolution: width must be a multiple of 16 in 64..{} and height in "
                        "64..{}", kMaxScreenWidth, kMaxScreenHeight);
    return false;
  }
  return true;
}

// "hdd,cd" -> {hdd, cd}: boot words (cd, usb, floppy, hdd, network), each at most once.
bool parse_boot_order(const std::string& text, std::vector<ilo::sim::BootDevice>& order,
                      std::string& error) {
  order.clear();
  std::size_t at = 0;
  for (;;) {
    const std::size_t comma = text.find(',', at);
    const std::string word = text.substr(at, comma == std::string::npos ? comma : comma - at);
    const auto device = ilo::ribcl::parse_boot_word(word);
    if (!device || *device == ilo::sim::BootDevice::normal ||
        std::find(order.begin(), order.end(), *device) != order.end()) {
      error = "--boot-order takes distinct words of cd, usb, floppy, hdd, network, e.g. hdd,cd";
      return false;
    }
    order.push_back(*device);
    if (comma == std::string::npos) return true;
    at = comma + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ilo::sim::SimConfig config;
  std::string password_file, resolution = "1024x768", cipher = "rc4";
  std::vector<std::string> faults;
  std::uint64_t seed = 1;
  std::string replay;
  std::string boot_order = "cd,hdd";
  std::string machine = "builtin";

  CLI::App app{"ilo-sim: a simulated HPE iLO 4 (HTTPS API, remote console, virtual media) for "
               "tests and demos. Prints one JSON line on stdout when ready."};
  app.add_option("--address", config.address, "address to listen on")->capture_default_str();
  app.add_option("--https-port", config.https_port, "HTTPS API port (0 = any free port)")->capture_default_str();
  app.add_option("--rc-port", config.rc_port, "remote console port (0 = any)")->capture_default_str();
  app.add_option("--vm-port", config.vm_port, "virtual media port (0 = any)")->capture_default_str();
  app.add_option("--user", config.user, "the one user name that can log in")->capture_default_str();
  app.add_option("--password-file", password_file,
                 "read the password from FILE (first line); default: ilo-sim-password");
  app.add_option("--resolution", resolution, "screen size WIDTHxHEIGHT")->capture_default_str();
  app.add_option("--cipher", cipher, "console stream cipher")
      ->check(CLI::IsMember({"rc4", "aes128", "aes256", "none"}))->capture_default_str();
  app.add_flag("--aes256-padded", config.cipher3_aes256_padded,
               "read cipher 3 as AES-256 with a zero-padded key (TypeScript reading)");
  app.add_option("--replay", replay, "serve this recorded console stream (e.g. tests/fixtures/rc-server.bin)");
  app.add_option("--replay-key", config.replay_key, "the recording's enc_key (32 hex)");
  app.add_option("--fault", faults, "inject a fault (repeatable): drop:CH:N, stall:CH:N:MS, corrupt:CH:N, "
                 "garbage:CH:N[:K] (CH = rc, cmd, vm or usb; K connections, default 1; append "
                 ":always for every connection), refuse-login, busy, no-licence");
  app.add_option("--seed", seed, "seed for corrupt and garbage faults")->capture_default_str();
  app.add_option("--cert", config.cert_path, "TLS certificate (PEM); default: self-signed, made at start-up");
  app.add_option("--key", config.key_path, "TLS private key (PEM) for --cert");
  app.add_option("--frame-interval", config.frame_interval_ms, "console update period in ms")
      ->check(CLI::Range(5, 10000))->capture_default_str();
  app.add_option("--ping-interval", config.ping_interval_ms, "in-band ping period in ms (0 = never)")
      ->check(CLI::Range(0, 3600000))->capture_default_str();
  app.add_option("--vm-poll-interval", config.vm_poll_interval_ms,
                 "ms between the idle virtual drive's media-change polls")
      ->check(CLI::Range(10, 3600000))->capture_default_str();
  app.add_option("--busy-timeout", config.busy_timeout_ms,
                 "ms a client told the console is busy may take to answer (seize or share)")
      ->check(CLI::Range(1, 3600000))->capture_default_str();
  std::string layout = "us";
  app.add_option("--layout", layout,
                 "the server's keyboard layout, XKB NAME or NAME:VARIANT (e.g. de, fr, "
                 "de:nodeadkeys)")->capture_default_str();
  app.add_option("--boot-order", boot_order,
                 "persistent boot order, e.g. hdd,cd for an installed server (the disk is always "
                 "the last resort)")->capture_default_str();
  app.add_option("--machine", machine,
                 "the server behind the iLO: builtin (a text console, fast and deterministic) or "
                 "qemu (a real x86 machine in QEMU, powered off at start)")
      ->check(CLI::IsMember({"builtin", "qemu"}))->capture_default_str();
  app.add_option("--qemu", config.qemu_path, "the QEMU binary for --machine qemu")
      ->capture_default_str();
  app.add_option("--memory", config.qemu_memory_mb, "the QEMU machine's memory in MB")
      ->check(CLI::Range(16, 65536))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  config.qemu = machine == "qemu";

  std::string error;
  if (!parse_resolution(resolution, config.width, config.height, error)) {
    fmt::print(stderr, "ilo-sim: {}\n", error);
    return 2;
  }
  if (!parse_boot_order(boot_order, config.boot_order, error)) {
    fmt::print(stderr, "ilo-sim: {}\n", error);
    return 2;
  }
  if (layout != "us") {
    const auto name = ilo::keymap::parse_layout_name(layout);
    if (!name) {
      fmt::print(stderr, "ilo-sim: --layout {}: expected NAME or NAME:VARIANT in XKB's spelling\n",
                 layout);
      return 2;
    }
    config.layout = ilo::sim::LayoutKeyboard::create(*name, error);
    if (!config.layout) {
      fmt::print(stderr, "ilo-sim: --layout: {}\n", error);
      return 2;
    }
  }
  using ilo::crypto::CipherId;
  config.cipher = cipher == "none"     ? CipherId::none
                  : cipher == "rc4"    ? CipherId::rc4
                  : cipher == "aes128" ? CipherId::aes128
                                       : CipherId::aes256;
  if (!replay.empty()) {
    if (config.replay_key.empty()) {
      fmt::print(stderr, "ilo-sim: --replay needs --replay-key (the recording's enc_key)\n");
      return 2;
    }
    config.replay_path = replay;
  }
  if (config.cert_path.empty() != config.key_path.empty()) {
    fmt::print(stderr, "ilo-sim: --cert and --key go together\n");
    return 2;
  }
  if (!password_file.empty()) {
    std::ifstream f(password_file);
    if (!f || !std::getline(f, config.password) || config.password.empty()) {
      fmt::print(stderr, "ilo-sim: cannot read a password from the first line of {}\n", password_file);
      return 2;
    }
  }

  asio::io_context io;
  ilo::sim::Simulator sim(io, config);
  for (const auto& spec : faults) {
    if (!sim.context().faults.add(spec, error)) {
      fmt::print(stderr, "ilo-sim: {}\n", error);
      return 2;
    }
  }
  sim.context().faults.set_seed(seed);
  if (const auto start_error = sim.start(error); start_error) {
    fmt::print(stderr, "ilo-sim: {}\n", error);
    return 1;
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int) {
    if (ec) return;
    sim.stop();  // posts the closing of every listener and connection
    // Runs after those closings (one thread, handlers in order); whatever completion handlers
    // are still pending are then destroyed with the io_context.
    asio::post(io, [&] { io.stop(); });
  });
  std::signal(SIGPIPE, SIG_IGN);

  std::cout << sim.ready_line().dump() << std::endl;
  io.run();
  return 0;
}
