// Who holds the simulated console (docs/rc-handshake.md#busy-seize-and-share): the owner, the
// viewers that share it, the phantom owner of the `busy` fault, and the one seize or share request
// being decided by the owner through its command connection
// (docs/command-session.md#seize-and-share-requests). It decides and tells the connections; it does
// no I/O itself and owns no connection (it keeps weak references).
//
// Policy (the real server's is partly unknown; these are this simulator's choices):
//  * A console client finding the console free becomes the owner.
//  * Seize: the owner's command connection (the newest one opened with the owner's session
//    key) gets record 6; answer 04 = allow, 03 = deny, no answer within the countdown = allow.
//    An owner without a command connection, or one whose command connection closes while
//    asked, allows at once; so does the phantom owner. Allowed: the old owner's console gets
//    video command 10 and closes, its command connections close, the seizer owns the console.
//  * Share: the same question with record 9; allow makes the sharer a viewer that receives the
//    same picture (its input drives the machine too, as on a shared iLO console); deny, or no
//    answer within the countdown, refuses. An owner without a command connection, and the
//    phantom, allow.
//  * One request at a time: a second request while one is being decided is denied.
//  * When the owner leaves, a pending request is allowed, then (if nobody owns the console)
//    the oldest viewer becomes the owner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rc/command_records.hpp"

namespace ilo::sim {

class ConsoleConnection;
class CommandConnection;

enum class TakeoverKind : std::uint8_t { seize, share };
enum class Verdict : std::uint8_t { allow, deny, pending };
enum class ConsoleRole : std::uint8_t { none, owner, viewer };

const char* to_string(ConsoleRole role) noexcept;

struct Requester {
  std::string user;     // the requester's login name (record payload bytes 0..63)
  std::string address;  // its network address (bytes 64..127)
};

class ConsoleArbiter {
 public:
  // The `busy` fault: while set, a phantom user holds the console until someone seizes it
  // (then it is gone for good).
  void set_phantom_fault(bool on) noexcept { phantom_fault_ = on; }
  // Someone (a client or the phantom) holds the console.
  [[nodiscard]] bool busy() const;
  [[nodiscard]] ConsoleRole role_of(const ConsoleConnection& c) const;

  // The console was free: `c` becomes the owner.
  void grant(const std::shared_ptr<ConsoleConnection>& c);
  // A busy client asked to seize or share. allow / deny are final (roles already updated);
  // pending means the owner was asked and requester->decide() will be called, possibly before
  // this returns.
  Verdict request(const std::shared_ptr<ConsoleConnection>& requester, TakeoverKind kind,
                  const Requester& who, std::uint8_t countdown_s);
  // The requester's countdown ran out before the owner answered.
  void countdown_expired(const ConsoleConnection& requester);
  // A 4-byte answer arrived on a command connection.
  void answer(const CommandConnection& from, rc::SeizeAnswer answer);

  void add_command(const std::shared_ptr<CommandConnection>& c);
  void console_closed(const ConsoleConnection& c);
  void command_closed(const CommandConnection& c);

  [[nodiscard]] nlohmann::json state() const;

 private:
  struct Pending {
    std::weak_ptr<ConsoleConnection> requester;
    std::weak_ptr<CommandConnection> asked;
    TakeoverKind kind = TakeoverKind::seize;
  };
  [[nodiscard]] bool phantom_holds() const;
  [[nodiscard]] std::shared_ptr<ConsoleConnection> owner() const { return owner_.lock(); }
  [[nodiscard]] std::shared_ptr<CommandConnection> command_of(const std::string& session_key) const;
  // Applies an allowed / denied request (role changes first, then the notifications).
  void apply(const std::shared_ptr<ConsoleConnection>& requester, TakeoverKind kind, bool allowed);
  void resolve(bool allowed);
  void prune();

  bool phantom_fault_ = false;
  bool phantom_gone_ = false;  // the phantom was seized
  std::weak_ptr<ConsoleConnection> owner_;
  std::vector<std::weak_ptr<ConsoleConnection>> viewers_;  // oldest first
  std::vector<std::weak_ptr<CommandConnection>> commands_;  // oldest first
  std::optional<Pending> pending_;

  struct Counters {
    std::uint64_t seize_allowed = 0, seize_denied = 0, share_allowed = 0, share_denied = 0;
    std::uint64_t asked = 0, answers = 0, stray_answers = 0, countdowns_expired = 0;
    std::uint64_t owners_seized = 0, promotions = 0;
  } counters_;
};

}  // namespace ilo::sim
