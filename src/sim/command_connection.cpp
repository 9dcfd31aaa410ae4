// The simulator's command connection: record schedule, seize/share questions, 4-byte answers
// (see command_connection.hpp).
#include "sim/command_connection.hpp"

#include <algorithm>

#include "rc/handshake_codes.hpp"

namespace ilo::sim {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

CommandConnection::CommandConnection(std::shared_ptr<ConsoleHub> hub,
                                     std::shared_ptr<ConnectionIo> io,
                                     rc::ServerHandshake handshake, WebSession session,
                                     std::vector<std::uint8_t> early_input)
    : hub_(std::move(hub)),
      io_(std::move(io)),
      handshake_(std::move(handshake)),
      session_(std::move(session)),
      early_input_(std::move(early_input)),
      tick_timer_(io_->executor()) {}

void CommandConnection::start() {
  io_->set_on_close([weak = weak_from_this()](CloseReason why) {
    if (auto self = weak.lock()) self->on_closed(why);
  });
  // 'R': the command connection never negotiates busy (docs/rc-handshake.md#command-connection).
  io_->send(handshake_.respond(rc::to_byte(rc::HandshakeByte::ok)).send);
  ++hub_->counters.command_sessions;
  started_ = true;
  const auto now = Clock::now();
  unit_ = std::chrono::milliseconds(std::clamp(hub_->ctx.config.frame_interval_ms, 1, 100));
  next_power_ = now + 10 * unit_;
  type16_at_ = now + 12 * unit_;
  hub_->arbiter.add_command(shared_from_this());
  auto self = shared_from_this();
  asio::co_spawn(io_->executor(), [self] { return self->schedule_loop(); }, asio::detached);
  asio::co_spawn(io_->executor(), [self] { return self->read_answers(); }, asio::detached);
}

void CommandConnection::close(CloseReason why) { io_->close(why); }

void CommandConnection::shut_down() { io_->close_after_flush(); }

void CommandConnection::on_closed(CloseReason why) {
  hub_->counters.count_close(why);
  tick_timer_.cancel();
  hub_->arbiter.command_closed(*this);
}

void CommandConnection::send_record(const rc::RawCommandRecord& record) {
  io_->send(rc::encode_command_record(record));
}

void CommandConnection::send_power() {
  const Host& machine = *hub_->ctx.host;
  power_generation_ = machine.power_generation();
  send_record(rc::to_raw_command_record(rc::HostPower{machine.powered() ? std::uint8_t{1}
                                                                         : std::uint8_t{0}}));
  ++stats_.power;
  power_sent_ = true;
  const auto now = Clock::now();
  next_power_ = now + 50 * unit_;
  next_health_ = now + 10 * unit_;
}

void CommandConnection::on_tick() {
  if (io_->closing()) return;
  const auto now = Clock::now();
  const bool changed =
      power_sent_ && hub_->ctx.host->power_generation() != power_generation_;
  if (changed || now >= next_power_) send_power();
  if (!type16_sent_ && now >= type16_at_) {
    // Type 16 with 8 zero bytes, once after connect, as captured (meaning unknown).
    rc::RawCommandRecord r;
    r.type = static_cast<std::uint32_t>(rc::CommandRecordType::unknown_16);
    r.payload.assign(8, 0);
    send_record(r);
    type16_sent_ = true;
    ++stats_.type16;
  }
  if (next_health_ && now >= *next_health_) {
    send_record(rc::to_raw_command_record(rc::HealthStatus{0}));  // 0 = green
    next_health_.reset();
    ++stats_.health;
  }
}

asio::awaitable<void> CommandConnection::schedule_loop() {
  while (!io_->closing()) {
    tick_timer_.expires_after(unit_);
    co_await tick_timer_.async_wait(kAsTuple);
    if (io_->closing()) break;
    on_tick();
  }
}

void CommandConnection::ask(TakeoverKind kind, const Requester& who, std::uint8_t countdown_s) {
  if (kind == TakeoverKind::seize) {
    ++stats_.seize_requests;
    send_record(rc::to_raw_command_record(rc::SeizeRequest{who.user, who.address, countdown_s}));
  } else {
    ++stats_.share_requests;
    send_record(rc::to_raw_command_record(rc::ShareRequest{who.user, who.address}));
  }
}

asio::awaitable<void> CommandConnection::read_answers() {
  if (!early_input_.empty()) {
    const std::vector<std::uint8_t> early = std::move(early_input_);
    early_input_.clear();
    on_input(early);
  }
  while (io_->is_open()) {
    const std::size_t n = co_await io_->read_some(read_buffer_);
    if (n == 0) break;
    if (io_->closing()) continue;
    on_input(std::span<const std::uint8_t>(read_buffer_.data(), n));
  }
}

// The client sends only 04 00 00 00 / 03 00 00 00 (docs/command-session.md#answers).
void CommandConnection::on_input(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty() && !io_->closing()) {
    const std::size_t n = std::min(bytes.size(), answer_.size() - answer_have_);
    std::copy_n(bytes.begin(), n, answer_.begin() + static_cast<std::ptrdiff_t>(answer_have_));
    answer_have_ += n;
    bytes = bytes.subspan(n);
    if (answer_have_ < answer_.size()) return;
    answer_have_ = 0;
    const auto answer = rc::parse_seize_answer(answer_);
    if (!answer) {
      ++hub_->counters.protocol_errors;
      close(CloseReason::protocol);
      return;
    }
    ++(*answer == rc::SeizeAnswer::allow ? stats_.allow : stats_.deny);
    hub_->arbiter.answer(*this, *answer);
  }
}

nlohmann::json CommandConnection::state() const {
  nlohmann::json j;
  j["kind"] = "command";
  j["peer"] = io_->peer();
  j["user"] = session_.user;
  j["phase"] = io_->is_open() ? (io_->closing() ? "closing" : "records") : "closed";
  j["bytes_in"] = io_->bytes_in();
  j["bytes_out"] = io_->bytes_out();
  j["queued_bytes"] = io_->queued_bytes();
  j["records"] = {{"power", stats_.power},
                  {"health", stats_.health},
                  {"type16", stats_.type16},
                  {"seize_requests", stats_.seize_requests},
                  {"share_requests", stats_.share_requests}};
  j["answers"] = {{"allow", stats_.allow}, {"deny", stats_.deny}};
  j["close_reason"] = sim::to_string(io_->close_reason());
  return j;
}

}  // namespace ilo::sim
