// The mount's side of ilofs-rc (see companion.hpp). One supervisor thread spawns the process
// (posix_spawn, its end of the socket pair as fd 3, its stderr into a pipe we forward to the
// log, a near-empty environment), sends the configuration and the keys, reads everything the
// companion says (status, acks, the frame memfd, stale keys, log lines; all untrusted and
// bounds-checked), reaps it and restarts it with backoff. Commands are sent from the caller's
// thread and wait for their ack on a condition variable.
#include "rcd/companion.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "rc/framebuffer.hpp"
#include "rcd/companion_protocol.hpp"
#include "rcd/packet_socket.hpp"

namespace ilo::rcd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStableChild{30'000};  // a companion that lived this long resets backoff
constexpr std::size_t kMaxText = 300;         // longest error or log text taken from the child
constexpr unsigned kLogBurst = 200;           // most lines a second forwarded from the child
constexpr std::size_t kMaxViewers = 64;       // VNC viewers listed in the status

// The parent's end of one companion's socket; shared by the supervisor and senders so the
// descriptor is closed only when nobody uses it any more (never reused under a sender).
struct Channel {
  explicit Channel(int f) : fd(f) {}
  ~Channel() { ::close(fd); }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  int fd;
};

// A mapped frame and the offset that keeps sequences growing across companions.
struct Mapped {
  std::shared_ptr<SharedFrameReader> reader;
  std::uint64_t base = 0;
};

// Printable ASCII only, bounded: the child's texts are untrusted.
std::string clean_text(std::string_view in) {
  std::string out;
  for (char c : in.substr(0, kMaxText)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

std::uint64_t get_u64(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}
int get_dimension(const nlohmann::json& j, const char* name, int max) {
  const auto v = get_u64(j, name);
  return v <= std::uint64_t(max) ? int(v) : 0;
}
LinkState get_link(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return LinkState::down;
  const auto& s = it->get_ref<const std::string&>();
  return s == "up" ? LinkState::up : s == "connecting" ? LinkState::connecting : LinkState::down;
}
std::string get_text(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? clean_text(it->get_ref<const std::string&>()) : "";
}

const char* busy_name(net::BusyPolicy b) {
  switch (b) {
    case net::BusyPolicy::fail: return "fail";
    case net::BusyPolicy::seize: return "seize";
    case net::BusyPolicy::share: return "share";
  }
  return "fail";
}

std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  return "ended";
}

// The child's counters, folded into the totals when it ends.
struct Counters {
  std::uint64_t frames = 0, bytes = 0, pings = 0, reconnects = 0, decode_errors = 0;
  std::uint64_t inputs_sent = 0, inputs_dropped = 0, command_reconnects = 0;
};

}  // namespace

const char* to_string(LinkState state) noexcept {
  switch (state) {
    case LinkState::down: return "down";
    case LinkState::connecting: return "connecting";
    case LinkState::up: return "up";
  }
  return "?";
}

struct Companion::Impl {
  Impl(CompanionOptions o, std::shared_ptr<KeySource> k)
      : vnc_password(std::exchange(o.vnc_password, {})),
        options(std::move(o)),
        keys(std::move(k)) {
    if (!options.vnc_address.empty()) {
      const bool v6 = options.vnc_address.find(':') != std::string::npos;
      status.vnc_listen = (v6 ? "[" + options.vnc_address + "]" : options.vnc_address) + ":" +
                          std::to_string(options.vnc_port);
    }
  }
  ~Impl() {
    if (!vnc_password.empty()) OPENSSL_cleanse(vnc_password.data(), vnc_password.size());
  }

