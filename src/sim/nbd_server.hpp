// The server side of the NBD protocol (fixed newstyle handshake, simple replies), as a sans-I/O
// core: bytes in through feed(), the commands to serve come out one by one, replies and
// handshake bytes go out through take_output(). One export of a fixed size; the caller serves
// READ, WRITE and FLUSH (in any order, by handle). No socket, no storage, no timer here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace ilo::sim {

namespace nbd {
inline constexpr std::uint64_t kInitMagic = 0x4E42444D41474943;   // "NBDMAGIC"
inline constexpr std::uint64_t kOptionMagic = 0x49484156454F5054;  // "IHAVEOPT"
inline constexpr std::uint64_t kReplyMagic = 0x0003E889045565A9;   // option replies
inline constexpr std::uint32_t kRequestMagic = 0x25609513;
inline constexpr std::uint32_t kSimpleReplyMagic = 0x67446698;

// Handshake flags (server) and client flags.
inline constexpr std::uint16_t kFlagFixedNewstyle = 1;
inline constexpr std::uint16_t kFlagNoZeroes = 2;
// Transmission flags.
inline constexpr std::uint16_t kFlagHasFlags = 1;
inline constexpr std::uint16_t kFlagReadOnly = 2;
inline constexpr std::uint16_t kFlagSendFlush = 4;

enum Option : std::uint32_t {
  kOptExportName = 1,
  kOptAbort = 2,
  kOptInfo = 6,
  kOptGo = 7,
};
enum OptionReply : std::uint32_t {
  kRepAck = 1,
  kRepInfo = 3,
  kRepErrUnsupported = 0x80000001,
  kRepErrInvalid = 0x80000003,
};
inline constexpr std::uint16_t kInfoExport = 0;

enum class Command : std::uint16_t { read = 0, write = 1, disconnect = 2, flush = 3 };

// The errors of a simple reply (the NBD spec's values, which are Linux errno numbers).
enum Error : std::uint32_t {
  kOk = 0,
  kEperm = 1,
  kEio = 5,
  kEinval = 22,
  kEnospc = 28,
  kEshutdown = 108,
};

// The largest READ or WRITE served (the spec's recommended 32 MiB; QEMU sends at most that).
inline constexpr std::uint32_t kMaxPayload = 32u << 20;
// The largest option data accepted (an export name is at most 4 KiB).
inline constexpr std::uint32_t kMaxOptionLength = 8192;
}  // namespace nbd

struct NbdExport {
  std::uint64_t size = 0;
  bool read_only = true;
};

// A command the caller must answer with NbdServer::reply (READ: the data; others: none).
struct NbdRequest {
  nbd::Command type = nbd::Command::read;
  std::uint64_t handle = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::vector<std::uint8_t> data;  // WRITE
};

class NbdServer {
 public:
  enum class Phase : std::uint8_t {
    client_flags,  // greeting sent, waiting for the client's flags
    options,       // option haggling
    transmission,  // serving commands
    closed,        // NBD_OPT_ABORT or NBD_CMD_DISC: close once the output is written
    broken,        // the client broke the protocol (see error()): close now
  };

  explicit NbdServer(NbdExport exp);

  // Bytes from the client, cut anywhere. Uses all of them unless the phase becomes closed or
  // broken (then it stops there).
  std::size_t feed(std::span<const std::uint8_t> in);
  // The next valid READ/WRITE/FLUSH to serve, in the order received.
  [[nodiscard]] bool has_request() const noexcept { return !requests_.empty(); }
  NbdRequest take_request();
  // The answer to a request handed out (error kOk: READ data must be `length` bytes).
  void reply(std::uint64_t handle, std::uint32_t error, std::span<const std::uint8_t> data = {});

  // Bytes to send (greeting, option replies, simple replies).
  std::vector<std::uint8_t> take_output();
  [[nodiscard]] bool has_output() const noexcept { return !out_.empty(); }

  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // Requests answered with an error by the core itself (unknown command, out of range).
  [[nodiscard]] std::uint64_t rejected() const noexcept { return rejected_; }

 private:
  // How many bytes the unit being buffered needs in all (known once its header is in).
  [[nodiscard]] std::size_t need() const;
  [[nodiscard]] bool in_range(std::uint64_t offset, std::uint32_t length) const noexcept;
  [[nodiscard]] bool accepts_write(std::uint64_t offset, std::uint32_t length) const noexcept {
    return !export_.read_only && in_range(offset, length);
  }
  // Parses what is buffered; returns false when it needs more bytes.
  bool step();
  bool on_client_flags();
  bool on_option();
  bool on_request();
  void option_reply(std::uint32_t option, std::uint32_t type, std::span<const std::uint8_t> data);
  void export_info(std::uint32_t option);
  void simple_reply(std::uint64_t handle, std::uint32_t error);
  void fail(std::string why);

  NbdExport export_;
  Phase phase_ = Phase::client_flags;
  bool no_zeroes_ = false;
  std::vector<std::uint8_t> in_;  // unparsed bytes (at most one option or request with data)
  std::vector<std::uint8_t> out_;
  std::deque<NbdRequest> requests_;
  std::string error_;
  std::uint64_t rejected_ = 0;
  std::uint64_t discard_ = 0;  // WRITE data still to skip after a refused WRITE
};

}  // namespace ilo::sim
