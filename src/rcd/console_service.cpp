// ilofs-rc's service loop (see console_service.hpp). Two threads: the main thread owns the
// socket, the command queue and the status reports (poll() on the socket and a signalfd); the
// io_context thread runs the console session, whose observer copies frames into the shared
// frame and notes events for the main thread. Completion of a command is read off the
// session's counters (inputs sent + dropped), which only this service's commands move.
// With `vnc`, a third thread serves VNC viewers (vnc_server.hpp) from the same shared frame;
// their keys and pointer join the command queue as unacknowledged commands.
#include "rcd/console_service.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <asio.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "net/console_session.hpp"
#include "rc/rc_error.hpp"
#include "rcd/companion_protocol.hpp"
#include "rcd/packet_socket.hpp"
#include "rcd/shared_frame.hpp"
#include "rcd/vnc_server.hpp"

namespace ilo::rcd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStatusInterval{100};  // status is sent at most this often when changed
constexpr milliseconds kCommandLimit{20'000};  // a command not written by then: timed_out
constexpr milliseconds kCloseGrace{2000};
constexpr milliseconds kStaleRepeat{10'000};  // asking again for the same refused login
constexpr std::size_t kMaxQueued = 64;         // the parent's commands waiting
constexpr std::size_t kMaxVncQueued = 1024;    // viewer input waiting (more is dropped)

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

const char* link_name(bool up, bool trying) { return up ? "up" : trying ? "connecting" : "down"; }

// One command from the parent, carried out over several loop turns.
struct Command {
  std::uint32_t id = 0;
  std::vector<rc::InputMessage> items;  // power, keyboard reports, refresh
  std::vector<proto::PointerMove> moves;
  bool paced = false;             // keyboard: one report per typing interval
  std::size_t next = 0;           // items/moves submitted so far
  std::uint64_t base_done = 0;    // inputs sent + dropped when the command began
  std::uint64_t base_dropped = 0;
  std::uint64_t base_connects = 0;  // a reconnect loses what was queued on the old connection
  Clock::time_point due{};        // next paced submission
  Clock::time_point deadline{};
  bool started = false;
  bool silent = false;            // a viewer's input: nobody waits for an ack
  [[nodiscard]] std::size_t size() const { return items.size() + moves.size(); }
};

}  // namespace

// One viewer input, in the order the viewers sent it.
using VncEvent = std::variant<rc::KeyboardReport, proto::PointerMove>;

class ConsoleService::Impl final : public net::ConsoleObserver, public VncInput {
 public:
  Impl(int socket, bool debug) : socket_(socket), debug_(debug) {}
  ~Impl() {
    shutdown_session();
    if (socket_ >= 0) ::close(socket_);
    if (signal_fd_ >= 0) ::close(signal_fd_);
    if (vnc_wake_fd_ >= 0) ::close(vnc_wake_fd_);
  }

  int run() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    signal_fd_ = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    vnc_wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    std::error_code ec;
    writer_ = SharedFrameWriter::create(ec);
    if (ec) {
      log(LOG_ERR, "cannot create the shared frame: " + ec.message());
      return 1;
    }
    if (auto sent = send({0, proto::Frame{}}, writer_.fd())) {
      return 1;  // the parent is gone
    }
    io_thread_ = std::thread([this] { io_.run(); });

    bool running = true;
    while (running) {
      pollfd fds[3] = {{socket_, POLLIN, 0}, {signal_fd_, POLLIN, 0}, {vnc_wake_fd_, POLLIN, 0}};
      const int timeout = command_ ? 5 : 50;
      const int n = ::poll(fds, 3, timeout);  // a negative fd (none) is skipped by poll
      if (n < 0 && errno != EINTR) break;
      if (n > 0 && (fds[2].revents & POLLIN) != 0) take_vnc_input();
      if (n > 0 && (fds[1].revents & POLLIN) != 0) {
        log(LOG_INFO, "signal received: closing the console");
        break;
      }
      if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        running = read_socket();
      }
      step_command();
      report();
    }
    shutdown_session();
    return 0;
  }

 private:
  // ---- ConsoleObserver (session strand) ----
  void on_status(const net::ConsoleStatus& s) override {
    if (debug_) queue_log(LOG_DEBUG, std::string("console phase ") + net::to_string(s.phase));
    // A failed attempt or a broken connection, before the backoff: in the parent's log and
    // status's errors, as the drives' are (the link's own error goes once it is up again).
    if (s.phase == net::ConsolePhase::waiting && s.last_error)
      queue_log(LOG_WARNING, "console: connection ended: " + s.last_error.message() +
                                 " (reconnecting)");
  }
  void on_screen_mode(const rc::ScreenMode& m) override {
    if (m.width == 0 || m.height == 0) {  // no video
      writer_.publish(0, 0, {});
      published_width_ = published_height_ = 0;
    }
  }
  void on_frame(std::uint64_t) override {
    // The decoder keeps painting into its own buffer; readers get a copy at each frame end:
    // the rows drawn since the last one (the decoder flushes its dirty area before the event),
    // nothing at all when nothing was drawn, so the sequence moves only with the picture.
    // Only the const view of the pixels: the writable one would tell the decoder that
    // someone else painted (Framebuffer::generation).
    const rc::Rect dirty = framebuffer_.take_dirty();
    const rc::Framebuffer& fb = framebuffer_;
    const bool same_size = fb.width() == published_width_ && fb.height() == published_height_;
    if (same_size && dirty.empty()) return;
    writer_.publish_rows(fb.width(), fb.height(), fb.pixels(), dirty.y, dirty.height);
    published_width_ = fb.width();
    published_height_ = fb.height();
  }
  void on_seized() override {
    queue_log(LOG_WARNING, "the console was taken over by another user");
  }
  void on_stopped(std::error_code reason) override {
    std::lock_guard lock(events_mutex_);
    stopped_ = reason;
    stop_seen_ = true;
    events_cv_.notify_all();
  }

  // ---- VncInput (VNC thread) ----
  void vnc_keys(const std::vector<rc::KeyboardReport>& reports) override {
    {
      std::lock_guard lock(events_mutex_);
      for (const auto& r : reports) {
        if (vnc_events_.size() < kMaxVncQueued) vnc_events_.emplace_back(r);
      }
    }
    wake_for_vnc();
  }
  void vnc_pointer(int x, int y, std::uint8_t buttons) override {
    {
      std::lock_guard lock(events_mutex_);
      // A move that only replaces a move not yet taken: keep the newest (same buttons).
      auto* last = vnc_events_.empty() ? nullptr
                                       : std::get_if<proto::PointerMove>(&vnc_events_.back());
      if (last && last->buttons == buttons) {
        *last = {x, y, buttons};
      } else if (vnc_events_.size() < kMaxVncQueued) {
        vnc_events_.emplace_back(proto::PointerMove{x, y, buttons});
      }
    }
    wake_for_vnc();
  }
  void wake_for_vnc() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(vnc_wake_fd_, &one, sizeof one);
  }

  // Main thread: the viewers' input becomes commands, consecutive keys (paced) or pointer
  // moves in one command each, in the order sent.
  void take_vnc_input() {
    std::uint64_t drain = 0;
    [[maybe_unused]] auto r = ::read(vnc_wake_fd_, &drain, sizeof drain);
    std::deque<VncEvent> events;
    {
      std::lock_guard lock(events_mutex_);
      events.swap(vnc_events_);
    }
    std::optional<Command> c;
    auto flush = [&] {
      if (c) enqueue(std::move(*c));
      c.reset();
    };
    for (const auto& e : events) {
      const bool key = std::holds_alternative<rc::KeyboardReport>(e);
      if (c && (key != c->paced)) flush();
      if (!c) {
        c.emplace();
        c->silent = true;
        c->paced = key;
      }
      if (key) {
        c->items.emplace_back(std::get<rc::KeyboardReport>(e));
      } else {
        c->moves.push_back(std::get<proto::PointerMove>(e));
      }
    }
    flush();
  }

  // ---- main thread ----
  std::error_code send(const proto::Message& m, int pass_fd = -1) {
    const auto packet = proto::encode(m);
    return send_packet(socket_, packet, pass_fd);
  }
  void log(int priority, const std::string& text) {
    send({0, proto::Log{static_cast<std::uint8_t>(priority), text}});
  }
  void queue_log(int priority, std::string text) {
    std::lock_guard lock(events_mutex_);
    logs_.emplace_back(priority, std::move(text));
  }
  void ack(std::uint32_t id, std::errc error) {
    send({id, proto::Ack{static_cast<std::int32_t>(error)}});
  }

  // False when the service must end.
  bool read_socket() {
    int fd = -1;
    bool eof = false;
    const auto ec = receive_packet(socket_, packet_, proto::kMaxMessage, fd, eof);
    if (fd >= 0) ::close(fd);  // the parent never passes descriptors
    const bool transient = ec == std::errc::message_size ||
                           ec == std::errc::resource_unavailable_try_again;
    if (eof || (ec && !transient)) return false;
    if (ec) return true;
    auto m = proto::parse(packet_);
    if (!m) {
      log(LOG_WARNING, "malformed message from the parent ignored");
      return true;
    }
    const bool keep_going = std::visit([&](auto& body) { return handle(m->id, body); }, m->body);
    if (std::holds_alternative<proto::Keys>(m->body) ||
        std::holds_alternative<proto::Vnc>(m->body)) {
      OPENSSL_cleanse(packet_.data(), packet_.size());  // the received keys or VNC password
    }
    return keep_going;
  }

  bool handle(std::uint32_t, proto::Configure& c) {
    auto j = nlohmann::json::parse(c.json, nullptr, false);
    if (!j.is_object()) {
      log(LOG_WARNING, "malformed configuration ignored");
      return true;
    }
    auto ms = [&](const char* name, milliseconds fallback) {
      const auto& v = j[name];
      if (!v.is_number_integer()) return fallback;
      const auto n = v.get<std::int64_t>();
      return n >= 0 && n <= 86'400'000 ? milliseconds{n} : fallback;
    };
    net::ConsoleSessionConfig& cfg = config_;
    if (j["host"].is_string()) cfg.host = j["host"].get<std::string>();
    const auto busy = j.value("busy", std::string("fail"));
    cfg.busy = busy == "seize"   ? net::BusyPolicy::seize
               : busy == "share" ? net::BusyPolicy::share
                                 : net::BusyPolicy::fail;
    // HP's Java client gives up right after the share word (the iLO's reply is undocumented);
    // a user who asks for sharing gets the reading that waits for a status byte (R or Q).
    // Reconnects then share too (a sharer never seizes).
    if (cfg.busy == net::BusyPolicy::share) {
      cfg.handshake.share = rc::ShareReading::await_status;
      cfg.reconnect_busy = net::BusyPolicy::share;
    }
    net::ConnectionPolicy& p = cfg.policy;
    p.connect_timeout = ms("connect_timeout_ms", p.connect_timeout);
    p.handshake_timeout = ms("handshake_timeout_ms", p.handshake_timeout);
    p.backoff_initial = ms("backoff_initial_ms", p.backoff_initial);
    p.backoff_max = ms("backoff_max_ms", p.backoff_max);
    p.stable_after = ms("stable_after_ms", p.stable_after);
    if (j["jitter"].is_number()) p.jitter = j["jitter"].get<double>();
    // A refused key is reported to the parent, which renews the login and sends new keys;
    // meanwhile the session backs off and retries with whatever keys it holds.
    cfg.on_stale_keys = [this](std::uint64_t stale) {
      std::lock_guard lock(events_mutex_);
      stale_generations_.push_back(stale);
    };
    typing_interval_ = ms("typing_interval_ms", typing_interval_);
    configured_ = true;
    maybe_start();
    return true;
  }

  bool handle(std::uint32_t, proto::Keys& k) {
    if (k.generation < generation_ && session_) {
      wipe(k.session_key);
      wipe(k.enc_key);
      return true;  // older than what we have
    }
    net::ConsoleCredentials c;
    c.session_key = std::move(k.session_key);
    c.enc_key = std::move(k.enc_key);
    c.features.encrypt_key = (k.features & 1) != 0;
    c.features.encrypt_vmkey = (k.features & 2) != 0;
    c.features.encrypt_cmd = (k.features & 4) != 0;
    c.generation = k.generation;
    generation_ = k.generation;
    config_.rc_port = k.rc_port;  // the port of the next session; a running one keeps its own
    if (session_) {
      session_->set_credentials(c);  // used from the next connection attempt on
      if (debug_) {
        log(LOG_DEBUG, "new session keys (login " + std::to_string(k.generation) + ")");
      }
    } else {
      config_.credentials = c;
      have_keys_ = true;
      maybe_start();
    }
    wipe(c.session_key);
    wipe(c.enc_key);
    return true;
  }

  void maybe_start() {
    if (session_ || !configured_ || !have_keys_) return;
    session_ = std::make_unique<net::ConsoleSession>(io_.get_executor(), config_, framebuffer_,
                                                     *this);
    wipe(config_.credentials.session_key);
    wipe(config_.credentials.enc_key);
    session_->start();
  }

  bool handle(std::uint32_t id, proto::Power& p) {
    Command c;
    c.id = id;
    c.items.emplace_back(rc::PowerMessage{static_cast<rc::PowerAction>(p.action)});
    return enqueue(std::move(c));
  }
  bool handle(std::uint32_t id, proto::Keyboard& k) {
    Command c;
    c.id = id;
    c.paced = true;
    for (const auto& r : k.reports) c.items.emplace_back(r);
    return enqueue(std::move(c));
  }
  bool handle(std::uint32_t id, proto::Pointer& p) {
    Command c;
    c.id = id;
    c.moves = std::move(p.moves);
    return enqueue(std::move(c));
  }
  bool handle(std::uint32_t id, proto::Refresh&) {
    Command c;
    c.id = id;
    c.items.emplace_back(rc::RefreshMessage{});
    return enqueue(std::move(c));
  }
  bool handle(std::uint32_t, proto::Layout& l) {
    auto table = std::make_shared<rc::KeyLayout>(l.name);
    for (auto& e : l.entries) table->offer(e.character, std::move(e.strokes));
    layout_ = std::move(table);
    return true;
  }

  // Starts the VNC server once (a second message is ignored); its failure is reported in the
  // status and the log, and the console goes on without it.
  bool handle(std::uint32_t, proto::Vnc& v) {
    if (vnc_requested_) {
      wipe(v.password);
      return true;
    }
    vnc_requested_ = true;
    vnc_endpoint_ = v.address + ":" + std::to_string(v.port);
    std::error_code ec;
    vnc_frame_ = SharedFrameReader::open(::fcntl(writer_.fd(), F_DUPFD_CLOEXEC, 0), ec);
    if (ec) {
      vnc_error_ = "cannot map the frame for VNC: " + ec.message();
    } else {
      VncServerOptions o{v.address, v.port, v.password, layout_, debug_};
      vnc_ = VncServer::start(o, vnc_frame_, *this, vnc_error_);
      wipe(o.password);
    }
    wipe(v.password);
    if (vnc_) {
      vnc_endpoint_ = vnc_->listening();
      log(LOG_INFO, "VNC viewers may connect to " + vnc_endpoint_);
    } else {
      log(LOG_ERR, vnc_error_);
    }
    return true;
  }

  bool handle(std::uint32_t, proto::Close&) {
    log(LOG_INFO, "closing the console");
    return false;
  }
  template <class T>
  bool handle(std::uint32_t, T&) {  // companion -> parent types: not for us
    log(LOG_WARNING, "unexpected message from the parent ignored");
    return true;
  }

  bool enqueue(Command c) {
    if (c.silent ? queue_.size() >= kMaxVncQueued : queue_.size() >= kMaxQueued) {
      if (!c.silent) ack(c.id, std::errc::resource_unavailable_try_again);
      return true;
    }
    queue_.push_back(std::move(c));
    return true;
  }

  // Advances the current command: submit what is due, ack once all is written.
  void step_command() {
    const auto now = Clock::now();
    if (!command_) {
      if (queue_.empty()) return;
      command_ = std::move(queue_.front());
      queue_.pop_front();
    }
    Command& c = *command_;
    const net::ConsoleStatus s = session_ ? session_->status() : net::ConsoleStatus{};
    auto finish = [&](std::errc e) {
      if (!c.silent) ack(c.id, e);
      command_.reset();
    };
    if (!s.connected) return finish(std::errc::not_connected);
    if (!c.started) {
      c.started = true;
      c.base_done = s.inputs_sent + s.inputs_dropped;
      c.base_dropped = s.inputs_dropped;
      c.base_connects = s.connects;
      c.deadline = now + kCommandLimit;
      c.due = now;
      // Pointer positions are checked against the current mode before anything is sent.
      for (const auto& m : c.moves) {
        if (m.x > s.width || m.y > s.height || m.x < -1 || m.y < -1) {
          return finish(std::errc::invalid_argument);
        }
      }
    }
    while (c.next < c.size() && now >= c.due) {
      if (c.next < c.items.size()) {
        std::visit(
            [&](const auto& item) {
              using T = std::decay_t<decltype(item)>;
              if constexpr (std::is_same_v<T, rc::PowerMessage>) session_->power(item.action);
              if constexpr (std::is_same_v<T, rc::KeyboardReport>) session_->keyboard(item);
              if constexpr (std::is_same_v<T, rc::RefreshMessage>) session_->refresh();
            },
            c.items[c.next]);
      } else {
        const auto& m = c.moves[c.next - c.items.size()];
        if (m.x >= 0) pointer_x_ = m.x;
        if (m.y >= 0) pointer_y_ = m.y;
        session_->pointer(pointer_x_, pointer_y_, m.buttons);
      }
      ++c.next;
      if (c.paced) c.due = now + typing_interval_;
    }
    const std::uint64_t done = s.inputs_sent + s.inputs_dropped - c.base_done;
    if (c.next == c.size() && done >= c.size()) {
      return finish(s.inputs_dropped > c.base_dropped ? std::errc::not_connected : std::errc{});
    }
    if (s.connects != c.base_connects) return finish(std::errc::not_connected);
    if (now > c.deadline) finish(std::errc::timed_out);
  }

  // Sends the status when it changed (at most every kStatusInterval), pending log lines, and
  // a stale-key report once per refused generation.
  void report() {
    std::deque<std::pair<int, std::string>> logs;
    std::vector<std::uint64_t> stale_generations;
    std::optional<std::error_code> stopped;
    {
      std::lock_guard lock(events_mutex_);
      logs.swap(logs_);
      stale_generations.swap(stale_generations_);
      if (stop_seen_) stopped = stopped_;
    }
    for (auto& [priority, text] : logs) log(priority, text);
    for (const std::uint64_t g : stale_generations) {
      // Once per refused login; again after a while if no new keys came (a failed renewal).
      const bool asked = stale_reported_ != 0 && g + 1 <= stale_reported_;
      if (asked && Clock::now() - stale_reported_at_ < kStaleRepeat) continue;
      stale_reported_ = std::max(stale_reported_, g + 1);
      stale_reported_at_ = Clock::now();
      log(LOG_NOTICE, "the console refused the session key (login " + std::to_string(g) +
                          "): asking for a new login");
      send({0, proto::StaleKeys{g}});
    }
    // Refused keys and no newer ones yet.
    const bool stale = stale_reported_ != 0 && generation_ + 1 <= stale_reported_;
    const auto now = Clock::now();
    if (now - last_status_ < kStatusInterval) return;
    const net::ConsoleStatus s = session_ ? session_->status() : net::ConsoleStatus{};
    nlohmann::json j;
    j["power"] = s.power_on ? nlohmann::json(*s.power_on) : nlohmann::json(nullptr);
    j["width"] = s.width;
    j["height"] = s.height;
    j["frames"] = s.frames;
    const bool trying = session_ && s.phase != net::ConsolePhase::stopped &&
                        s.phase != net::ConsolePhase::idle;
    j["console"] = link_name(s.connected, trying);
    j["command"] = link_name(s.command_connected, s.connected);
    std::string console_error, command_error;
    if (stale) {
      console_error = "the console refused the session key (waiting for a new login)";
    } else if (!s.connected && s.last_error) {
      console_error = s.last_error.message();
    } else if (s.connected && !s.command_connected && s.last_error) {
      command_error = s.last_error.message();
    }
    if (stopped && !stale && *stopped) console_error = stopped->message();
    j["console_error"] = console_error;
    j["command_error"] = command_error;
    j["bytes"] = s.bytes_received;
    j["pings"] = s.pings;
    j["reconnects"] = s.reconnects;
    j["command_reconnects"] = s.command_reconnects;
    j["decode_errors"] = s.decode_errors;
    j["inputs_sent"] = s.inputs_sent;
    j["inputs_dropped"] = s.inputs_dropped;
    if (vnc_requested_) {
      nlohmann::json viewers = nlohmann::json::array();
      if (vnc_) {
        for (const auto& v : vnc_->viewers()) {
          viewers.push_back({{"address", v.address}, {"since", v.since}});
        }
      }
      j["vnc"] = {{"listen", vnc_endpoint_}, {"error", vnc_error_}, {"viewers", viewers}};
    }
    std::string text = j.dump();
    if (text == last_status_text_ && now - last_status_ < milliseconds{2000}) return;
    last_status_ = now;
    if (debug_ && text != last_status_text_) log(LOG_DEBUG, "status " + text);
    send({0, proto::Status{text}});
    last_status_text_ = std::move(text);
  }

  void shutdown_session() {
    vnc_.reset();  // viewers disconnected; its thread ends before the frame goes
    if (session_) {
      if (session_->status().phase != net::ConsolePhase::stopped) {
        {
          std::lock_guard lock(events_mutex_);
          stop_seen_ = false;
        }
        session_->stop();  // closes both connections; on_stopped marks the end
        std::unique_lock lock(events_mutex_);
        events_cv_.wait_for(lock, kCloseGrace, [&] { return stop_seen_; });
      }
      session_.reset();
    }
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  int socket_;
  int signal_fd_ = -1;
  bool debug_;
  std::vector<std::uint8_t> packet_;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread io_thread_;

  // Written by the session's strand (decoder, on_frame); the writer is set up before the
  // session starts and only used by on_frame/on_screen_mode afterwards.
  rc::Framebuffer framebuffer_;
  SharedFrameWriter writer_;
  int published_width_ = -1, published_height_ = -1;  // the strand's; -1: nothing yet

  // Main thread only.
  net::ConsoleSessionConfig config_;
  bool configured_ = false, have_keys_ = false;
  std::uint64_t generation_ = 0;
  std::uint64_t stale_reported_ = 0;  // refused generation + 1 last reported, 0 = none
  Clock::time_point stale_reported_at_{};
  milliseconds typing_interval_{8};
  std::unique_ptr<net::ConsoleSession> session_;
  std::deque<Command> queue_;
  std::optional<Command> command_;
  int pointer_x_ = 0, pointer_y_ = 0;
  Clock::time_point last_status_{};
  std::string last_status_text_;
  std::shared_ptr<const rc::KeyLayout> layout_;  // from the parent; null: US
  bool vnc_requested_ = false;
  std::string vnc_endpoint_, vnc_error_;
  SharedFrameReader vnc_frame_;  // the shared frame as a reader sees it (VNC thread reads)
  std::unique_ptr<VncServer> vnc_;
  int vnc_wake_fd_ = -1;         // eventfd: viewer input is waiting

  // Events from the session's strand for the main thread. Leaf lock: nothing else is taken
  // while it is held (the session's own locks may be held around it, never the other way).
  std::mutex events_mutex_;
  std::condition_variable events_cv_;
  bool stop_seen_ = false;
  std::error_code stopped_;
  std::deque<std::pair<int, std::string>> logs_;
  std::vector<std::uint64_t> stale_generations_;
  std::deque<VncEvent> vnc_events_;  // viewer input for the main thread
};

ConsoleService::ConsoleService(int socket, bool debug)
    : impl_(std::make_unique<Impl>(socket, debug)) {}
ConsoleService::~ConsoleService() = default;
int ConsoleService::run() { return impl_->run(); }

}  // namespace ilo::rcd
