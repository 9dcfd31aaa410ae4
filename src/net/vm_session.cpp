// VmSession (see vm_session.hpp): one coroutine on a strand runs connect -> serve -> backoff ->
// reconnect under the shared ConnectionPolicy; a watchdog coroutine on the same strand turns
// silence into keep-alives and a stuck write into a drop, a deadline coroutine bounds connects. The
// public calls only post to the strand and nudge the coroutine.
#include "net/vm_session.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <tuple>
#include <utility>

#include "net/use_nothrow.hpp"
#include "vm/mmc_data.hpp"
#include "vm/reply.hpp"
#include "vm/vm_error.hpp"

namespace ilo::net {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;

// The largest READ the target answers (its default, Java's 128 KiB buffer).
inline constexpr std::uint32_t kMaxTransferBlocks = 64;
inline constexpr std::size_t kSendBufferSize = std::size_t{kMaxTransferBlocks} * vm::mmc::kBlockSize;
// Requests are 12 bytes and come one at a time; a few KiB absorb any burst.
// #floppy-and-usb-key-model data-out (up to 128 KiB per WRITE) comes through it too: 64 KiB takes
// it in two reads.
inline constexpr std::size_t kVmReadBufferSize = 64 * 1024;

// async_write's own completion conditions hand the socket at most 64 KiB per sendmsg; this one
// offers everything left, so a 64-block reply leaves in one gathered write.
struct WholeRest {
  std::size_t total;
  std::size_t operator()(const std::error_code& ec, std::size_t done) const noexcept {
    return ec ? 0 : total - done;
  }
};

}  // namespace

std::shared_ptr<VmSession> VmSession::create(const asio::any_io_executor& executor,
                                             Options options,
                                             std::shared_ptr<VmSessionObserver> observer) {
  auto session = std::make_shared<VmSession>(PrivateTag{}, executor, std::move(options),
                                             std::move(observer));
  asio::co_spawn(session->strand_, session->run(session), asio::detached);
  return session;
}

VmSession::VmSession(PrivateTag, const asio::any_io_executor& executor, Options options,
                     std::shared_ptr<VmSessionObserver> observer)
    : strand_(asio::make_strand(executor)),
      options_(std::move(options)),
      observer_(std::move(observer)),
      resolver_(strand_),
      socket_(strand_),
      wake_(strand_),
      deadline_(strand_),
      watchdog_(strand_),
      send_buffer_(kSendBufferSize),
      ahead_buffer_(kSendBufferSize),
      read_buffer_(kVmReadBufferSize) {}

VmSession::~VmSession() = default;

// ---- Public calls: post to the strand ----

void VmSession::insert(std::shared_ptr<const vm::Medium> medium) {
  asio::post(strand_, [self = shared_from_this(), medium = std::move(medium)]() mutable {
    if (self->stop_requested_) return;
    if (!medium) {
      self->eject_now();
      return;
    }
    self->medium_ = std::move(medium);
    if (self->phase_ == Phase::serving && self->target_) {
      self->target_->insert(self->medium_);  // same connection, new medium
    } else if (self->phase_ == Phase::serving && self->floppy_) {
      self->flush_floppy();
      self->ahead_medium_.reset();
      self->floppy_->insert(self->medium_);
    } else if (self->phase_ == Phase::idle) {
      self->wake_.cancel();
    }
  });
}

void VmSession::eject() {
  asio::post(strand_, [self = shared_from_this()] { self->eject_now(); });
}

void VmSession::set_credentials(VmCredentials credentials) {
  asio::post(strand_, [self = shared_from_this(), c = std::move(credentials)]() mutable {
    self->options_.credentials = std::move(c);
  });
}

void VmSession::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stop_requested_ = true;
    self->interrupt();
  });
}

VmSessionCounters VmSession::counters() const noexcept {
  VmSessionCounters c;
  c.connects = counters_.connects.load(std::memory_order_relaxed);
  c.reconnects = counters_.reconnects.load(std::memory_order_relaxed);
  c.requests = counters_.requests.load(std::memory_order_relaxed);
  c.reads = counters_.reads.load(std::memory_order_relaxed);
  c.read_ahead_hits = counters_.read_ahead_hits.load(std::memory_order_relaxed);
  c.data_bytes = counters_.data_bytes.load(std::memory_order_relaxed);
  c.keep_alives = counters_.keep_alives.load(std::memory_order_relaxed);
  c.medium_errors = counters_.medium_errors.load(std::memory_order_relaxed);
  c.bytes_written = counters_.bytes_written.load(std::memory_order_relaxed);
  c.write_errors = counters_.write_errors.load(std::memory_order_relaxed);
  c.flush_errors = counters_.flush_errors.load(std::memory_order_relaxed);
  return c;
}

