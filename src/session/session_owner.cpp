// The session owner (see session_owner.hpp). One worker thread owns the http::WebClient and
// runs queued jobs (the first login, renewals, logout) and, between them, the keep-alive check.
// Callers only queue work or read what the worker published under mutex_; login() and logout()
// wait for their job. Log lines and error texts name the host, user and fingerprint, never a
// password or key. Lock order: mutex_ only; handlers are called without it.
#include "session/session_owner.hpp"

#include <syslog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

#include "http/web_client.hpp"
#include "ribcl/ribcl_error.hpp"
#include "ribcl/ribcl_reply.hpp"

namespace ilo::session {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The simulator's (and, presumably, the iLO's) answer to a login during the lock-out.
constexpr std::string_view kLoginDelay = "JS_ERR_LOGIN_DELAY";
// When login_delay cannot be read, wait this long (the simulator's lock-out); when it reads 0
// the lock-out has just ended. A little is added to every wait, so the clocks need not agree.
constexpr seconds kDefaultLockout{10};
constexpr seconds kEndedLockout{1};
constexpr seconds kMaxLockout{3600};
constexpr milliseconds kLockoutMargin{250};
// After a failed login that was not a lock-out, the next automatic one waits 1 s, doubling to 60 s.
constexpr seconds kRetryFirst{1};
constexpr seconds kRetryMax{60};
// Debian's bundle of the system's trust anchors: "no pin, no CA file" means these.
constexpr const char* kSystemCaFile = "/etc/ssl/certs/ca-certificates.crt";

struct Outcome {
  std::error_code error;
  std::string text;   // one line for the user
  seconds delay{0};   // locked_out: how long logins stay refused
};

http::WebClient::Options web_options(const SessionOwnerOptions& o) {
  http::WebClient::Options w;
  const bool v6 = o.host.find(':') != std::string::npos;
  w.base_url = "https://" + (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.https_port);
  if (o.tls.insecure) {
    w.insecure = true;
  } else if (!o.tls.pin_sha256.empty()) {
    w.pin_sha256 = o.tls.pin_sha256;
  } else {
    w.ca_file = o.tls.ca_file.empty() ? kSystemCaFile : o.tls.ca_file;
  }
  w.legacy = o.tls.legacy;
  w.connect_timeout = o.connect_timeout;
  w.total_timeout = o.request_timeout;
  return w;
}

}  // namespace

