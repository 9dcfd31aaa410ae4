// The mount's CD-ROM or USB-key drive (see cdrom_drive.hpp). One VmSession serves every
// insertion; when the iLO refuses its key (0x22) the session asks the owner for a new login
// through on_stale_keys, and the owner's new keys reach it through set_credentials(). The
// key's file is fsynced by the session (eject, DISCONNECT, drop) and again here (eject, stop).
//
// Lock order: Impl::mutex_ only; VmSession calls are made outside it where they may post.
#include "fs/cdrom_drive.hpp"

#include <atomic>
#include <condition_variable>
#include <utility>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop

#include "fs/log.hpp"
#include "media/file_medium.hpp"
#include "media/writable_file_medium.hpp"
#include "net/vm_session.hpp"
#include "vm/floppy_target.hpp"
#include "vm/mmc_data.hpp"
#include "vm/vm_error.hpp"

namespace ilo::fs {
namespace {

// The inserted file, counting what the iLO reads from it (bytes and the last block).
class CountingMedium final : public vm::Medium {
 public:
  explicit CountingMedium(std::shared_ptr<media::FileMedium> inner) : inner_(std::move(inner)) {}
  std::uint64_t size() const noexcept override { return inner_->size(); }
  vm::MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override {
    const auto result = inner_->read(out, offset);
    bytes_.fetch_add(result.bytes, std::memory_order_relaxed);
    if (result.bytes > 0) {
      const auto last = (offset + result.bytes - 1) / vm::mmc::kBlockSize;
      last_lba_.store(static_cast<std::int64_t>(last), std::memory_order_relaxed);
    }
    return result;
  }
  std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  std::int64_t last_lba() const noexcept { return last_lba_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<media::FileMedium> inner_;
  mutable std::atomic<std::uint64_t> bytes_{0};
  mutable std::atomic<std::int64_t> last_lba_{-1};
};

// The USB key's file, counting what the iLO reads and writes (512-byte blocks).
class CountingWritableMedium final : public vm::WritableMedium {
 public:
  explicit CountingWritableMedium(std::shared_ptr<media::WritableFileMedium> inner)
      : inner_(std::move(inner)) {}
  std::uint64_t size() const noexcept override { return inner_->size(); }
  vm::MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override {
    const auto result = inner_->read(out, offset);
    bytes_.fetch_add(result.bytes, std::memory_order_relaxed);
    if (result.bytes > 0) note_lba(offset + result.bytes - 1);
    return result;
  }
  std::error_code write(std::span<const std::uint8_t> data,
                        std::uint64_t offset) const noexcept override {
    const auto ec = inner_->write(data, offset);
    if (ec) {
      errors_.fetch_add(1, std::memory_order_relaxed);
    } else {
      written_.fetch_add(data.size(), std::memory_order_relaxed);
      if (!data.empty()) note_lba(offset + data.size() - 1);
    }
    return ec;
  }
  std::error_code flush() const noexcept override {
    const auto ec = inner_->flush();
    if (ec) errors_.fetch_add(1, std::memory_order_relaxed);
    return ec;
  }
  bool read_only() const noexcept override { return inner_->read_only(); }

  std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }
  std::uint64_t errors() const noexcept { return errors_.load(std::memory_order_relaxed); }
  std::int64_t last_lba() const noexcept { return last_lba_.load(std::memory_order_relaxed); }

