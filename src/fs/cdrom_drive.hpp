// A virtual drive of the mount: the CD-ROM, or (DriveKind::usb_key) the floppy / USB key the
// server may write to. One virtual-media connection (net::VmSession) each, the medium inserted
// into it (a file in the image cache or a symlinked file, counted as it is served) and its
// state as the `status` file reports it. Keys come from the session owner; a connection
// refused for a stale key asks the owner for a new login and tries again with it. It does not
// know file names in the mount or the cache directory (the file system does).
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

// Which drive: the CD-ROM (read-only media), or the floppy/USB key
// (docs/virtual-media.md#floppy-and-usb-key-model: device 1 up to 2.88 MB, 3 above; writes land in
// the file in place and are fsynced at eject, DISCONNECT, unmount). `write_protect` presents every
// key write-protected (mount option ro).
struct DriveKind {
  bool usb_key = false;
  bool write_protect = false;
  [[nodiscard]] const char* tag() const noexcept { return usb_key ? "usb" : "cdrom"; }
};

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
  // USB key only.
  bool write_protected = false;    // the inserted medium is presented write-protected
  std::uint64_t bytes_written = 0; // data bytes the iLO wrote to this medium
  std::uint64_t write_errors = 0;  // writes or flushes the file refused (sent as 3/10/00)
};

class CdromDrive {
 public:
  CdromDrive(asio::io_context& io, std::string host, session::SessionOwner& owner,
             DriveKind kind = {});
  ~CdromDrive();  // stop()
  CdromDrive(const CdromDrive&) = delete;
  CdromDrive& operator=(const CdromDrive&) = delete;

  // Inserts the file at `path` (opened now: read-only for the CD; read-write for the key
  // unless the file or the kind forbids it) under `name`. Errors are open/fstat's.
  std::error_code insert(const std::string& path, const std::string& name);
  // Ejects: the iLO sees the medium go (DISCONNECT); waits up to `wait` for the connection to
  // close, so a caller may then delete the file. A key's writes are fsynced first.
  void eject(std::chrono::milliseconds wait = std::chrono::milliseconds{5000});
  // DISCONNECT (if connected) and end for good; waits up to `wait`.
  void stop(std::chrono::milliseconds wait = std::chrono::milliseconds{3000});

  [[nodiscard]] DriveStatus status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ilo::fs