// ---- Strand-only helpers ----

void VmSession::eject_now() {
  if (!medium_) return;
  flush_floppy();  // what the server wrote is durable before the medium goes
  medium_.reset();
  eject_requested_ = true;
  dropped_before_ = false;  // mounting again later is not a reconnection
  interrupt();
}

void VmSession::interrupt() {
  std::error_code ignored;
  switch (phase_) {
    case Phase::idle:
    case Phase::waiting: wake_.cancel(); break;
    case Phase::connecting:
      resolver_.cancel();
      close_socket();
      break;
    case Phase::serving:
      // A waiting read ends at once; a write in progress finishes first, then serve() sees the
      // request before reading again.
      if (reading_) socket_.cancel(ignored);
      break;
    case Phase::stopped: break;
  }
}

void VmSession::close_socket() {
  std::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

void VmSession::arm_deadline(std::chrono::milliseconds after) {
  deadline_passed_ = false;
  const std::uint64_t generation = ++deadline_generation_;
  deadline_.expires_after(after);
  asio::co_spawn(strand_, deadline_wait(shared_from_this(), generation), asio::detached);
}

asio::awaitable<void> VmSession::deadline_wait(std::shared_ptr<VmSession> self,
                                               std::uint64_t generation) {
  auto [ec] = co_await deadline_.async_wait(use_nothrow);
  if (ec || generation != deadline_generation_) co_return;
  deadline_passed_ = true;
  resolver_.cancel();
  close_socket();
  (void)self;
}

void VmSession::disarm_deadline() {
  ++deadline_generation_;
  deadline_.cancel();
}

// Checks, a few times per keep-alive interval, for silence (a keep-alive is due: the waiting
// read is cancelled so serve() sends it) and for a write the server does not take.
asio::awaitable<void> VmSession::watchdog_loop(std::shared_ptr<VmSession> self,
                                               std::uint64_t generation) {
  const auto period = std::clamp<std::chrono::milliseconds>(options_.keep_alive_interval / 10,
                                                            std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(100));
  while (generation == watchdog_generation_) {
    watchdog_.expires_after(period);
    auto [ec] = co_await watchdog_.async_wait(use_nothrow);
    if (ec || generation != watchdog_generation_) break;
    const auto now = Clock::now();
    if (reading_ && !keep_alive_due_ && now - last_receive_ >= options_.keep_alive_interval) {
      keep_alive_due_ = true;
      std::error_code ignored;
      socket_.cancel(ignored);
    }
    if (writing_ && now - write_started_ >= options_.write_timeout) {
      deadline_passed_ = true;
      close_socket();
    }
  }
  (void)self;
}

// ---- The session coroutine ----

asio::awaitable<void> VmSession::run(std::shared_ptr<VmSession> self) {
  Backoff backoff(options_.policy);
  std::error_code final_reason;
  while (!stop_requested_) {
    if (!medium_) {
      phase_ = Phase::idle;
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(use_nothrow);
      continue;
    }
    eject_requested_ = false;
    phase_ = Phase::connecting;
    std::error_code reason;
    bool accepted = false;
    const std::uint64_t generation = options_.credentials.generation;
    const auto started = Clock::now();
    End end = co_await connect_once(reason, accepted);
    disarm_deadline();
    close_socket();
    target_.reset();
    connected_ = false;
    if (accepted) backoff.connection_lasted(Clock::now() - started);

    if (end == End::refused) {
      // The one policy decides: a stale key (0x22) is worth a retry once the owner renews the
      // login, a response no protocol version has (garbage) is retried like a drop, and a
      // refusal that cannot get better by itself (no licence, no privilege) is final.
      const EndKind kind = classify_end(reason);
      if (kind == EndKind::renew_keys && options_.on_stale_keys) {
        options_.on_stale_keys(generation);
        end = End::dropped;
      } else if (kind == EndKind::retry) {
        end = End::dropped;
      } else {
        final_reason = reason;
        if (observer_) observer_->on_disconnected(reason, false);
        break;
      }
    }
    if (end == End::server_eject) {
      medium_.reset();
      if (observer_) {
        observer_->on_eject_requested();
        observer_->on_disconnected({}, false);
      }
      continue;
    }
    if (end == End::local || stop_requested_ || !medium_) {
      if (observer_) observer_->on_disconnected({}, false);
      continue;
    }
    // Dropped: try again with the medium still inserted, backing off while nobody accepts.
    dropped_before_ = true;
    if (backoff.exhausted()) {
      final_reason = reason;
      if (observer_) observer_->on_disconnected(reason, false);
      break;
    }
    if (observer_) observer_->on_disconnected(reason, true);
    phase_ = Phase::waiting;
    wake_.expires_after(backoff.next());
    co_await wake_.async_wait(use_nothrow);
  }
  phase_ = Phase::stopped;
  close_socket();
  disarm_deadline();
  ++watchdog_generation_;
  watchdog_.cancel();
  wake_.cancel();
  medium_.reset();
  if (observer_) observer_->on_stopped(final_reason);
  (void)self;
}

asio::awaitable<VmSession::End> VmSession::connect_once(std::error_code& reason, bool& accepted) {
  const auto interrupted = [this] { return stop_requested_ || eject_requested_; };
  const auto failed = [this](std::error_code ec) {
    return deadline_passed_ ? std::error_code(asio::error::timed_out) : ec;
  };
  close_socket();
  socket_ = tcp::socket(strand_);
  arm_deadline(options_.policy.connect_timeout);

  auto [resolve_ec, endpoints] = co_await resolver_.async_resolve(
      options_.host, std::to_string(options_.port), use_nothrow);
  if (interrupted()) co_return End::local;
  if (resolve_ec) {
    reason = failed(resolve_ec);
    co_return End::dropped;
  }
  auto [connect_ec, endpoint] = co_await asio::async_connect(socket_, endpoints, use_nothrow);
  (void)endpoint;
  if (interrupted()) co_return End::local;
  if (connect_ec) {
    reason = failed(connect_ec);
    co_return End::dropped;
  }
  // The connect response has its own deadline (deadline_passed_ from here on means it).
  arm_deadline(options_.policy.handshake_timeout);
  std::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (options_.send_buffer_bytes > 0)
    socket_.set_option(asio::socket_base::send_buffer_size(options_.send_buffer_bytes), ignored);

  // Connect request (docs/virtual-media.md#connect-request): the key is XOR-ed per ENCRYPT_VMKEY;
  // its bytes never leave this frame except on the wire.
  std::error_code ec;
  const vm::DeviceType device = options_.device == vm::DeviceType::cdrom
                                    ? vm::DeviceType::cdrom
                                    : vm::floppy_device_for(medium_ ? medium_->size() : 0);
  const auto request = vm::build_connect_request(device, true,
                                                 options_.credentials.session_key,
                                                 options_.credentials.enc_key,
                                                 options_.encrypt_vmkey, ec);
  if (ec) {
    reason = ec;  // malformed key texts: retrying cannot help
    disarm_deadline();
    co_return End::refused;
  }
  auto [write_ec, written] = co_await asio::async_write(socket_, asio::buffer(request), use_nothrow);
  (void)written;
  if (interrupted()) co_return End::local;
  if (write_ec) {
    reason = failed(write_ec);
    co_return End::dropped;
  }

  // Connect response (docs/virtual-media.md#connect-response): 2 bytes, then 2 more only on
  // success; nothing past it is read.
  vm::ConnectResponseReader response;
  std::array<std::uint8_t, 2> part{};
  while (response.status() == vm::ConnectResponseReader::Status::need_more) {
    auto [read_ec, got] = co_await asio::async_read(socket_, asio::buffer(part), use_nothrow);
    (void)got;
    if (interrupted()) co_return End::local;
    if (read_ec) {
      reason = failed(read_ec);
      co_return End::dropped;
    }
    response.feed(part);
  }
  disarm_deadline();
  if (response.status() == vm::ConnectResponseReader::Status::refused) {
    reason = response.error();
    co_return End::refused;
  }

  accepted = true;
  counters_.connects.fetch_add(1, std::memory_order_relaxed);
  if (dropped_before_) counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
  dropped_before_ = false;
  connected_ = true;
  if (observer_) observer_->on_connected(response.version());
  co_return co_await serve(reason);
}

asio::awaitable<VmSession::End> VmSession::serve(std::error_code& reason) {
  phase_ = Phase::serving;
  // Connecting with a medium counts as its insertion (unit attention, NEW MEDIA).
  target_.reset();
  floppy_.reset();
  if (options_.device == vm::DeviceType::cdrom)
    target_.emplace(medium_, vm::CdromTargetOptions{.max_transfer_blocks = kMaxTransferBlocks});
  else
    floppy_.emplace(medium_, vm::FloppyTargetOptions{.write_protect = options_.write_protect});
  ahead_medium_.reset();
  last_medium_ = nullptr;
  vm::RequestReader framer;
  last_receive_ = Clock::now();
  keep_alive_due_ = false;
  const std::uint64_t watchdog = ++watchdog_generation_;
  asio::co_spawn(strand_, watchdog_loop(shared_from_this(), watchdog), asio::detached);
  struct WatchdogStop {  // ends the watchdog whichever way serve() returns
    VmSession& s;
    ~WatchdogStop() {
      s.flush_floppy();  // a drop or an unmount: nothing acknowledged stays unwritten
      ++s.watchdog_generation_;
      s.watchdog_.cancel();
      s.reading_ = false;
      s.writing_ = false;
    }
  } watchdog_stop{*this};

  std::size_t have = 0;
  for (;;) {
    // Answer every complete request received so far, one at a time
    // (docs/virtual-media.md#requests).
    std::size_t used = 0;
    while (used < have && !stop_requested_ && !eject_requested_) {
      const auto next = next_reply(framer, used, have);
      if (!next) break;
      const vm::Reply& reply = *next;
      if (const auto ec = co_await write_reply(reply)) {
        reason = ec;
        co_return End::dropped;
      }
      if (reply.event == vm::TargetEvent::eject_requested) co_return End::server_eject;
    }
    have = 0;  // not answered once an unmount is under way (docs/virtual-media.md#disconnect)

    if (stop_requested_ || eject_requested_) {
      // Unmount (docs/virtual-media.md#disconnect): DISCONNECT (a floppy/USB-key medium flushed
      // first), then close (run() does).
      flush_floppy();
      const auto bye = disconnect_header();
      (void)co_await write_bytes(bye);
      co_return End::local;
    }

    reading_ = true;
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), use_nothrow);
    reading_ = false;
    if (ec == asio::error::operation_aborted && socket_.is_open()) {
      if (keep_alive_due_) {
        // docs/virtual-media.md#keep-alive: length 0. Java repeats the previous reply's length
        // field here although no data follows; servers ignore it either way.
        keep_alive_due_ = false;
        last_receive_ = Clock::now();  // the next one a full interval later
        const auto alive = keep_alive_header();
        if (const auto wec = co_await write_bytes(alive)) {
          reason = wec;
          co_return End::dropped;
        }
        counters_.keep_alives.fetch_add(1, std::memory_order_relaxed);
      }
      continue;  // or an eject/stop: handled at the top
    }
    if (ec) {
      reason = deadline_passed_ ? std::error_code(asio::error::timed_out) : ec;
      co_return End::dropped;
    }
    last_receive_ = Clock::now();
    keep_alive_due_ = false;  // bytes came: no keep-alive needed (the cancel may have missed)
    have = n;
  }
}