 private:
  void note_lba(std::uint64_t last_byte) const noexcept {
    last_lba_.store(static_cast<std::int64_t>(last_byte / vm::kFloppyBlockSize),
                    std::memory_order_relaxed);
  }
  std::shared_ptr<media::WritableFileMedium> inner_;
  mutable std::atomic<std::uint64_t> bytes_{0}, written_{0}, errors_{0};
  mutable std::atomic<std::int64_t> last_lba_{-1};
};

}  // namespace

struct CdromDrive::Impl : std::enable_shared_from_this<CdromDrive::Impl> {
  // Forwards the session's events to the drive while it exists.
  struct Observer final : net::VmSessionObserver {
    std::weak_ptr<Impl> drive;
    void on_connected(vm::ProtocolVersion) override {
      if (auto d = drive.lock()) d->connected(true, {});
    }
    void on_disconnected(std::error_code reason, bool will_reconnect) override {
      if (auto d = drive.lock()) d->connected(false, reason, will_reconnect);
    }
    void on_eject_requested() override {
      if (auto d = drive.lock()) d->server_ejected();
    }
    void on_stopped(std::error_code reason) override {
      if (auto d = drive.lock()) d->stopped(reason);
    }
  };

  Impl(asio::io_context& io_context, std::string host_name, session::SessionOwner& session_owner,
       DriveKind drive_kind)
      : io(io_context), host(std::move(host_name)), owner(session_owner), kind(drive_kind) {}

  void subscribe() {
    std::weak_ptr<Impl> weak = shared_from_this();
    keys_token = owner.subscribe([weak](const session::SessionKeys& keys) {
      if (auto d = weak.lock()) d->new_keys(keys);
    });
  }

  static net::VmCredentials credentials_of(const session::SessionKeys& keys) {
    return {keys.session_key.text(), keys.enc_key.text(), keys.generation};
  }

  // Makes the drive's one session (at the first insertion). Caller holds mutex.
  std::error_code start_session_locked() {
    const auto keys = owner.keys();
    if (!keys) return std::make_error_code(std::errc::not_connected);
    net::VmSessionOptions options;
    options.host = host;
    options.port = keys->vm_port;
    options.credentials = credentials_of(*keys);
    options.encrypt_vmkey = keys->features.encrypt_vmkey;
    if (kind.usb_key) {
      options.device = vm::DeviceType::usb_key;  // floppy or key by size, per medium
      options.write_protect = kind.write_protect;
    }
    // A refused key: the owner logs in again and new_keys() hands the session the new keys.
    options.on_stale_keys = [&owner = owner, tag = std::string(kind.tag())](std::uint64_t stale) {
      log_info(tag + ": the iLO refused the session key; logging in again");
      owner.renew(stale);
    };
    auto observer = std::make_shared<Observer>();
    observer->drive = weak_from_this();
    session = net::VmSession::create(io.get_executor(), std::move(options), observer);
    link = rcd::LinkState::connecting;
    return {};
  }

  void connected(bool up, std::error_code reason, bool will_reconnect = false) {
    std::lock_guard lock(mutex);
    if (up) {
      link = rcd::LinkState::up;
      ++connects;
      if (ever_connected) ++reconnects;
      ever_connected = true;
      error.clear();
    } else {
      link = will_reconnect ? rcd::LinkState::connecting : rcd::LinkState::down;
      if (reason) {
        error = reason.message();
        log_warning(std::string(kind.tag()) + ": connection ended: " + error +
                    (will_reconnect ? " (reconnecting)" : ""));
      }
    }
    changed.notify_all();
  }

  void server_ejected() {
    std::lock_guard lock(mutex);
    log_info(std::string(kind.tag()) + ": the server ejected " + name);
    medium.reset();
    flush_key();
    key.reset();
    name.clear();
    changed.notify_all();
  }

  void stopped(std::error_code reason) {
    std::lock_guard lock(mutex);
    link = rcd::LinkState::down;
    if (reason && !stopping) {
      error = reason.message();
      log_error(std::string(kind.tag()) + ": the drive stopped: " + error);
    }
    session.reset();  // the next insertion makes a new one
    changed.notify_all();
  }

  // fsync of the key's file (eject, unmount); the session flushed it too, on its strand.
  // Caller holds mutex.
  void flush_key() {
    if (key && key->flush()) log_error(std::string(kind.tag()) + ": fsync of " + name + " failed");
  }

  void new_keys(const session::SessionKeys& keys) {
    std::lock_guard lock(mutex);
    if (session) session->set_credentials(credentials_of(keys));
  }