struct SessionOwner::Impl {
  explicit Impl(SessionOwnerOptions o)
      : options(std::move(o)),
        password(options.password),
        web(web_options(options)),
        worker([this] { run(); }) {}

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      jobs.emplace_back([this] { do_logout(); });
      stopping = true;
    }
    cv.notify_all();
    worker.join();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // ---- Called by other threads ----

  // Queues `job` and waits for it; `stopped` if the worker is ending.
  std::error_code call(std::function<std::error_code(std::string&)> job, std::string& text) {
    auto done = std::make_shared<std::promise<std::pair<std::error_code, std::string>>>();
    auto result = done->get_future();
    {
      std::lock_guard lock(mutex);
      if (stopping) {
        text = "the iLO session of " + where() + " is shutting down";
        return SessionError::stopped;
      }
      jobs.emplace_back([job = std::move(job), done] {
        std::string t;
        const auto ec = job(t);
        done->set_value({ec, std::move(t)});
      });
    }
    cv.notify_all();
    try {
      auto [ec, t] = result.get();
      text = std::move(t);
      return ec;
    } catch (const std::future_error&) {  // the job was dropped unrun
      text = "the iLO session of " + where() + " is shutting down";
      return SessionError::stopped;
    }
  }

  void renew(std::uint64_t stale_generation) {
    {
      std::lock_guard lock(mutex);
      if (stopping || stale_generation < generation || renewal_pending || login_running) return;
      if (credentials_refused) return;  // only login() tries the password again
      renewal_pending = true;
      ++status.renewals;
      jobs.emplace_back([this] {
        std::string text;
        (void)login_now(text, true);
        std::lock_guard l(mutex);
        renewal_pending = false;
      });
    }
    cv.notify_all();
  }

  // ---- Worker thread ----

  void run() {
    std::unique_lock lock(mutex);
    Clock::time_point next_check = Clock::now() + options.keepalive_interval;
    Clock::time_point next_password_check{};
    const bool checks = options.keepalive_interval.count() > 0;
    for (;;) {
      if (!jobs.empty()) {
        auto job = std::move(jobs.front());
        jobs.pop_front();
        lock.unlock();
        job();
        lock.lock();
        next_check = Clock::now() + options.keepalive_interval;
        continue;
      }
      if (stopping) break;
      const bool rechecks = credentials_refused && options.reread_password;
      if (rechecks && Clock::now() >= next_password_check) {
        lock.unlock();
        recheck_password();
        lock.lock();
        next_password_check = Clock::now() + options.password_recheck;
        continue;
      }
      if (checks && keys && Clock::now() >= next_check) {
        lock.unlock();
        keepalive();
        lock.lock();
        next_check = Clock::now() + options.keepalive_interval;
        continue;
      }
      if (checks && keys && rechecks) {
        cv.wait_until(lock, std::min(next_check, next_password_check));
      } else if (checks && keys) {
        cv.wait_until(lock, next_check);
      } else if (rechecks) {
        cv.wait_until(lock, next_password_check);
      } else {
        cv.wait(lock);
      }
    }
  }

  // Sleeps until `t` unless the owner is stopping; false if it is.
  bool sleep_until(Clock::time_point t) {
    std::unique_lock lock(mutex);
    return !cv.wait_until(lock, t, [this] { return stopping; });
  }

  // Logs in (login_session, then rc_info) and publishes the keys. A renewal waits out a lock-out
  // or the pause after a failure first, and keeps waiting out lock-outs until it gets in; the
  // first login reports a lock-out at once (without a request while one is known to last).
  std::error_code login_now(std::string& text, bool renewal) {
    {
      std::lock_guard lock(mutex);
      if (stopping) {
        text = "the iLO session of " + where() + " is shutting down";
        return SessionError::stopped;
      }
      const auto now = Clock::now();
      if (!renewal && locked_until > now) {
        const auto left = std::chrono::ceil<seconds>(locked_until - now);
        text = locked_text(left);
        status.last_error = SessionError::locked_out;
        status.last_error_text = text;
        return SessionError::locked_out;
      }
      login_running = true;
      status.state = SessionOwnerStatus::State::connecting;
    }
    struct Running {  // clears login_running however this returns
      Impl& impl;
      ~Running() {
        std::lock_guard lock(impl.mutex);
        impl.login_running = false;
      }
    } running{*this};

    // A renewal replaces the login: end the old web session first if the iLO still has it
    // (best effort), so renewals do not pile up sessions on the iLO.
    if (renewal && web.session_key()) (void)web.logout();
    for (;;) {
      if (renewal) {
        Clock::time_point wait_for;
        {
          std::lock_guard lock(mutex);
          wait_for = std::max(locked_until, retry_after);
        }
        if (wait_for > Clock::now() && !sleep_until(wait_for)) {
          text = "the iLO session of " + where() + " is shutting down";
          return SessionError::stopped;
        }
      }
      Outcome o = attempt_login();
      if (!o.error) {
        std::lock_guard lock(mutex);
        failures = 0;
        retry_after = {};
        credentials_refused = false;
        return {};
      }
      text = o.text;
      const auto now = Clock::now();
      {
        std::lock_guard lock(mutex);
        status.last_error = o.error;
        status.last_error_text = o.text;
        // A renewal replaces keys the iLO no longer takes: without a new login, it is down.
        status.state = keys && !renewal ? SessionOwnerStatus::State::up
                                        : SessionOwnerStatus::State::down;
        if (o.error == SessionError::locked_out) {
          locked_until = now + o.delay + kLockoutMargin;
        } else {
          const auto pause = std::min<seconds>(kRetryFirst * (1LL << std::min(failures, 6u)), kRetryMax);
          ++failures;
          retry_after = now + pause;
          if (o.error == SessionError::wrong_credentials && renewal) credentials_refused = true;
        }
      }
      log(LOG_ERR, o.text);
      if (o.error == SessionError::wrong_credentials && renewal)
        log(LOG_ERR, "no more logins to " + where() +
                         " with this password (a directory account would lock); " +
                         (options.reread_password ? "waiting for the password file to change"
                                                  : "mount again with the right password"));
      if (!(renewal && o.error == SessionError::locked_out)) return o.error;
      // A renewal waits the lock-out out and tries once more (the loop's sleep_until).
    }
  }

  Outcome attempt_login() {
    auto reply = web.login(options.user, password.view());
    const std::string fingerprint = web.peer_fingerprint();
    {
      std::lock_guard lock(mutex);
      if (!fingerprint.empty()) status.peer_fingerprint = fingerprint;
    }
    if (options.tls.insecure && !fingerprint.empty()) {
      log(LOG_WARNING, "the certificate of " + where() +
                           " is not checked (insecure); it has fingerprint " + fingerprint +
                           "; to pin it use -o fingerprint=" + fingerprint);
    }
    if (!reply) return failed(reply.failure(), true);
    auto info = web.rc_info();
    if (!info) return failed(info.failure(), false);
    SessionKeys fresh{reply->session_key, info->enc_key, info->optional_features, info->rc_port,
                      info->vm_port, 0};
    publish(std::move(fresh));
    return {};
  }

  // One user-facing line for a WebClient failure.
  Outcome failed(const rest::Failure& f, bool login_call) {
    using http::HttpError;
    const std::error_code code = f.code;
    if (code == HttpError::connect_failed || code == HttpError::timeout)
      return {SessionError::unreachable, "cannot reach " + where() + ": " + f.detail, {}};
    if (code == HttpError::fingerprint_mismatch) {
      const std::string seen = web.peer_fingerprint();
      return {SessionError::tls_mismatch,
              "certificate fingerprint " + seen + " does not match the pinned one; to trust it use " +
                  "-o fingerprint=" + seen,
              {}};
    }
    if (code == HttpError::tls_failed) {
      // The usual cause on an iLO: its self-signed certificate. Name what was seen, so the
      // user can check it and pin it.
      const std::string seen = web.peer_fingerprint();
      std::string text = "TLS with " + where() + " failed: " + f.detail;
      if (!seen.empty() && options.tls.pin_sha256.empty()) {
        text += "; the certificate's fingerprint is " + seen +
                ": if it is your iLO's, pin it with -o fingerprint=" + seen;
      }
      return {SessionError::tls_failed, text, {}};
    }
    if (login_call && code == HttpError::login_refused) {
      if (web.last_ilo_message() == kLoginDelay) {
        const seconds delay = lockout_delay();
        return {SessionError::locked_out, locked_text(delay), delay};
      }
      return {SessionError::wrong_credentials,
              where() + " refused the login of user " + options.user +
                  ": wrong user name or password",
              {}};
    }
    return {SessionError::protocol, "unexpected answer from " + where() + ": " + f.detail, {}};
  }

  // One RIBCL exchange (see SessionOwner::ribcl). Runs on the worker: the web client is its.
  std::error_code ribcl_now(const ribcl::Command& command, std::string& reply, std::string& text) {
    {
      std::lock_guard lock(mutex);
      const auto now = Clock::now();
      if (locked_until > now) {
        text = locked_text(std::chrono::ceil<seconds>(locked_until - now));
        return SessionError::locked_out;
      }
    }
    auto body = ribcl::build_request(options.user, password.view(), command);
    if (!body) {
      text = "cannot send RIBCL " + command.tag + " to " + where() + ": " + body.detail();
      return body.error();
    }
    auto answer = web.ribcl(body.value());
    OPENSSL_cleanse(body->data(), body->size());  // it holds the password
    if (!answer) {
      text = failed(answer.failure(), false).text;
      const std::error_code code = answer.error();
      if (code == http::HttpError::connect_failed || code == http::HttpError::timeout)
        return SessionError::unreachable;
      if (code == http::HttpError::fingerprint_mismatch) return SessionError::tls_mismatch;
      if (code == http::HttpError::tls_failed) return SessionError::tls_failed;
      return SessionError::protocol;
    }
    auto checked = ribcl::check_reply(answer.value());
    if (!checked) {
      if (checked.error() == ribcl::RibclError::login_failed) {
        text = where() + " refused the RIBCL login of user " + options.user +
               ": wrong user name or password (" + checked.detail() + ")";
        return SessionError::wrong_credentials;
      }
      text = "RIBCL " + command.tag + " on " + where() + " failed: " + checked.detail();
      return checked.error();
    }
    reply = std::move(answer.value());
    return {};
  }

  // login_delay of GET /json/login_session, bounded; kDefaultLockout if it cannot be read.
  seconds lockout_delay() {
    auto delay = web.login_delay();
    if (!delay) return kDefaultLockout;
    if (delay.value() <= 0) return kEndedLockout;
    return std::min(seconds{delay.value()}, kMaxLockout);
  }

  std::string locked_text(seconds left) const {
    return where() + " refuses logins for " + std::to_string(left.count()) +
           " s after repeated failed logins; no login is tried before then";
  }

  void publish(SessionKeys fresh) {
    std::vector<std::shared_ptr<KeysHandler>> handlers;
    std::uint64_t number = 0;
    {
      std::lock_guard lock(mutex);
      fresh.generation = number = ++generation;
      keys = fresh;
      status.state = SessionOwnerStatus::State::up;
      ++status.logins;
      for (const auto& weak : subscribers)
        if (auto h = weak.lock()) handlers.push_back(std::move(h));
    }
    log(LOG_INFO, "logged in to " + where() + " as " + options.user + " (login " +
                      std::to_string(number) + ")");
    for (const auto& h : handlers) {
      try {
        (*h)(fresh);
      } catch (...) {  // a subscriber must not take the worker down
        log(LOG_ERR, "a subscriber failed to take the new keys of " + where());
      }
    }
  }

  // The password was refused: read its source again; a different one is tried at once.
  void recheck_password() {
    Secret fresh;
    if (!options.reread_password(fresh) || fresh.view().empty() || fresh.view() == password.view())
      return;
    password = std::move(fresh);
    {
      std::lock_guard lock(mutex);
      credentials_refused = false;
      retry_after = {};
      renewal_pending = true;
    }
    log(LOG_NOTICE, "the password for " + where() + " was changed: logging in again");
    std::string text;
    (void)login_now(text, true);
    std::lock_guard lock(mutex);
    renewal_pending = false;
  }

  // session_info on the live login; a lost session is renewed at once.
  void keepalive() {
    {
      std::lock_guard lock(mutex);
      if (credentials_refused || renewal_pending) return;
    }
    auto info = web.session_info();
    if (info) return;
    const std::error_code code = info.error();
    if (code == http::HttpError::session_lost || code == http::HttpError::not_logged_in) {
      log(LOG_NOTICE, "the web session on " + where() + " was lost; logging in again");
      {
        std::lock_guard lock(mutex);
        ++status.renewals;
      }
      std::string text;
      (void)login_now(text, true);
      return;
    }
    log(LOG_WARNING, "session check on " + where() + " failed: " + info.detail());
  }

  void do_logout() {
    if (web.session_key()) {
      auto r = web.logout();
      if (r) log(LOG_INFO, "logged out of " + where());
    }
    std::lock_guard lock(mutex);
    keys.reset();
    status.state = SessionOwnerStatus::State::down;
  }

  std::string where() const { return options.host + ":" + std::to_string(options.https_port); }

  void log(int priority, const std::string& text) const {
    if (options.log) options.log(priority, text);
  }

  const SessionOwnerOptions options;
  Secret password;      // options.password, or a newer one from reread_password (worker only)
  http::WebClient web;  // the worker's alone once it runs

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  bool renewal_pending = false;  // a renewal is queued or running
  bool login_running = false;    // login_now() is running (first login or renewal)
  bool credentials_refused = false;  // a renewal's password was refused: only login() retries
  std::optional<SessionKeys> keys;
  std::uint64_t generation = 0;  // of the last successful login
  SessionOwnerStatus status;
  Clock::time_point locked_until{};  // the iLO's lock-out: no login request before this
  Clock::time_point retry_after{};   // pause after a failed login (renewals only)
  unsigned failures = 0;             // consecutive failed logins
  std::vector<std::weak_ptr<KeysHandler>> subscribers;

  std::thread worker;  // last: starts once everything above exists
};