  // ---- commands (any thread) ----
  // `pacing`: how long the companion takes to write the command out (typed keys), added to
  // command_timeout so that a long line is not cut off half-typed by a timeout.
  std::error_code command(proto::Body body, std::chrono::milliseconds pacing = {}) {
    std::shared_ptr<Channel> ch;
    std::uint32_t id = 0;
    std::uint64_t child = 0;
    {
      std::lock_guard lock(mutex);
      if (!channel || status.pid == 0 || status.console != LinkState::up) {
        return std::make_error_code(std::errc::not_connected);
      }
      ch = channel;
      child = child_number;
      id = ++next_id;
      if (id == 0) id = ++next_id;
      acks[id] = std::nullopt;
    }
    auto forget = [&] {
      std::lock_guard lock(mutex);
      acks.erase(id);
    };
    const auto packet = proto::encode({id, std::move(body)});
    if (auto ec = send_packet(ch->fd, packet)) {
      forget();
      return ec == std::errc::timed_out ? ec : std::make_error_code(std::errc::not_connected);
    }
    std::unique_lock lock(mutex);
    const bool answered = cv.wait_for(lock, options.command_timeout + pacing, [&] {
      return acks[id].has_value() || child_number != child || stopping;
    });
    const std::optional<int> result = acks[id];
    acks.erase(id);
    if (result) {
      const int e = *result;
      if (e == 0) return {};
      if (e < 0 || e > 4095) return std::make_error_code(std::errc::protocol_error);
      return {e, std::generic_category()};
    }
    if (!answered) return std::make_error_code(std::errc::timed_out);
    return std::make_error_code(std::errc::not_connected);  // the companion went away
  }

  // Sends a message that needs no answer to the current companion, if any.
  void tell(const proto::Message& m) {
    std::shared_ptr<Channel> ch;
    {
      std::lock_guard lock(mutex);
      ch = channel;
    }
    if (!ch) return;
    auto packet = proto::encode(m);
    send_packet(ch->fd, packet);
    OPENSSL_cleanse(packet.data(), packet.size());  // it may hold keys
  }

  void send_keys(const session::SessionKeys& k) {
    proto::Keys body;
    body.session_key = k.session_key.text();
    body.enc_key = k.enc_key.text();
    body.features = static_cast<std::uint8_t>((k.features.encrypt_key ? 1 : 0) |
                                              (k.features.encrypt_vmkey ? 2 : 0) |
                                              (k.features.encrypt_cmd ? 4 : 0));
    body.rc_port = k.rc_port;
    body.generation = k.generation;
    proto::Message m{0, std::move(body)};
    tell(m);
    auto& sent = std::get<proto::Keys>(m.body);
    OPENSSL_cleanse(sent.session_key.data(), sent.session_key.size());
    OPENSSL_cleanse(sent.enc_key.data(), sent.enc_key.size());
  }

  void log(int priority, const std::string& text) {
    if (options.log) options.log(priority, text);
  }

  // ---- supervisor thread ----
  void supervise() {
    milliseconds delay = options.restart_initial;
    while (!is_stopping()) {
      const auto started = Clock::now();
      run_child();
      if (is_stopping()) break;
      if (Clock::now() - started >= kStableChild) delay = options.restart_initial;
      log(LOG_INFO, "ilofs-rc: restarting in " + std::to_string(delay.count()) + " ms");
      wait_wake(delay);
      delay = std::min(delay * 2, options.restart_max);
    }
  }

  bool is_stopping() {
    std::lock_guard lock(mutex);
    return stopping;
  }

  // Waits up to `d`, or until stop() wakes us.
  void wait_wake(milliseconds d) {
    pollfd p{wake_fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::max<milliseconds::rep>(d.count(), 0)));
  }