  asio::io_context& io;
  std::string host;
  session::SessionOwner& owner;
  const DriveKind kind;
  std::shared_ptr<void> keys_token;

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable changed;
  std::shared_ptr<net::VmSession> session;
  std::shared_ptr<CountingMedium> medium;        // CD-ROM
  std::shared_ptr<CountingWritableMedium> key;   // USB key
  std::string name;
  rcd::LinkState link = rcd::LinkState::down;
  std::string error;
  std::uint64_t connects = 0, reconnects = 0;
  bool ever_connected = false;
  bool stopping = false;
};

CdromDrive::CdromDrive(asio::io_context& io, std::string host, session::SessionOwner& owner,
                       DriveKind kind)
    : impl_(std::make_shared<Impl>(io, std::move(host), owner, kind)) {
  impl_->subscribe();
}

CdromDrive::~CdromDrive() { stop(); }

std::error_code CdromDrive::insert(const std::string& path, const std::string& name) {
  std::error_code ec;
  std::shared_ptr<CountingMedium> disc;
  std::shared_ptr<CountingWritableMedium> key;
  std::shared_ptr<const vm::Medium> medium;
  if (impl_->kind.usb_key) {
    auto file = media::WritableFileMedium::open(path, impl_->kind.write_protect, ec);
    if (ec) return ec;
    key = std::make_shared<CountingWritableMedium>(std::move(file));
    medium = key;
  } else {
    auto file = media::FileMedium::open(path, ec);
    if (ec) return ec;
    disc = std::make_shared<CountingMedium>(std::move(file));
    medium = disc;
  }
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopping) return std::make_error_code(std::errc::operation_canceled);
  impl_->flush_key();  // a key replaced without an eject
  impl_->medium = disc;
  impl_->key = key;
  impl_->name = name;
  if (!impl_->session) {
    if (const auto failed = impl_->start_session_locked()) return failed;
  }
  impl_->session->insert(medium);
  return {};
}

void CdromDrive::eject(std::chrono::milliseconds wait) {
  std::unique_lock lock(impl_->mutex);
  impl_->medium.reset();
  if (impl_->session) {
    impl_->session->eject();
    impl_->changed.wait_for(lock, wait, [&] { return impl_->link != rcd::LinkState::up; });
  }
  impl_->flush_key();  // after the connection stopped writing (or gave up waiting)
  impl_->key.reset();
  impl_->name.clear();
}

void CdromDrive::stop(std::chrono::milliseconds wait) {
  std::unique_lock lock(impl_->mutex);
  if (impl_->stopping) return;
  impl_->stopping = true;
  impl_->keys_token.reset();
  if (impl_->session) {
    impl_->session->stop();
    impl_->changed.wait_for(lock, wait, [&] { return !impl_->session; });
    impl_->session.reset();
  }
  impl_->flush_key();  // unmount, SIGTERM: nothing the iLO was told is written stays in RAM
}

DriveStatus CdromDrive::status() const {
  std::lock_guard lock(impl_->mutex);
  DriveStatus s;
  s.link = impl_->link;
  s.error = impl_->error;
  s.name = impl_->name;
  s.inserted = impl_->medium != nullptr || impl_->key != nullptr;
  if (impl_->medium) {
    s.size = impl_->medium->size();
    s.bytes_served = impl_->medium->bytes();
    s.last_lba = impl_->medium->last_lba();
  }
  if (impl_->key) {
    s.size = impl_->key->size();
    s.bytes_served = impl_->key->bytes();
    s.last_lba = impl_->key->last_lba();
    s.bytes_written = impl_->key->written();
    s.write_errors = impl_->key->errors();
    s.write_protected = impl_->kind.write_protect || impl_->key->read_only();
  }
  s.ready = s.inserted && impl_->link == rcd::LinkState::up;
  s.connects = impl_->connects;
  s.reconnects = impl_->reconnects;
  return s;
}

}  // namespace ilo::fs
