// The client's virtual-media connection of one drive (docs/virtual-media.md; anchors below refer
// to it): connects to the iLO's vm_port, sends the connect request, then answers the server's
// requests from a CdromTarget or (floppy / USB key) a FloppyTarget, sends keep-alives when
// idle, DISCONNECT on eject/stop, and reconnects after a drop with the medium still inserted.
// A thin Asio shell around the cores; one session per drive (a CD and a key: two sessions).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

// GCC's -Wnull-dereference fires inside Asio's scheduler.ipp after inlining (a false positive);
// the warning is judged at that header's location, so silence it for Asio's headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop

#include "net/connection_policy.hpp"

#include "vm/cdrom_target.hpp"
#include "vm/floppy_target.hpp"
#include "vm/medium.hpp"
#include "vm/wire.hpp"

namespace ilo::net {

// The keys of one web login (/json/login_session, /json/rc_info). Secrets: never logged,
// never put in error text.
struct VmCredentials {
  std::string session_key;
  std::string enc_key;
  // The login these keys came from (session::SessionKeys::generation); handed back through
  // on_stale_keys when the iLO refuses them.
  std::uint64_t generation = 0;
};

struct VmSessionOptions {
  // The shared defaults, except a quicker first retry (a boot reading the disc is waiting).
  static ConnectionPolicy default_policy() {
    ConnectionPolicy p;
    p.backoff_initial = std::chrono::milliseconds{100};
    p.backoff_max = std::chrono::milliseconds{5000};
    return p;
  }

  // The drive: cdrom (#cd-image-model), or floppy / usb_key (#floppy-and-usb-key-model; either one:
  // the type sent is chosen from each medium's size as HP's client does, floppy_device_for()).
  vm::DeviceType device = vm::DeviceType::cdrom;
  // #floppy-and-usb-key-model drives: present every medium write-protected (the mount's `ro`
  // option). A medium that is not a writable vm::WritableMedium is write-protected anyway.
  bool write_protect = false;

  std::string host = "127.0.0.1";
  std::uint16_t port = 17988;  // vm_port of /json/rc_info
  VmCredentials credentials;
  bool encrypt_vmkey = true;  // ENCRYPT_VMKEY in optional_features: XOR the key (#connect-request)

  std::chrono::milliseconds keep_alive_interval{1000};  // idle time before a #keep-alive
  std::chrono::milliseconds write_timeout{30000};       // a reply the server does not take
  // connect_timeout bounds resolve + TCP connect, handshake_timeout the connect response;
  // backoff and max_attempts apply between attempts while a medium stays inserted.
  ConnectionPolicy policy = default_policy();
  // Called (on the session's strand) when the iLO refuses the key (0x22): the owner of the
  // login should log in again and hand the new keys to set_credentials(); the session backs
  // off and retries with whatever keys it holds then. Empty: a refusal ends the session.
  std::function<void(std::uint64_t stale_generation)> on_stale_keys;
  // SO_SNDBUF (0: kernel autotuning). Room for a whole 64-block reply lets it leave in one
  // sendmsg; only one reply is ever in flight, so more buys nothing.
  int send_buffer_bytes = 1 << 20;
};

// Events, delivered on the session's strand (do not block in them).
class VmSessionObserver {
 public:
  VmSessionObserver() = default;
  VmSessionObserver(const VmSessionObserver&) = delete;
  VmSessionObserver& operator=(const VmSessionObserver&) = delete;
  virtual ~VmSessionObserver() = default;

  // The server accepted the connect request.
  virtual void on_connected(vm::ProtocolVersion /*version*/) {}
  // The connection ended. `reason` is empty for a local eject/stop, a VmError for a refusal
  // (auth_failed, device_busy, ...), else the socket error (asio::error::eof, timed_out, ...).
  // `will_reconnect`: a new attempt is scheduled with the medium still inserted.
  virtual void on_disconnected(std::error_code /*reason*/, bool /*will_reconnect*/) {}
  // The server ejected the medium (START STOP UNIT, LoEj=1 Start=0); the session has closed
  // the connection and holds no medium any more.
  virtual void on_eject_requested() {}
  // The session ended (stop(), a refusal, or reconnect attempts exhausted): no more events.
  virtual void on_stopped(std::error_code /*reason*/) {}
};

struct VmSessionCounters {
  std::uint64_t connects = 0;        // accepted connect requests
  std::uint64_t reconnects = 0;      // accepted connections after a drop
  std::uint64_t requests = 0;        // requests answered (echo included)
  std::uint64_t reads = 0;           // READ replies with data
  std::uint64_t read_ahead_hits = 0; // READs served from the read-ahead buffer
  std::uint64_t data_bytes = 0;      // data bytes sent after reply headers
  std::uint64_t keep_alives = 0;
  std::uint64_t medium_errors = 0;   // READs answered 3/10/00 because the medium failed
  // #floppy-and-usb-key-model drives only.
  std::uint64_t bytes_written = 0;   // bytes the server wrote to the media
  std::uint64_t write_errors = 0;    // WRITEs answered 3/10/00 because the medium failed
  std::uint64_t flush_errors = 0;    // flushes (eject, DISCONNECT, drop) the medium refused
};

class VmSession : public std::enable_shared_from_this<VmSession> {
 public:
  using Options = VmSessionOptions;

