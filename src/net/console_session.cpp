// The console session (see console_session.hpp). One supervising coroutine runs attempts one
// after another; each attempt owns its sockets, timers, decoder and transport and runs three
// helpers next to its read loop: the writer (input queue), the command connection and the
// silence watchdog. Everything runs on one strand, so the state needs no lock except where
// other threads look: the status (status_mutex_) and the caller's framebuffer and observer
// (sink_mutex_, so the destructor can detach them). Lock order: sink_mutex_, then status_mutex_.
#include "net/console_session.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/command_connection.hpp"
#include "net/connection_policy.hpp"
#include "net/net_error.hpp"
#include "net/use_nothrow.hpp"
#include "rc/connect_request.hpp"
#include "rc/key_encoding.hpp"
#include "rc/pointer_state.hpp"
#include "rc/rc_error.hpp"
#include "rc/text_keys.hpp"
#include "rc/video_decoder.hpp"

namespace ilo::net {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr std::size_t kConsoleReadBufferSize = 64 * 1024;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// Tick of the silence watchdog: a quarter of the shortest enabled limit, within 50 ms..1 s.
milliseconds watchdog_tick(milliseconds probe, milliseconds limit) {
  milliseconds shortest = milliseconds::max();
  if (probe.count() > 0) shortest = probe;
  if (limit.count() > 0) shortest = std::min(shortest, limit);
  return std::clamp(shortest / 4, milliseconds{50}, milliseconds{1000});
}

struct QueuedInput {
  rc::InputMessage message;
  bool paced = false;  // wait typing_interval after the previous write
};

}  // namespace

const char* to_string(ConsolePhase phase) noexcept {
  switch (phase) {
    case ConsolePhase::idle: return "idle";
    case ConsolePhase::connecting: return "connecting";
    case ConsolePhase::seizing: return "seizing";
    case ConsolePhase::connected: return "connected";
    case ConsolePhase::waiting: return "waiting";
    case ConsolePhase::stopped: return "stopped";
  }
  return "?";
}

