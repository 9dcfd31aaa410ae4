// The statistics both virtual-media drives of ilo-sim (the CD's VmServer, the UsbDrive) keep
// across their connections, and the /sim/state keys they share. Keys of one drive only
// (medium, refusals, writes) stay with that drive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bytes/hex.hpp"
#include "vm/sha256.hpp"

namespace ilo::sim {

struct VmDriveStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t reconnects = 0;  // connections after one that ended abnormally
  bool last_close_abnormal = false;
  std::uint64_t timeouts = 0;
  std::uint64_t violations_closed = 0;  // violations of connections already closed
  std::uint64_t keep_alives_closed = 0;
  std::uint64_t bytes_read_total = 0;
  std::uint64_t reads_completed = 0;
  std::uint64_t reads_failed = 0;
  std::optional<vm::Sha256::Digest> last_sha256;
  std::string last_close_reason;
  std::string last_violation;

  // A connection was accepted.
  void accepted() noexcept {
    if (connections_accepted > 0 && last_close_abnormal) ++reconnects;
    ++connections_accepted;
  }

  // The active connection, whose initiator is `ini`, closed for `reason`.
  template <class Initiator>
  void closed(const Initiator& ini, bool abnormal, const std::string& reason) {
    violations_closed += ini.violations();
    keep_alives_closed += ini.keep_alives();
    if (!ini.last_violation().empty()) last_violation = std::string(ini.last_violation());
    last_close_abnormal = abnormal;
    last_close_reason = reason;
  }

  // The shared keys into `j`; `ini` is the serving connection's initiator, or null.
  template <class Initiator>
  void put(nlohmann::json& j, const Initiator* ini) const {
    j["bytes_read"] = bytes_read_total;
    j["reads_completed"] = reads_completed;
    j["reads_interrupted"] = reads_failed;
    j["last_read_sha256"] = last_sha256 ? nlohmann::json(to_hex(*last_sha256)) : nlohmann::json();
    j["violations"] = violations_closed + (ini ? ini->violations() : 0);
    j["last_violation"] = ini && !ini->last_violation().empty()
                              ? std::string(ini->last_violation())
                              : last_violation;
    j["keep_alives"] = keep_alives_closed + (ini ? ini->keep_alives() : 0);
    j["connections"] = connections_accepted;
    j["reconnects"] = reconnects;
    j["timeouts"] = timeouts;
    j["last_close_reason"] = last_close_reason;
  }
};

}  // namespace ilo::sim