  // Starts one companion and serves it until it ends (or we stop it).
  void run_child() {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
      log(LOG_ERR, std::string("ilofs-rc: socketpair failed: ") + std::strerror(errno));
      return;
    }
    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      ::close(pair[0]);
      ::close(pair[1]);
      log(LOG_ERR, std::string("ilofs-rc: pipe failed: ") + std::strerror(errno));
      return;
    }
    // Out of the way of the targets 2 and 3 of dup2 (both stay close-on-exec here).
    const int child_sock = ::fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
    const int child_err = ::fcntl(err_pipe[1], F_DUPFD_CLOEXEC, 10);
    ::close(pair[1]);
    ::close(err_pipe[1]);
    auto ch = std::make_shared<Channel>(pair[0]);
    const int err_read = err_pipe[0];
    if (child_sock < 0 || child_err < 0) {
      log(LOG_ERR, std::string("ilofs-rc: out of descriptors: ") + std::strerror(errno));
      if (child_sock >= 0) ::close(child_sock);
      if (child_err >= 0) ::close(child_err);
      ::close(err_read);
      return;
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, child_err, 2);
    posix_spawn_file_actions_adddup2(&actions, child_sock, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<std::string> args = {options.program, "--fd", "3"};
    if (options.debug) args.emplace_back("--debug");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string locale = "LC_ALL=C";
    char* envp[] = {locale.data(), nullptr};  // nothing of ours, certainly no secret
    pid_t pid = 0;
    const int spawn_error =
        ::posix_spawn(&pid, options.program.c_str(), &actions, &attr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(child_sock);
    ::close(child_err);
    if (spawn_error != 0) {
      ::close(err_read);
      const std::string text =
          "cannot start " + options.program + ": " + std::strerror(spawn_error);
      {
        std::lock_guard lock(mutex);
        status.console_error = text;
      }
      log(LOG_ERR, "ilofs-rc: " + text);
      return;
    }
    {
      std::lock_guard lock(mutex);
      if (spawned) ++status.restarts;
      spawned = true;
      channel = ch;
      status.pid = pid;
      ++child_number;
      child_counters = {};
      status.console = status.command = LinkState::connecting;
    }
    log(LOG_INFO, "ilofs-rc: started (pid " + std::to_string(pid) + ")");

    bool reconnecting = false;
    {
      std::lock_guard lock(mutex);
      reconnecting = had_console;
    }
    nlohmann::json config = {
        {"host", options.host},
        // A companion after one that had the console takes it back as a reconnect does (a
        // sharer shares again).
        {"busy", busy_name(reconnecting && options.busy != net::BusyPolicy::share
                               ? net::BusyPolicy::seize
                               : options.busy)},
        {"connect_timeout_ms", options.policy.connect_timeout.count()},
        {"handshake_timeout_ms", options.policy.handshake_timeout.count()},
        {"backoff_initial_ms", options.policy.backoff_initial.count()},
        {"backoff_max_ms", options.policy.backoff_max.count()},
        {"stable_after_ms", options.policy.stable_after.count()},
        {"typing_interval_ms", options.typing_interval.count()},
        {"jitter", options.policy.jitter},
    };
    tell({0, proto::Configure{config.dump()}});
    if (options.layout) {
      proto::Layout layout{options.layout->name(), {}};
      for (const auto& [c, strokes] : options.layout->entries()) {
        layout.entries.push_back({c, strokes});
      }
      tell({0, std::move(layout)});
    }
    if (!options.vnc_address.empty()) {
      proto::Message m{0, proto::Vnc{options.vnc_address, options.vnc_port, vnc_password}};
      tell(m);
      auto& sent = std::get<proto::Vnc>(m.body).password;
      if (!sent.empty()) OPENSSL_cleanse(sent.data(), sent.size());
    }
    if (auto k = keys->keys()) send_keys(*k);

    serve(*ch, err_read, pid);

    // The companion is gone (or going): no more commands to it.
    {
      std::lock_guard lock(mutex);
      channel.reset();
      ++child_number;
      fold_counters();
      status.vnc_viewers.clear();
      status.console = status.command = LinkState::down;
      status.pid = 0;
      cv.notify_all();
    }
    reap(pid);
    drain_stderr(err_read);
    ::close(err_read);
  }

  // Reads the companion's messages and stderr until its socket closes or we stop.
  void serve(Channel& ch, int err_read, pid_t pid) {
    std::vector<std::uint8_t> packet;
    bool closing = false;
    Clock::time_point close_deadline{};
    for (;;) {
      pollfd fds[3] = {{ch.fd, POLLIN, 0}, {err_read, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      const int n = ::poll(fds, closing ? 2 : 3, closing ? 50 : 1000);
      if (n < 0 && errno != EINTR) return;
      if (!closing && (fds[2].revents & POLLIN) != 0 && is_stopping()) {
        // Ask for a clean close (the console too), then give it `grace`.
        closing = true;
        {
          std::lock_guard lock(mutex);
          close_deadline = Clock::now() + grace;
        }
        const auto bye = proto::encode({0, proto::Close{}});
        send_packet(ch.fd, bye, -1, milliseconds{100});
      }
      if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) read_stderr(err_read);
      if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        int fd = -1;
        bool eof = false;
        const auto ec = receive_packet(ch.fd, packet, proto::kMaxMessage, fd, eof);
        if (eof || (ec && ec != std::errc::message_size)) {
          if (fd >= 0) ::close(fd);
          return;
        }
        if (!ec) handle_packet(packet, fd);
        else if (fd >= 0) ::close(fd);
      }
      if (closing && Clock::now() >= close_deadline) {
        ::kill(pid, SIGKILL);
        return;
      }
    }
  }

  void read_stderr(int fd) {
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    stderr_line.append(buf, std::size_t(n));
    std::size_t pos;
    while ((pos = stderr_line.find('\n')) != std::string::npos) {
      child_log(LOG_WARNING, stderr_line.substr(0, pos));
      stderr_line.erase(0, pos + 1);
    }
    if (stderr_line.size() > kMaxText) {
      child_log(LOG_WARNING, stderr_line);
      stderr_line.clear();
    }
  }
  // A line the companion wrote (message or stderr): cleaned, and at most kLogBurst a second,
  // so a companion gone wrong cannot flood the mount's log. Supervisor thread only.
  void child_log(int priority, std::string_view text) {
    const auto now = Clock::now();
    if (now - log_window >= milliseconds{1000}) {
      if (log_dropped > 0) {
        log(LOG_WARNING, "ilofs-rc: " + std::to_string(log_dropped) + " log lines dropped");
      }
      log_window = now;
      log_count = log_dropped = 0;
    }
    if (++log_count > kLogBurst) {
      ++log_dropped;
      return;
    }
    log(priority, "ilofs-rc: " + clean_text(text));
  }

  void drain_stderr(int fd) {
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < 16; ++i) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0 || (p.revents & POLLIN) == 0) break;
      read_stderr(fd);
    }
    if (!stderr_line.empty()) child_log(LOG_WARNING, stderr_line);
    stderr_line.clear();
  }

  void reap(pid_t pid) {
    int st = 0;
    const auto end = Clock::now() + milliseconds{2000};
    for (;;) {
      const pid_t r = ::waitpid(pid, &st, WNOHANG);
      if (r == pid || (r < 0 && errno != EINTR)) break;
      if (Clock::now() >= end) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
        break;
      }
      std::this_thread::sleep_for(milliseconds{10});
    }
    const std::string how = exit_text(st);
    {
      std::lock_guard lock(mutex);
      if (!stopping) status.console_error = "companion " + how;
    }
    log(stopping_now() ? LOG_INFO : LOG_WARNING,
        "ilofs-rc: pid " + std::to_string(pid) + " " + how);
  }
  bool stopping_now() { return is_stopping(); }

  void handle_packet(std::span<const std::uint8_t> packet, int fd) {
    auto m = proto::parse(packet);
    if (!m) {
      if (fd >= 0) ::close(fd);
      log(LOG_WARNING, "ilofs-rc: malformed message ignored");
      return;
    }
    if (std::holds_alternative<proto::Frame>(m->body)) {
      std::error_code ec;
      auto reader = std::make_shared<SharedFrameReader>(SharedFrameReader::open(fd, ec));
      if (ec) {
        log(LOG_WARNING, "ilofs-rc: its frame memory was refused: " + ec.message());
        return;
      }
      std::lock_guard lock(mutex);
      if (current.reader) {
        previous = current;
        current.base = previous.base + previous.reader->sequence() + 2;
      }
      current.reader = std::move(reader);
      return;
    }
    if (fd >= 0) ::close(fd);
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, proto::Status>) {
            on_status(body.json);
          } else if constexpr (std::is_same_v<T, proto::Ack>) {
            std::lock_guard lock(mutex);
            const auto it = acks.find(m->id);
            if (it != acks.end()) {
              it->second = body.error;
              cv.notify_all();
            }
          } else if constexpr (std::is_same_v<T, proto::StaleKeys>) {
            log(LOG_NOTICE, "ilofs-rc: console refused the keys of login " +
                                std::to_string(body.generation) + "; renewing");
            keys->renew(body.generation);
          } else if constexpr (std::is_same_v<T, proto::Log>) {
            const int priority = std::min<int>(body.priority, LOG_DEBUG);
            if (priority < LOG_DEBUG || options.debug) {
              child_log(priority, body.text);
            }
          } else {
            log(LOG_WARNING, "ilofs-rc: unexpected message ignored");
          }
        },
        m->body);
  }

  void on_status(const std::string& text) {
    // A flat object is all we read: anything nested is dropped while parsing, so a hostile
    // companion cannot make us build (or recursively destroy) a deep tree.
    // (The VNC viewers are the one nested value: "vnc": {"viewers": [{"address": ...}]}, whose
    // fields are at depth 4.)
    const nlohmann::json::parser_callback_t flat = [](int depth, nlohmann::json::parse_event_t,
                                                      nlohmann::json&) { return depth <= 4; };
    const auto j = nlohmann::json::parse(text, flat, false);
    if (!j.is_object()) return;
    std::lock_guard lock(mutex);
    if (get_link(j, "console") == LinkState::up) had_console = true;
    const auto power = j.find("power");
    status.power_on = power != j.end() && power->is_boolean()
                          ? std::optional<bool>(power->get<bool>())
                          : std::nullopt;
    status.width = get_dimension(j, "width", rc::Framebuffer::kMaxWidth);
    status.height = get_dimension(j, "height", rc::Framebuffer::kMaxHeight);
    status.console = get_link(j, "console");
    status.command = get_link(j, "command");
    status.console_error = get_text(j, "console_error");
    status.command_error = get_text(j, "command_error");
    child_counters.frames = get_u64(j, "frames");
    child_counters.bytes = get_u64(j, "bytes");
    child_counters.pings = get_u64(j, "pings");
    child_counters.reconnects = get_u64(j, "reconnects");
    child_counters.command_reconnects = get_u64(j, "command_reconnects");
    child_counters.decode_errors = get_u64(j, "decode_errors");
    child_counters.inputs_sent = get_u64(j, "inputs_sent");
    child_counters.inputs_dropped = get_u64(j, "inputs_dropped");
    apply_counters();
    status.vnc_viewers.clear();
    const auto vnc = j.find("vnc");
    if (vnc != j.end() && vnc->is_object()) {
      status.vnc_error = get_text(*vnc, "error");
      const auto viewers = vnc->find("viewers");
      if (viewers != vnc->end() && viewers->is_array()) {
        for (const auto& v : *viewers) {
          if (!v.is_object() || status.vnc_viewers.size() >= kMaxViewers) continue;
          const auto since = v.find("since");
          status.vnc_viewers.push_back(
              {get_text(v, "address"),
               since != v.end() && since->is_number_integer() ? since->get<std::int64_t>() : 0});
        }
      }
    }
  }

  // Under `mutex`.
  void apply_counters() {
    status.frames = totals.frames + child_counters.frames;
    status.bytes_received = totals.bytes + child_counters.bytes;
    status.pings = totals.pings + child_counters.pings;
    status.reconnects = totals.reconnects + child_counters.reconnects;
    status.command_reconnects = totals.command_reconnects + child_counters.command_reconnects;
    status.decode_errors = totals.decode_errors + child_counters.decode_errors;
    status.inputs_sent = totals.inputs_sent + child_counters.inputs_sent;
    status.inputs_dropped = totals.inputs_dropped + child_counters.inputs_dropped;
  }
  void fold_counters() {
    totals.frames += child_counters.frames;
    totals.bytes += child_counters.bytes;
    totals.pings += child_counters.pings;
    totals.reconnects += child_counters.reconnects;
    totals.command_reconnects += child_counters.command_reconnects;
    totals.decode_errors += child_counters.decode_errors;
    totals.inputs_sent += child_counters.inputs_sent;
    totals.inputs_dropped += child_counters.inputs_dropped;
    child_counters = {};
    apply_counters();
  }

  // The reader to copy from: the newest companion's once it published, else the one before.
  Mapped pick() const {
    std::lock_guard lock(mutex);
    if (current.reader && (current.reader->sequence() > 0 || !previous.reader)) return current;
    return previous;
  }

  std::string vnc_password;  // taken out of the options (wiped at the end)
  const CompanionOptions options;
  const std::shared_ptr<KeySource> keys;
  std::shared_ptr<void> subscription;
  int wake_fd = -1;               // eventfd: stop() wakes the supervisor
  milliseconds grace{3000};       // under `mutex`: set by stop() before waking
  std::thread supervisor;         // start()/stop() callers only
  std::string stderr_line;        // supervisor only
  bool spawned = false;           // supervisor only: a companion was started before
  Clock::time_point log_window{};  // supervisor only: child_log's rate limit
  unsigned log_count = 0, log_dropped = 0;

  // Lock order: `mutex` is a leaf (no other lock, no callback, no send while held).
  mutable std::mutex mutex;
  std::condition_variable cv;     // acks, child changes, stopping
  bool stopping = false;
  std::shared_ptr<Channel> channel;  // the current companion's socket (null when none)
  std::uint64_t child_number = 0;    // changes when a companion starts or ends
  std::map<std::uint32_t, std::optional<int>> acks;  // waiting commands by id
  std::uint32_t next_id = 0;
  CompanionStatus status;
  bool had_console = false;  // some companion had the console up (restarts then seize)
  Counters totals, child_counters;
  Mapped current, previous;
};