class ConsoleSession::Impl : public std::enable_shared_from_this<ConsoleSession::Impl> {
 public:
  Impl(asio::any_io_executor executor, ConsoleSessionConfig config, rc::Framebuffer& framebuffer,
       ConsoleObserver& observer)
      : strand_(asio::make_strand(std::move(executor))),
        config_(std::move(config)),
        framebuffer_(framebuffer),
        observer_(observer),
        backoff_timer_(strand_) {}

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->begin(); });
  }
  void stop() {
    asio::post(strand_, [self = shared_from_this()] { self->end_session(); });
  }
  void detach() {
    std::lock_guard lock(sink_mutex_);
    attached_ = false;
  }
  void set_credentials(ConsoleCredentials credentials) {
    asio::post(strand_, [self = shared_from_this(), c = std::move(credentials)]() mutable {
      self->config_.credentials = std::move(c);
    });
  }
  void send_input(rc::InputMessage message) {
    asio::post(strand_, [self = shared_from_this(), message] {
      self->enqueue({{message, false}});
    });
  }
  void send_text(std::vector<rc::KeyboardReport> reports) {
    asio::post(strand_, [self = shared_from_this(), r = std::move(reports)] {
      std::vector<QueuedInput> items;
      items.reserve(r.size());
      for (const auto& report : r) items.push_back({report, true});
      self->enqueue(std::move(items));
    });
  }
  void send_pointer(int x, int y, std::uint8_t buttons) {
    asio::post(strand_, [self = shared_from_this(), x, y, buttons] {
      if (auto report = self->pointer_.update(x, y, buttons)) {
        self->enqueue({{*report, false}});
      } else {
        self->update_status([](ConsoleStatus& s) { ++s.inputs_dropped; });
      }
    });
  }
  ConsoleStatus status() const {
    std::lock_guard lock(status_mutex_);
    return status_;
  }

 private:
  // One connection attempt: the console socket and what hangs off it.
  struct Attempt final : rc::VideoSink {
    Attempt(Impl& owner, const rc::StreamKey& key, rc::Framebuffer& framebuffer,
            const rc::ClientTransportOptions& options)
        : impl(owner),
          console(owner.strand_),
          command(owner.strand_),
          writer_wake(owner.strand_),
          pace(owner.strand_),
          watchdog(owner.strand_),
          command_retry(owner.strand_),
          decoder(framebuffer, *this),
          transport(key, decoder, options) {}

    void on_video_event(const rc::VideoEvent& event) override { impl.on_video_event(*this, event); }

    // Ends the attempt; the first reason wins. Closing the sockets wakes every helper.
    void finish(std::error_code why) {
      if (!end) end = why;
      if (closed) return;
      closed = true;
      std::error_code ignored;
      console.close(ignored);
      command.close(ignored);
      writer_wake.cancel();
      pace.cancel();
      watchdog.cancel();
      command_retry.cancel();
    }

    Impl& impl;
    tcp::socket console;
    tcp::socket command;
    asio::steady_timer writer_wake;    // cancelled to wake the writer
    asio::steady_timer pace;           // typing pace
    asio::steady_timer watchdog;       // silence checks
    asio::steady_timer command_retry;  // backoff of the command connection
    rc::VideoDecoder decoder;
    rc::ClientTransport transport;

    bool granted = false;
    bool ready = false;  // session header or a frame seen: input may flow
    bool closed = false;
    std::error_code end;
    std::error_code command_end;  // why a command-connection handler finished it
    Clock::time_point granted_at{};
    Clock::time_point last_rx{};
    Clock::time_point last_write{};
    bool probed = false;
    std::deque<rc::InputMessage> control;  // ACKs and refresh requests: sent first, unpaced
    std::deque<QueuedInput> queue;         // the owner's input, in call order
    // Collected while decoding, acted on after the feed.
    unsigned pings = 0;
    bool refresh_wanted = false;
    bool seized = false;
  };

  struct AttemptOutcome {
    std::error_code error;
    bool granted = false;
    Clock::duration lasted{};
    std::uint64_t generation = 0;  // of the credentials the attempt used
  };

  template <class F>
  void update_status(F&& f, bool phase_changed = false) {
    ConsoleStatus copy;
    {
      std::lock_guard lock(status_mutex_);
      f(status_);
      if (phase_changed) copy = status_;
    }
    if (phase_changed) notify([&](ConsoleObserver& o) { o.on_status(copy); });
  }
  void set_phase(ConsolePhase phase) {
    update_status([phase](ConsoleStatus& s) { s.phase = phase; }, true);
  }
  // Calls the observer unless the session was detached. Not from inside a decoder feed.
  template <class F>
  void notify(F&& f) {
    std::lock_guard lock(sink_mutex_);
    if (attached_) f(observer_);
  }
  void begin() {
    if (running_) {
      if (stopping_) restart_ = true;
      return;
    }
    running_ = true;
    stopping_ = false;
    asio::co_spawn(strand_, supervise(shared_from_this()),
                   [self = shared_from_this()](std::exception_ptr e) {
                     if (e) self->crashed();
                   });
  }

  void end_session() {
    restart_ = false;
    if (!running_) return;
    stopping_ = true;
    if (current_) current_->finish(NetError::stopped);
    backoff_timer_.cancel();
  }

  void crashed() {
    running_ = false;
    if (current_) current_->finish(NetError::internal);
    current_.reset();
    update_status(
        [](ConsoleStatus& s) {
          s.phase = ConsolePhase::stopped;
          s.connected = s.command_connected = false;
          s.last_error = s.stop_reason = NetError::internal;
        },
        true);
    notify([](ConsoleObserver& o) { o.on_stopped(NetError::internal); });
  }

  asio::awaitable<void> supervise(std::shared_ptr<Impl> self) {
    Backoff backoff(config_.policy);
    std::error_code reason;
    while (!stopping_) {
      const BusyPolicy policy = ever_connected_ ? config_.reconnect_busy : config_.busy;
      const AttemptOutcome outcome = co_await run_attempt(self, policy);
      if (stopping_) break;
      const std::error_code error =
          outcome.error ? outcome.error : make_error_code(NetError::closed_by_peer);
      update_status([&](ConsoleStatus& s) { s.last_error = error; });
      const EndKind kind = classify_end(error);
      // A refused key is terminal unless someone renews the login (the old behaviour).
      if (kind == EndKind::terminal || (kind == EndKind::renew_keys && !config_.on_stale_keys) ||
          !config_.reconnect) {
        reason = error;
        break;
      }
      if (kind == EndKind::renew_keys) config_.on_stale_keys(outcome.generation);
      if (outcome.granted) backoff.connection_lasted(outcome.lasted);
      if (backoff.exhausted()) {
        reason = error;
        break;
      }
      set_phase(ConsolePhase::waiting);
      backoff_timer_.expires_after(backoff.next());
      co_await backoff_timer_.async_wait(use_nothrow);
    }
    if (!reason) reason = NetError::stopped;
    running_ = false;
    stopping_ = false;
    update_status(
        [&](ConsoleStatus& s) {
          s.phase = ConsolePhase::stopped;
          s.connected = s.command_connected = false;
          s.stop_reason = reason;
        },
        true);
    if (reason == NetError::seized) notify([](ConsoleObserver& o) { o.on_seized(); });
    notify([&](ConsoleObserver& o) { o.on_stopped(reason); });
    if (restart_) {
      restart_ = false;
      begin();
    }
  }

  asio::awaitable<AttemptOutcome> run_attempt(std::shared_ptr<Impl> self, BusyPolicy policy) {
    AttemptOutcome outcome;
    update_status(
        [](ConsoleStatus& s) {
          s.phase = ConsolePhase::connecting;
          ++s.attempts;
        },
        true);
    const ConsoleCredentials credentials = config_.credentials;
    outcome.generation = credentials.generation;
    std::error_code ec;
    const rc::StreamKey key = rc::stream_key_from_enc_key(credentials.enc_key, ec);
    if (ec) co_return AttemptOutcome{ec, false, {}, credentials.generation};
    const auto console_request =
        rc::build_connect_request(rc::ConnectionType::console, credentials.session_key,
                                  credentials.enc_key, credentials.features, ec);
    if (ec) co_return AttemptOutcome{ec, false, {}, credentials.generation};
    const auto command_request =
        rc::build_connect_request(rc::ConnectionType::command, credentials.session_key,
                                  credentials.enc_key, credentials.features, ec);
    if (ec) co_return AttemptOutcome{ec, false, {}, credentials.generation};

    auto a = std::make_shared<Attempt>(*this, key, framebuffer_, config_.transport);
    current_ = a;
    RcConnectOptions options;
    options.handshake_timeout = config_.policy.handshake_timeout;
    options.seize_timeout = config_.seize_timeout;
    options.busy = policy;
    options.handshake = config_.handshake;
    options.on_busy = [this, a] {
      if (!a->closed) set_phase(ConsolePhase::seizing);
    };

    auto connected = co_await rc_connect(a->console, config_.host, config_.rc_port,
                                         console_request, options);
    update_status([&](ConsoleStatus& s) {
      s.bytes_sent += connected.bytes_sent;
      // Bytes that came with the status byte are counted when they are decoded.
      s.bytes_received += connected.bytes_received - connected.leftover.size();
    });
    if (a->closed || connected.error) {
      a->finish(connected.error);
      current_.reset();
      co_return AttemptOutcome{a->end, false, {}, credentials.generation};
    }

    a->granted = true;
    a->granted_at = a->last_rx = a->last_write = Clock::now();
    outcome.granted = true;
    update_status(
        [&](ConsoleStatus& s) {
          s.phase = ConsolePhase::connected;
          s.connected = true;
          ++s.connects;
          if (ever_connected_) ++s.reconnects;
        },
        true);
    ever_connected_ = true;

    auto on_child_exit = [a](std::exception_ptr e) {
      if (e) a->finish(NetError::internal);
    };
    options.on_busy = nullptr;
    asio::co_spawn(strand_, command_loop(self, a, command_request, options), on_child_exit);
    asio::co_spawn(strand_, writer_loop(self, a), on_child_exit);
    if (config_.silence_probe.count() > 0 || config_.silence_limit.count() > 0) {
      asio::co_spawn(strand_, watchdog_loop(self, a), on_child_exit);
    }

    if (!connected.leftover.empty()) on_console_bytes(*a, connected.leftover);
    std::vector<std::uint8_t> buffer(kConsoleReadBufferSize);
    while (!a->closed) {
      auto [read_ec, n] = co_await a->console.async_read_some(asio::buffer(buffer), use_nothrow);
      if (a->closed) break;
      if (read_ec) {
        a->finish(read_ec == asio::error::eof ? make_error_code(NetError::closed_by_peer)
                                              : read_ec);
        break;
      }
      on_console_bytes(*a, std::span<const std::uint8_t>(buffer.data(), n));
    }
    a->finish(NetError::closed_by_peer);  // no-op when already finished
    if (current_ == a) current_.reset();
    update_status([](ConsoleStatus& s) { s.connected = s.command_connected = false; }, true);
    outcome.error = a->end;
    outcome.lasted = Clock::now() - a->granted_at;
    co_return outcome;
  }

  void on_console_bytes(Attempt& a, std::span<const std::uint8_t> bytes) {
    a.last_rx = Clock::now();
    a.probed = false;
    std::error_code ec;
    {
      std::lock_guard lock(sink_mutex_);
      if (!attached_) {
        a.finish(NetError::stopped);
        return;
      }
      ec = a.transport.feed(bytes);
    }
    const std::uint8_t cipher = a.transport.receive_cipher();
    const unsigned pings = std::exchange(a.pings, 0u);
    update_status([&](ConsoleStatus& s) {
      s.bytes_received += bytes.size();
      s.cipher = cipher;
      s.pings += pings;
    });
    if (ec) {
      a.finish(ec);
      return;
    }
    if (a.seized) {
      a.finish(NetError::seized);
      return;
    }
    for (unsigned i = 0; i < pings; ++i) a.control.emplace_back(rc::AckMessage{});
    if (std::exchange(a.refresh_wanted, false)) a.control.emplace_back(rc::RefreshMessage{});
    if (!a.control.empty()) a.writer_wake.cancel();
  }

  // Called by the decoder, inside on_console_bytes (sink_mutex_ held, so no notify()).
  void on_video_event(Attempt& a, const rc::VideoEvent& event) {
    std::visit(
        Overloaded{
            [&](const rc::ScreenMode& m) {
              pointer_.set_screen(m.width, m.height);
              update_status([&](ConsoleStatus& s) {
                s.width = m.width;
                s.height = m.height;
              });
              observer_.on_screen_mode(m);
            },
            [&](const rc::SessionHeader&) { make_ready(a); },
            [&](const rc::PowerState& p) {
              update_status([&](ConsoleStatus& s) { s.power_on = p.on; });
              observer_.on_power(p.on, PowerSource::video_command);
            },
            [&](const rc::Seized&) { a.seized = true; },
            [&](const rc::Text& t) { observer_.on_text(t); },
            [&](const rc::Ping&) { ++a.pings; },
            [&](const rc::FrameEnd&) {
              make_ready(a);
              std::uint64_t frame = 0;
              update_status([&](ConsoleStatus& s) { frame = ++s.frames; });
              observer_.on_frame(frame);
            },
            [&](const rc::RefreshRequest&) { a.refresh_wanted = true; },
            [&](const rc::DecodeError&) {
              update_status([](ConsoleStatus& s) { ++s.decode_errors; });
            },
            [&](const rc::Resync&) { update_status([](ConsoleStatus& s) { ++s.resyncs; }); },
            [](const auto&) {},
        },
        event);
  }

  void make_ready(Attempt& a) {
    if (a.ready) return;
    a.ready = true;
    if (!a.queue.empty()) a.writer_wake.cancel();
  }

  // Queues the owner's input (all of `items` or none) on the current connection.
  void enqueue(std::vector<QueuedInput> items) {
    const auto& a = current_;
    std::error_code dropped;
    if (!a || a->closed || !a->granted) {
      dropped = NetError::not_connected;
    } else if (a->queue.size() + items.size() > config_.max_queued_inputs) {
      dropped = NetError::input_queue_full;
    }
    if (dropped) {
      update_status([&](ConsoleStatus& s) { s.inputs_dropped += items.size(); });
      return;
    }
    for (auto& item : items) a->queue.push_back(std::move(item));
    if (a->ready) a->writer_wake.cancel();
  }

  asio::awaitable<void> writer_loop(std::shared_ptr<Impl> self, std::shared_ptr<Attempt> a) {
    std::vector<std::uint8_t> out;
    while (!a->closed) {
      const bool have_input = a->ready && !a->queue.empty();
      if (a->control.empty() && !have_input) {
        a->writer_wake.expires_at(asio::steady_timer::time_point::max());
        co_await a->writer_wake.async_wait(use_nothrow);
        continue;
      }
      if (have_input && a->queue.front().paced) {
        const auto due = a->last_write + config_.typing_interval;
        if (Clock::now() < due) {
          a->pace.expires_at(due);
          co_await a->pace.async_wait(use_nothrow);
          continue;  // look again: the connection may be gone, control may be waiting
        }
      }
      // Encode right before writing, so a cipher switch just received applies.
      out.clear();
      std::uint64_t inputs = 0, refreshes = 0;
      for (const auto& m : a->control) {
        if (std::holds_alternative<rc::RefreshMessage>(m)) ++refreshes;
        a->transport.encode(m, out);
      }
      a->control.clear();
      if (have_input) {
        do {
          const bool paced = a->queue.front().paced;
          if (paced && inputs > 0) break;  // a paced report goes alone
          a->transport.encode(a->queue.front().message, out);
          if (std::holds_alternative<rc::RefreshMessage>(a->queue.front().message)) ++refreshes;
          a->queue.pop_front();
          ++inputs;
          if (paced) break;
        } while (!a->queue.empty());
      }
      auto [ec, n] = co_await asio::async_write(a->console, asio::buffer(out), use_nothrow);
      if (a->closed) break;
      if (ec) {
        a->finish(ec);
        break;
      }
      a->last_write = Clock::now();
      const std::size_t sent = n;  // clang 14 cannot capture a structured binding
      update_status([&](ConsoleStatus& s) {
        s.bytes_sent += sent;
        s.inputs_sent += inputs;
        s.refresh_requests += refreshes;
      });
    }
    (void)self;
  }

  asio::awaitable<void> watchdog_loop(std::shared_ptr<Impl> self, std::shared_ptr<Attempt> a) {
    const milliseconds probe = config_.silence_probe, limit = config_.silence_limit;
    const milliseconds tick = watchdog_tick(probe, limit);
    while (!a->closed) {
      a->watchdog.expires_after(tick);
      co_await a->watchdog.async_wait(use_nothrow);
      if (a->closed) break;
      const auto silent = Clock::now() - a->last_rx;
      if (limit.count() > 0 && silent >= limit) {
        a->finish(NetError::link_silent);
        break;
      }
      if (probe.count() > 0 && silent >= probe && !a->probed) {
        a->probed = true;  // a refresh request makes a live server resend the screen
        a->control.emplace_back(rc::RefreshMessage{});
        a->writer_wake.cancel();
      }
    }
    (void)self;
  }

  asio::awaitable<void> command_loop(std::shared_ptr<Impl> self, std::shared_ptr<Attempt> a,
                                     rc::ConnectRequestBytes request, RcConnectOptions options) {
    ConnectionPolicy retry = config_.policy;  // the console's policy, at least 1 s apart
    retry.backoff_initial = std::max(retry.backoff_initial, milliseconds{1000});
    retry.max_attempts = 0;  // the console connection decides when the session ends
    Backoff backoff(retry);
    while (!a->closed) {
      CommandCounters counters;
      // Named, not temporaries: GCC 12 mis-destroys temporaries that share a full-expression
      // with co_await (the lambdas' copies of `a` would be released twice).
      std::function<void()> on_granted = [this, a] {
        if (a->closed) return;
        const bool again = std::exchange(command_ever_connected_, true);
        update_status(
            [&](ConsoleStatus& s) {
              s.command_connected = true;
              if (again) ++s.command_reconnects;
            },
            true);
      };
      CommandRecordHandler on_record = [this, a](const rc::CommandRecord& record) {
        return on_command_record(*a, record);
      };
      const auto ec = co_await run_command_connection(a->command, config_.host, config_.rc_port,
                                                      request, options, on_granted, on_record,
                                                      counters);
      if (a->closed) break;
      update_status([&](ConsoleStatus& s) { s.command_connected = false; }, true);
      if (!ec) {  // a handler ended the session (seize allowed, shutdown notice)
        a->finish(a->command_end);
        break;
      }
      // The console keeps running without it (docs/command-session.md#lifetime); try again later.
      update_status([&](ConsoleStatus& s) { s.last_error = ec; });
      std::error_code ignored;
      a->command.close(ignored);
      a->command_retry.expires_after(backoff.next());
      co_await a->command_retry.async_wait(use_nothrow);
    }
    (void)self;
  }

  CommandAction on_command_record(Attempt& a, const rc::CommandRecord& record) {
    if (a.closed) return {std::nullopt, true};
    update_status([](ConsoleStatus& s) { ++s.command_records; });
    auto finish_with = [&](NetError why) {
      a.command_end = why;
      return CommandAction{std::nullopt, true};
    };
    return std::visit(
        Overloaded{
            [&](const rc::HostPower& p) {
              update_status([&](ConsoleStatus& s) { s.power_on = p.on(); });
              notify([&](ConsoleObserver& o) { o.on_power(p.on(), PowerSource::command_record); });
              return CommandAction{};
            },
            [&](const rc::HealthStatus& h) {
              update_status([&](ConsoleStatus& s) { s.health = h.value; });
              notify([&](ConsoleObserver& o) { o.on_health(h.value); });
              return CommandAction{};
            },
            [&](const rc::PostCode& c) {
              notify([&](ConsoleObserver& o) { o.on_post_code(c.code); });
              return CommandAction{};
            },
            [&](const rc::SeizeRequest& r) {
              const bool allow = config_.seize_requests == SeizeRequestPolicy::allow;
              const auto answer = allow ? rc::SeizeAnswer::allow : rc::SeizeAnswer::deny;
              notify([&](ConsoleObserver& o) { o.on_seize_request(r, answer); });
              // Allowing hands the console over: answer, then shut our console down
              // (docs/command-session.md#seize-and-share-requests).
              if (allow) a.command_end = NetError::seized;
              return CommandAction{answer, allow};
            },
            [&](const rc::ShareRequest& r) {
              notify([&](ConsoleObserver& o) { o.on_share_request(r); });
              return CommandAction{rc::SeizeAnswer::deny, false};  // as Java: cannot share
            },
            [&](const rc::FirmwareUpgrade&) { return finish_with(NetError::firmware_upgrade); },
            [&](const rc::UnauthorisedAction& u) {
              if (u.reason == 2) return finish_with(NetError::unauthorised);
              return CommandAction{};  // virtual media or power switch: not the console's end
            },
            [&](const rc::NotLicensed&) { return finish_with(NetError::not_licensed); },
            [&](const rc::IloReset&) { return finish_with(NetError::ilo_reset); },
            [](const auto&) { return CommandAction{}; },
        },
        record);
  }

  asio::strand<asio::any_io_executor> strand_;
  ConsoleSessionConfig config_;   // strand only
  rc::Framebuffer& framebuffer_;  // written by the decoder under sink_mutex_
  ConsoleObserver& observer_;     // called under sink_mutex_

  std::mutex sink_mutex_;  // guards attached_ and every use of framebuffer_ and observer_
  bool attached_ = true;
  mutable std::mutex status_mutex_;  // guards status_
  ConsoleStatus status_;

  // Strand only.
  bool running_ = false;
  bool stopping_ = false;
  bool restart_ = false;
  bool ever_connected_ = false;
  bool command_ever_connected_ = false;  // on the strand, as ever_connected_
  std::shared_ptr<Attempt> current_;
  asio::steady_timer backoff_timer_;
  rc::PointerState pointer_;
};