std::optional<vm::Reply> VmSession::next_reply(vm::RequestReader& framer, std::size_t& used,
                                               std::size_t have) {
  const auto in = std::span<const std::uint8_t>(read_buffer_).subspan(used, have - used);
  if (floppy_) {
    const std::uint64_t written = floppy_->bytes_written();
    const std::uint64_t errors = floppy_->write_errors();
    used += floppy_->feed(in);
    auto reply = floppy_->take_reply();
    if (floppy_->bytes_written() != written || floppy_->write_errors() != errors) {
      ahead_medium_.reset();  // the read-ahead may hold bytes the write replaced
      counters_.bytes_written.fetch_add(floppy_->bytes_written() - written,
                                        std::memory_order_relaxed);
      counters_.write_errors.fetch_add(floppy_->write_errors() - errors,
                                       std::memory_order_relaxed);
    }
    return reply;
  }
  used += framer.feed(in);
  if (!framer.complete()) return std::nullopt;
  const vm::Request request = framer.bytes();
  framer.clear();
  return target_->handle(request);
}

vm::ReplyHeaderBytes VmSession::keep_alive_header() const noexcept {
  return floppy_ ? floppy_->keep_alive() : target_->keep_alive();
}

vm::ReplyHeaderBytes VmSession::disconnect_header() const noexcept {
  return floppy_ ? floppy_->disconnect() : target_->disconnect();
}

