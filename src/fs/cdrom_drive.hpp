// The mount's CD-ROM drive: one virtual-media connection (net::VmSession) to the iLO, the
// medium inserted into it (a file in the image cache or a symlinked file, counted as it is
// served) and its state as the `status` file reports it. Keys come from the session owner; a
// connection refused for a stale key asks the owner for a new login and tries again with it.
// It does not know file names in the mount or the cache directory (the file system does).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "rcd/companion.hpp"  // LinkState
#include "session/session_owner.hpp"

namespace asio {
class io_context;
}

namespace ilo::fs {

struct DriveStatus {
  rcd::LinkState link = rcd::LinkState::down;
  std::string error;            // the last connection error ("" if none)
  std::string name;             // the inserted image's name in the mount ("" if none)
  std::uint64_t size = 0;
  bool inserted = false;        // a medium is in the drive
  bool ready = false;           // ... and the iLO has the connection for it
  std::uint64_t bytes_served = 0;  // data bytes read by the iLO from this medium
  std::int64_t last_lba = -1;   // the last block the iLO read (-1: none yet)
  std::uint64_t connects = 0, reconnects = 0;
};

class CdromDrive {
 public:
  CdromDrive(asio::io_context& io, std::string host, session::SessionOwner& owner);
  ~CdromDrive();  // stop()
  CdromDrive(const CdromDrive&) = delete;
  CdromDrive& operator=(const CdromDrive&) = delete;

  // Inserts the file at `path` (opened now, read-only) under `name`. Errors are open/fstat's.
  std::error_code insert(const std::string& path, const std::string& name);
  // Ejects: the iLO sees the medium go (DISCONNECT); waits up to `wait` for the connection to
  // close, so a caller may then delete the file.
  void eject(std::chrono::milliseconds wait = std::chrono::milliseconds{5000});
  // DISCONNECT (if connected) and end for good; waits up to `wait`.
  void stop(std::chrono::milliseconds wait = std::chrono::milliseconds{3000});

  [[nodiscard]] DriveStatus status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ilo::fs