  // Creates an idle session on `executor` (it makes its own strand). It connects once a
  // medium is inserted.
  static std::shared_ptr<VmSession> create(const asio::any_io_executor& executor, Options options,
                                           std::shared_ptr<VmSessionObserver> observer = nullptr);
  ~VmSession();
  VmSession(const VmSession&) = delete;
  VmSession& operator=(const VmSession&) = delete;

  // Thread-safe (posted to the strand). insert() connects if needed, or changes the medium on
  // the live connection (#changing-the-medium: unit attention, then one NEW MEDIA event).
  void insert(std::shared_ptr<const vm::Medium> medium);
  // Unmount: DISCONNECT header, close; the session stays idle until the next insert(). A
  // #floppy-and-usb-key-model drive flushes its medium first (and whenever a connection ends or the
  // medium changes).
  void eject();
  // DISCONNECT if connected, close, end for good (on_stopped follows).
  void stop();
  // Keys for the next connection attempt (e.g. after a re-login); a live connection keeps its.
  void set_credentials(VmCredentials credentials);

  // Thread-safe snapshots.
  [[nodiscard]] VmSessionCounters counters() const noexcept;
  [[nodiscard]] bool connected() const noexcept { return connected_.load(); }

 private:
  struct PrivateTag {};

 public:
  VmSession(PrivateTag, const asio::any_io_executor& executor, Options options,
            std::shared_ptr<VmSessionObserver> observer);

 private:
  enum class Phase : std::uint8_t { idle, connecting, serving, waiting, stopped };
  // How one connection ended.
  enum class End : std::uint8_t {
    dropped,       // lost or failed: reconnect
    refused,       // the connect response was an error: stop, or renew the keys and retry
    local,         // eject() or stop()
    server_eject,  // START STOP UNIT eject
  };

  asio::awaitable<void> run(std::shared_ptr<VmSession> self);
  asio::awaitable<End> connect_once(std::error_code& reason, bool& accepted);
  asio::awaitable<End> serve(std::error_code& reason);
  asio::awaitable<std::error_code> write_reply(const vm::Reply& reply);
  void read_ahead(const vm::Reply& sent);
  asio::awaitable<std::error_code> write_bytes(std::span<const std::uint8_t> bytes);
  // The next request's reply: from the CD target, or the floppy target's stream framer.
  std::optional<vm::Reply> next_reply(vm::RequestReader& framer, std::size_t& used,
                                      std::size_t have);
  [[nodiscard]] vm::ReplyHeaderBytes keep_alive_header() const noexcept;
  [[nodiscard]] vm::ReplyHeaderBytes disconnect_header() const noexcept;
  void flush_floppy();  // #floppy-and-usb-key-model: makes the server's writes durable
  void eject_now();
  void interrupt();  // wakes run() wherever it waits
  void close_socket();
  void arm_deadline(std::chrono::milliseconds after);  // closes the socket when it passes
  void disarm_deadline();
  asio::awaitable<void> deadline_wait(std::shared_ptr<VmSession> self, std::uint64_t generation);
  asio::awaitable<void> watchdog_loop(std::shared_ptr<VmSession> self, std::uint64_t generation);

  asio::strand<asio::any_io_executor> strand_;
  Options options_;
  std::shared_ptr<VmSessionObserver> observer_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer wake_;      // idle wait and backoff
  asio::steady_timer deadline_;  // connect + connect response
  asio::steady_timer watchdog_;  // keep-alives and write timeout while serving
  std::uint64_t deadline_generation_ = 0;
  std::uint64_t watchdog_generation_ = 0;
  bool deadline_passed_ = false;  // the socket was closed for a timeout
  bool keep_alive_due_ = false;
  std::chrono::steady_clock::time_point last_receive_{};
  std::chrono::steady_clock::time_point write_started_{};

  Phase phase_ = Phase::idle;
  bool reading_ = false;  // serve() waits in async_read_some
  bool writing_ = false;  // a write is in progress
  bool stop_requested_ = false;
  bool eject_requested_ = false;
  std::shared_ptr<const vm::Medium> medium_;
  std::optional<vm::CdromTarget> target_;   // device cdrom
  std::optional<vm::FloppyTarget> floppy_;  // device floppy / usb_key
  std::vector<std::uint8_t> send_buffer_;  // READ data is pread here (64 blocks)
  // Sequential read-ahead: after a READ that continued the previous one, the next extent of
  // the same size is pread here while the server digests the reply; a READ that asks exactly
  // for it swaps the buffers instead of reading.
  std::vector<std::uint8_t> ahead_buffer_;
  std::shared_ptr<const vm::Medium> ahead_medium_;  // null: nothing read ahead
  vm::MediumExtent ahead_{};
  const vm::Medium* last_medium_ = nullptr;  // the last READ's medium and where it ended
  std::uint64_t last_end_ = 0;
  std::vector<std::uint8_t> read_buffer_;
  bool dropped_before_ = false;  // the last connection was lost (next accept is a reconnect)

  std::atomic<bool> connected_{false};
  struct AtomicCounters {
    std::atomic<std::uint64_t> connects{0}, reconnects{0}, requests{0}, reads{0},
        read_ahead_hits{0}, data_bytes{0}, keep_alives{0}, medium_errors{0}, bytes_written{0},
        write_errors{0}, flush_errors{0};
  } counters_;
};

}  // namespace ilo::net
