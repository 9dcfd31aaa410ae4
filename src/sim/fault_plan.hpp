// Faults the simulator injects for tests (--fault SPEC), deterministic for a given --seed.
// A plan is parsed once; each connection asks it for a FaultInjector when it opens. The
// injector edits outgoing bytes (corrupt), or tells the connection to stop (drop) or pause
// (stall) at an exact byte offset. No I/O here: the connection classes act on the answers.
//
// Specs (CHANNEL is rc, cmd, vm (the CD-ROM) or usb (the floppy/USB-key drive); N counts
// server-to-client bytes on one connection, data-out included):
//   drop:CHANNEL:N            close the connection after N bytes
//   stall:CHANNEL:N:MS        send nothing for MS milliseconds after N bytes
//   corrupt:CHANNEL:N         XOR byte N with a seeded non-zero mask
//   garbage:CHANNEL:N[:K]     from byte N on, every byte sent is seeded random (a peer gone
//                             mad: the client must neither crash nor hang), on the first K
//                             connections that reach byte N (default 1); later ones are clean
//   garbage:web:N             from the web API's Nth reply on (0: the first; /sim/ excluded),
//                             every reply body is seeded random bytes of the same length
//   refuse-login              every login gets 403
//   busy                      the console is held by a phantom user: clients get 'S'; a seize
//                             succeeds (the phantom allows it)
//   no-licence                console clients get 'W'
// A connection fault applies to the first connection of its channel that reaches it; append
// ":always" to apply it to every connection.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ilo::sim {

enum class Channel : std::uint8_t { rc, cmd, vm, usb };

struct ConnectionFault {
  enum class Kind : std::uint8_t { drop, stall, corrupt, garbage } kind = Kind::drop;
  Channel channel = Channel::rc;
  std::uint64_t offset = 0;
  std::chrono::milliseconds stall{0};
  bool always = false;
  std::uint32_t connections = 1;  // garbage: how many connections it fires on (unless always)
};

class FaultInjector;

class FaultPlan {
 public:
  // Parses one --fault spec; on error returns false and sets `error` to a one-line reason.
  bool add(std::string_view spec, std::string& error);
  void set_seed(std::uint64_t seed) { seed_ = seed; }

  [[nodiscard]] bool refuse_login() const noexcept { return refuse_login_; }
  [[nodiscard]] bool busy() const noexcept { return busy_; }
  [[nodiscard]] bool no_licence() const noexcept { return no_licence_; }

  // garbage:web: counts one web API reply and, from the fault's reply on, replaces `body` with
  // seeded random bytes (true). Thread-safe: the HTTPS threads call it.
  bool garble_web_reply(std::string& body) noexcept;

  // The faults for a new connection on `channel`: every one-shot fault not fired yet (it is
  // used up when it fires, on whichever connection reaches its offset first) and every
  // :always fault. Not thread-safe: call from the servers' single network thread.
  FaultInjector open(Channel channel);

 private:
  std::vector<ConnectionFault> faults_;
  // Per fault: the connections it fired on. Shared with the injectors, which count them.
  std::shared_ptr<std::vector<std::uint32_t>> fired_ =
      std::make_shared<std::vector<std::uint32_t>>();
  std::uint64_t seed_ = 1;
  std::uint64_t connections_ = 0;
  bool refuse_login_ = false, busy_ = false, no_licence_ = false;
  std::atomic<std::int64_t> web_garbage_from_{-1};  // -1: none
  std::atomic<std::uint64_t> web_replies_{0};
};

class FaultInjector {
 public:
  FaultInjector() = default;

  struct Decision {
    std::size_t send = 0;  // bytes of the offered data to send now
    bool drop = false;     // then close the connection
    std::chrono::milliseconds stall{0};  // then wait this long before offering the rest
  };
  // Called with bytes about to be written at stream offset sent_so_far(); corrupts in place
  // and decides how much may go out. The caller then reports what it sent with sent().
  Decision before_send(std::span<std::uint8_t> data);
  void sent(std::size_t n) noexcept { offset_ += n; }
  [[nodiscard]] std::uint64_t sent_so_far() const noexcept { return offset_; }
  [[nodiscard]] bool empty() const noexcept { return faults_.empty(); }

 private:
  friend class FaultPlan;
  void fire(std::size_t i);
  [[nodiscard]] bool used_up(std::size_t i) const noexcept;  // fired on all it may elsewhere
  std::vector<ConnectionFault> faults_;
  std::vector<std::size_t> plan_index_;          // each fault's index in the plan
  std::shared_ptr<std::vector<std::uint32_t>> fired_;  // the plan's counts
  std::vector<bool> done_;                       // fired on this connection
  std::uint64_t offset_ = 0;
  std::uint64_t rng_ = 0;
};

}  // namespace ilo::sim
