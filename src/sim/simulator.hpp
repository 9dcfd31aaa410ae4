// The whole simulated iLO 4: the machine and web sessions (SimContext), the HTTPS API, the
// console/command port and the virtual-media port, all served from one Asio io_context thread
// (the HTTPS server has its own threads and reaches the rest by posting to that one). It owns
// no process concerns (arguments, signals, stdout): main.cpp does.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>
#include <nlohmann/json.hpp>

#include "sim/https_api.hpp"
#include "sim/sim_context.hpp"

namespace ilo::sim {

class ConsoleServer;
class HttpsApi;
class QemuMachine;
class VmServer;

class Simulator {
 public:
  Simulator(asio::io_context& io, SimConfig config);
  ~Simulator();

  // Loads the replay recording, binds every port (0 = any free one) and starts serving.
  // On failure `error` says what in one line.
  std::error_code start(std::string& error);
  // Closes every listener and connection; the io_context then runs out of work.
  void stop();

  // The one JSON line printed when ready: address, ports, certificate fingerprint, user.
  [[nodiscard]] nlohmann::json ready_line() const;
  // GET /sim/state. Must run on the io_context's thread.
  [[nodiscard]] nlohmann::json state() const;

  SimContext& context() noexcept { return ctx_; }

  // SHA-256 (hex) of the RGB888 picture the machine shows now; see state().
  [[nodiscard]] std::string screen_sha256() const;

 private:
  void schedule_tick();
  // Runs f on the io_context thread and waits for its result (from the HTTPS threads).
  template <typename F>
  auto on_network_thread(F&& f) -> decltype(f());
  // POST /sim/usb/write, from an HTTPS thread: waits for the write's outcome.
  UsbWriteResult usb_write(std::uint32_t lba, std::vector<std::uint8_t> data);

  asio::io_context& io_;
  SimContext ctx_;
  asio::steady_timer ticker_;
  std::unique_ptr<ConsoleServer> console_;
  std::unique_ptr<VmServer> vm_;
  std::unique_ptr<QemuMachine> qemu_;  // --machine qemu; before vm_ in destruction
  std::unique_ptr<HttpsApi> https_;
  std::chrono::steady_clock::time_point started_;
  bool stopped_ = false;
};

}  // namespace ilo::sim