ConsoleSession::ConsoleSession(asio::any_io_executor executor, ConsoleSessionConfig config,
                               rc::Framebuffer& framebuffer, ConsoleObserver& observer)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config), framebuffer,
                                   observer)) {}

ConsoleSession::~ConsoleSession() {
  impl_->detach();
  impl_->stop();
}

void ConsoleSession::start() { impl_->start(); }
void ConsoleSession::stop() { impl_->stop(); }
void ConsoleSession::set_credentials(ConsoleCredentials credentials) {
  impl_->set_credentials(std::move(credentials));
}
void ConsoleSession::power(rc::PowerAction action) { impl_->send_input(rc::PowerMessage{action}); }
void ConsoleSession::keyboard(const rc::KeyboardReport& report) { impl_->send_input(report); }
std::error_code ConsoleSession::type_text(std::string_view text) {
  std::error_code ec;
  auto reports = rc::reports_for_text(text, ec);
  if (ec) return ec;
  if (!reports.empty()) impl_->send_text(std::move(reports));
  return {};
}
void ConsoleSession::pointer(int x, int y, std::uint8_t buttons) {
  impl_->send_pointer(x, y, buttons);
}
void ConsoleSession::refresh() { impl_->send_input(rc::RefreshMessage{}); }
ConsoleStatus ConsoleSession::status() const { return impl_->status(); }

}  // namespace ilo::net
