// Console ownership and seize/share decisions (see console_arbiter.hpp).
#include "sim/console_arbiter.hpp"

#include <algorithm>

#include "sim/command_connection.hpp"
#include "sim/console_connection.hpp"

namespace ilo::sim {

const char* to_string(ConsoleRole role) noexcept {
  switch (role) {
    case ConsoleRole::none: return "none";
    case ConsoleRole::owner: return "owner";
    case ConsoleRole::viewer: return "viewer";
  }
  return "?";
}

void ConsoleArbiter::prune() {
  std::erase_if(viewers_, [](const auto& w) { return w.expired(); });
  std::erase_if(commands_, [](const auto& w) { return w.expired(); });
}

bool ConsoleArbiter::phantom_holds() const {
  return phantom_fault_ && !phantom_gone_ && !owner();
}

bool ConsoleArbiter::busy() const { return phantom_holds() || owner() != nullptr; }

ConsoleRole ConsoleArbiter::role_of(const ConsoleConnection& c) const {
  if (owner().get() == &c) return ConsoleRole::owner;
  for (const auto& w : viewers_)
    if (w.lock().get() == &c) return ConsoleRole::viewer;
  return ConsoleRole::none;
}

void ConsoleArbiter::grant(const std::shared_ptr<ConsoleConnection>& c) { owner_ = c; }

std::shared_ptr<CommandConnection> ConsoleArbiter::command_of(
    const std::string& session_key) const {
  for (auto it = commands_.rbegin(); it != commands_.rend(); ++it) {
    auto c = it->lock();
    if (c && c->ready() && c->session_key() == session_key) return c;
  }
  return nullptr;
}

Verdict ConsoleArbiter::request(const std::shared_ptr<ConsoleConnection>& requester,
                                TakeoverKind kind, const Requester& who,
                                std::uint8_t countdown_s) {
  prune();
  if (pending_ && !pending_->requester.expired()) {
    apply(requester, kind, false);  // one decision at a time
    return Verdict::deny;
  }
  pending_.reset();
  const auto current = owner();
  if (!current) {
    // The phantom allows; a console nobody holds any more is simply taken.
    apply(requester, kind, true);
    return Verdict::allow;
  }
  const auto asked = command_of(current->session_key());
  if (!asked) {
    apply(requester, kind, true);  // nobody can be asked: allow
    return Verdict::allow;
  }
  pending_ = Pending{requester, asked, kind};
  ++counters_.asked;
  asked->ask(kind, who, countdown_s);  // may close it, which resolves the request at once
  return Verdict::pending;
}

void ConsoleArbiter::countdown_expired(const ConsoleConnection& requester) {
  if (!pending_ || pending_->requester.lock().get() != &requester) return;
  ++counters_.countdowns_expired;
  // Java's owner dialog allows a seize when its countdown ends; a share needs a yes.
  resolve(pending_->kind == TakeoverKind::seize);
}

void ConsoleArbiter::answer(const CommandConnection& from, rc::SeizeAnswer answer) {
  if (!pending_ || pending_->asked.lock().get() != &from) {
    ++counters_.stray_answers;
    return;
  }
  ++counters_.answers;
  resolve(answer == rc::SeizeAnswer::allow);
}

void ConsoleArbiter::resolve(bool allowed) {
  const Pending p = *pending_;
  pending_.reset();
  auto requester = p.requester.lock();
  if (!requester) return;
  apply(requester, p.kind, allowed);
  requester->decide(allowed);
}

void ConsoleArbiter::apply(const std::shared_ptr<ConsoleConnection>& requester,
                           TakeoverKind kind, bool allowed) {
  if (kind == TakeoverKind::share) {
    ++(allowed ? counters_.share_allowed : counters_.share_denied);
    if (allowed) viewers_.push_back(requester);
    return;
  }
  ++(allowed ? counters_.seize_allowed : counters_.seize_denied);
  if (!allowed) return;
  const auto old = owner();
  if (!old) phantom_gone_ = true;  // the phantom (if any) gave way
  owner_ = requester;
  if (!old) return;
  ++counters_.owners_seized;
  // Roles are settled; now tell the old owner and close its command connections.
  std::vector<std::shared_ptr<CommandConnection>> its_commands;
  for (const auto& w : commands_) {
    auto c = w.lock();
    if (c && c->session_key() == old->session_key()) its_commands.push_back(c);
  }
  old->seize();
  for (const auto& c : its_commands) c->shut_down();
}

void ConsoleArbiter::add_command(const std::shared_ptr<CommandConnection>& c) {
  prune();
  commands_.push_back(c);
}

void ConsoleArbiter::console_closed(const ConsoleConnection& c) {
  std::erase_if(viewers_, [&](const auto& w) {
    const auto v = w.lock();
    return !v || v.get() == &c;
  });
  if (pending_ && pending_->requester.lock().get() == &c) pending_.reset();
  if (owner().get() != &c) return;
  owner_.reset();
  // The asked owner is gone: nobody can object any more.
  if (pending_) resolve(true);
  if (!owner() && !viewers_.empty()) {  // the oldest viewer takes over
    owner_ = viewers_.front();
    viewers_.erase(viewers_.begin());
    ++counters_.promotions;
  }
}

void ConsoleArbiter::command_closed(const CommandConnection& c) {
  std::erase_if(commands_, [&](const auto& w) {
    const auto v = w.lock();
    return !v || v.get() == &c;
  });
  // The asked owner can no longer answer: as if it had no command connection.
  if (pending_ && pending_->asked.lock().get() == &c) resolve(true);
}

nlohmann::json ConsoleArbiter::state() const {
  nlohmann::json j;
  j["holder"] = owner() ? "client" : (phantom_holds() ? "phantom" : "none");
  std::size_t viewers = 0;
  for (const auto& w : viewers_) viewers += w.expired() ? 0 : 1;
  j["viewers"] = viewers;
  j["request_pending"] = pending_.has_value();
  j["seize_allowed"] = counters_.seize_allowed;
  j["seize_denied"] = counters_.seize_denied;
  j["share_allowed"] = counters_.share_allowed;
  j["share_denied"] = counters_.share_denied;
  j["owners_asked"] = counters_.asked;
  j["answers"] = counters_.answers;
  j["stray_answers"] = counters_.stray_answers;
  j["countdowns_expired"] = counters_.countdowns_expired;
  j["owners_seized"] = counters_.owners_seized;
  j["viewer_promotions"] = counters_.promotions;
  return j;
}

}  // namespace ilo::sim