Companion::Companion(CompanionOptions options, std::shared_ptr<KeySource> keys)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(keys))) {
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Companion::~Companion() {
  stop();
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
}

void Companion::start() {
  if (impl_->supervisor.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
  }
  std::uint64_t drain = 0;
  [[maybe_unused]] auto r = ::read(impl_->wake_fd, &drain, sizeof drain);
  Impl* impl = impl_.get();
  impl_->subscription = impl_->keys->subscribe([impl](const session::SessionKeys& k) {
    impl->send_keys(k);
  });
  impl_->supervisor = std::thread([impl] { impl->supervise(); });
}

void Companion::stop(std::chrono::milliseconds grace) {
  if (!impl_->supervisor.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->grace = grace;
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(impl_->wake_fd, &one, sizeof one);
  impl_->supervisor.join();
  impl_->subscription.reset();
}

CompanionStatus Companion::status() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->status;
}

bool Companion::snapshot(FrameSnapshot& out) const {
  const Mapped m = impl_->pick();
  if (!m.reader || !m.reader->snapshot(out)) return false;
  out.sequence += m.base;
  return true;
}

std::uint64_t Companion::frame_sequence() const {
  const Mapped m = impl_->pick();
  if (!m.reader) return 0;
  const std::uint64_t seq = m.reader->sequence();
  return seq == 0 ? 0 : seq + m.base;
}

std::error_code Companion::power(rc::PowerAction action) {
  return impl_->command(proto::Power{static_cast<std::uint16_t>(action)});
}

std::error_code Companion::keys(std::span<const rc::KeyboardReport> reports) {
  while (!reports.empty()) {
    const std::size_t n = std::min(reports.size(), proto::kMaxReports);
    proto::Keyboard k;
    k.reports.assign(reports.begin(), reports.begin() + static_cast<std::ptrdiff_t>(n));
    const auto pacing = impl_->options.typing_interval * static_cast<std::int64_t>(n);
    if (auto ec = impl_->command(std::move(k), pacing)) return ec;
    reports = reports.subspan(n);
  }
  return {};
}

std::error_code Companion::pointer(std::span<const rc::PointerAction> actions) {
  while (!actions.empty()) {
    const std::size_t n = std::min(actions.size(), proto::kMaxReports);
    proto::Pointer p;
    for (std::size_t i = 0; i < n; ++i) {
      p.moves.push_back({actions[i].x, actions[i].y, actions[i].buttons});
    }
    if (auto ec = impl_->command(std::move(p))) return ec;
    actions = actions.subspan(n);
  }
  return {};
}

std::error_code Companion::refresh() { return impl_->command(proto::Refresh{}); }

}  // namespace ilo::rcd