void VmSession::flush_floppy() {
  if (!floppy_) return;
  if (floppy_->flush()) counters_.flush_errors.fetch_add(1, std::memory_order_relaxed);
}

// Header and data in one gathered write. READ data is pread straight into send_buffer_ (or
// was, by read_ahead()); if the medium fails the READ is answered 3/10/00 without data instead.
asio::awaitable<std::error_code> VmSession::write_reply(const vm::Reply& reply) {
  const vm::Reply* out = &reply;
  vm::Reply failed;
  std::span<const std::uint8_t> data = reply.inline_bytes();
  if (reply.from_medium && reply.data_length > 0) {
    const bool ahead = ahead_medium_ && ahead_medium_ == reply.medium && ahead_ == reply.extent;
    ahead_medium_.reset();
    if (ahead) {
      std::swap(send_buffer_, ahead_buffer_);  // swaps pointers only
      counters_.read_ahead_hits.fetch_add(1, std::memory_order_relaxed);
    }
    const auto buffer = std::span<std::uint8_t>(send_buffer_);
    if (reply.data_length > buffer.size() ||
        (!ahead && vm::reply_data(reply, buffer.first(reply.data_length)))) {
      failed = vm::medium_error_reply(reply);
      out = &failed;
      data = {};
      counters_.medium_errors.fetch_add(1, std::memory_order_relaxed);
    } else {
      data = buffer.first(reply.data_length);
      counters_.reads.fetch_add(1, std::memory_order_relaxed);
    }
  }
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(out->header),
                                                  asio::buffer(data.data(), data.size())};
  writing_ = true;
  write_started_ = Clock::now();
  auto [ec, written] = co_await asio::async_write(
      socket_, buffers, WholeRest{out->header.size() + data.size()}, use_nothrow);
  (void)written;
  writing_ = false;
  if (ec) co_return deadline_passed_ ? std::error_code(asio::error::timed_out) : ec;
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  counters_.data_bytes.fetch_add(data.size(), std::memory_order_relaxed);
  if (out == &reply && reply.from_medium && reply.data_length > 0) read_ahead(reply);
  co_return std::error_code{};
}

