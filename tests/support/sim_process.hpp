// Test support: the real ilo-sim binary as a child process (ports 0, ready when it prints its
// JSON line), its inspection API (/sim/state and friends) and small waiting helpers. Shared by
// the loopback, companion and mount tests; it knows nothing of the product's clients.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ilo::test {

class SimProcess {
 public:
  // Starts `exe` (default: the ILO_SIM_EXE environment variable) on 127.0.0.1 with every port
  // 0, plus `extra` arguments. error() is non-empty if it did not become ready within 10 s.
  explicit SimProcess(const std::vector<std::string>& extra = {}, std::string exe = {});
  ~SimProcess();  // SIGTERM, then SIGKILL after 3 s
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::uint16_t https_port() const { return https_port_; }
  [[nodiscard]] std::uint16_t rc_port() const { return rc_port_; }
  [[nodiscard]] std::uint16_t vm_port() const { return vm_port_; }
  [[nodiscard]] const std::string& fingerprint() const { return fingerprint_; }
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] static const char* password() { return "ilo-sim-password"; }
  // Everything the simulator wrote on stderr so far (for secret checks in tests).
  [[nodiscard]] std::string stderr_text() const;

  // GET /sim/state (no authentication), or a null value.
  [[nodiscard]] nlohmann::json state() const;
  // A request to the HTTPS port without authentication; returns the status (0 if none) and
  // fills `body`.
  int get(const std::string& path, std::string* body = nullptr) const;
  int post(const std::string& path, const std::string& json_body, std::string* body = nullptr) const;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string err_path_;
  std::uint16_t https_port_ = 0, rc_port_ = 0, vm_port_ = 0;
  std::string fingerprint_;
  std::string error_;
};

// The simulator's text rows joined with newlines ("" for a non-object).
std::string state_text(const nlohmann::json& state);

// Polls `pred` every 20 ms until it holds or `limit` passes.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::milliseconds{5000});

}  // namespace ilo::test