SessionOwner::SessionOwner(SessionOwnerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

SessionOwner::~SessionOwner() = default;

std::error_code SessionOwner::login(std::string& error) {
  Impl& m = *impl_;
  return m.call([&m](std::string& text) { return m.login_now(text, false); }, error);
}

std::optional<SessionKeys> SessionOwner::keys() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->keys;
}

void SessionOwner::renew(std::uint64_t stale_generation) { impl_->renew(stale_generation); }

std::shared_ptr<void> SessionOwner::subscribe(KeysHandler handler) {
  auto holder = std::make_shared<KeysHandler>(std::move(handler));
  std::lock_guard lock(impl_->mutex);
  auto& subs = impl_->subscribers;
  std::erase_if(subs, [](const std::weak_ptr<KeysHandler>& w) { return w.expired(); });
  subs.push_back(holder);
  return holder;
}

SessionOwnerStatus SessionOwner::status() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->status;
}

std::error_code SessionOwner::ribcl(const ribcl::Command& command, std::string& reply,
                                    std::string& error) {
  Impl& m = *impl_;
  std::string answer;
  const auto ec = m.call(
      [&m, &command, &answer](std::string& text) { return m.ribcl_now(command, answer, text); },
      error);
  if (!ec) reply = std::move(answer);
  return ec;
}

void SessionOwner::logout() {
  Impl& m = *impl_;
  std::string ignored;
  (void)m.call(
      [&m](std::string&) {
        m.do_logout();
        return std::error_code{};
      },
      ignored);
}

}  // namespace ilo::session