// Called after a READ reply went out: if it continued the previous READ, read the extent a
// sequential reader asks for next while the server is busy with this one. A failed or short
// read-ahead is dropped; the READ then reads (and reports errors) as usual.
void VmSession::read_ahead(const vm::Reply& sent) {
  const vm::Medium* medium = sent.medium.get();
  const bool sequential = medium == last_medium_ && sent.extent.offset == last_end_;
  last_medium_ = medium;
  last_end_ = sent.extent.offset + sent.extent.length;
  if (!sequential || last_end_ + sent.extent.length > medium->size()) return;
  const vm::MediumExtent next{last_end_, sent.extent.length};
  if (vm::read_padded(*medium, next.offset,
                      std::span<std::uint8_t>(ahead_buffer_).first(next.length)))
    return;
  ahead_ = next;
  ahead_medium_ = sent.medium;
}

asio::awaitable<std::error_code> VmSession::write_bytes(std::span<const std::uint8_t> bytes) {
  writing_ = true;
  write_started_ = Clock::now();
  auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                                                  WholeRest{bytes.size()}, use_nothrow);
  (void)written;
  writing_ = false;
  if (ec) co_return deadline_passed_ ? std::error_code(asio::error::timed_out) : ec;
  co_return std::error_code{};
}

}  // namespace ilo::net
