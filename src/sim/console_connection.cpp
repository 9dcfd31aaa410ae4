// The simulator's console connection: busy dialogue, video stream, input (see
// console_connection.hpp).
#include "sim/console_connection.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "rc/handshake_codes.hpp"

namespace ilo::sim {
namespace {

using Clock = std::chrono::steady_clock;
using rc::HandshakeByte;

std::chrono::milliseconds at_least_1ms(int ms) {
  return std::chrono::milliseconds(std::max(1, ms));
}

}  // namespace

const char* ConsoleConnection::to_string(Phase phase) noexcept {
  switch (phase) {
    case Phase::handshake: return "handshake";
    case Phase::busy: return "busy";
    case Phase::waiting: return "waiting-for-owner";
    case Phase::streaming: return "streaming";
    case Phase::replay: return "replay";
    case Phase::closing: return "closing";
    case Phase::closed: return "closed";
  }
  return "?";
}

ConsoleConnection::ConsoleConnection(std::shared_ptr<ConsoleHub> hub,
                                     std::shared_ptr<ConnectionIo> io,
                                     rc::ServerHandshake handshake, WebSession session,
                                     std::vector<std::uint8_t> early_input)
    : hub_(std::move(hub)),
      io_(std::move(io)),
      handshake_(std::move(handshake)),
      session_(std::move(session)),
      pending_input_(std::move(early_input)),
      decision_timer_(io_->executor()),
      tick_timer_(io_->executor()) {}

void ConsoleConnection::start() {
  io_->set_on_close([weak = weak_from_this()](CloseReason why) {
    if (auto self = weak.lock()) self->on_closed(why);
  });
  auto self = shared_from_this();
  asio::co_spawn(io_->executor(), [self] { return self->run(); }, asio::detached);
}

void ConsoleConnection::close(CloseReason why) { io_->close(why); }

void ConsoleConnection::on_closed(CloseReason why) {
  const Phase was = phase_;
  phase_ = Phase::closed;
  hub_->counters.count_close(why);
  if (why == CloseReason::peer &&
      (was == Phase::handshake || was == Phase::busy || was == Phase::waiting))
    ++hub_->counters.handshake_aborted;
  decision_timer_.cancel();
  tick_timer_.cancel();
  hub_->arbiter.console_closed(*this);
}

asio::awaitable<void> ConsoleConnection::run() {
  const bool granted = co_await negotiate();
  if (!granted || io_->closing()) co_return;
  if (!begin_stream()) co_return;
  auto self = shared_from_this();
  if (phase_ == Phase::replay)
    asio::co_spawn(io_->executor(), [self] { return self->replay_loop(); }, asio::detached);
  else
    asio::co_spawn(io_->executor(), [self] { return self->video_loop(); }, asio::detached);
  co_await read_input();
}

// Status byte and, for a held console, the busy dialogue. True when the client may have 'R'.
asio::awaitable<bool> ConsoleConnection::negotiate() {
  auto& counters = hub_->counters;
  auto& arbiter = hub_->arbiter;
  if (hub_->ctx.faults.no_licence()) {
    ++counters.no_licence;
    io_->send(handshake_.respond(rc::to_byte(HandshakeByte::no_licence)).send);
    io_->close_after_flush();
    co_return false;
  }
  arbiter.set_phantom_fault(hub_->ctx.faults.busy());
  if (!arbiter.busy()) {
    arbiter.grant(shared_from_this());
    co_return true;
  }

  ++counters.busy;
  phase_ = Phase::busy;
  io_->send(handshake_.respond(rc::to_byte(HandshakeByte::busy)).send);
  if (!co_await read_busy_answer()) co_return false;
  if (handshake_.status() != rc::ServerHandshakeStatus::seize_requested &&
      handshake_.status() != rc::ServerHandshakeStatus::share_requested) {
    ++counters.bad_busy_answers;  // anything but 55 00 / 56 00: close
    close(CloseReason::protocol);
    co_return false;
  }
  const TakeoverKind kind = handshake_.status() == rc::ServerHandshakeStatus::seize_requested
                                ? TakeoverKind::seize
                                : TakeoverKind::share;
  phase_ = Phase::waiting;
  const auto countdown =
      static_cast<std::uint8_t>(std::clamp(hub_->ctx.config.seize_countdown_s, 0, 255));
  const Verdict verdict = arbiter.request(
      shared_from_this(), kind, Requester{session_.user, io_->peer_address()}, countdown);
  bool allowed = verdict == Verdict::allow;
  if (verdict == Verdict::pending) {
    if (!decision_) {
      decision_timer_.expires_after(std::chrono::seconds(countdown));
      co_await decision_timer_.async_wait(kAsTuple);
      if (io_->closing()) co_return false;
      if (!decision_) arbiter.countdown_expired(*this);  // calls decide()
    }
    allowed = decision_.value_or(false);
  }
  if (io_->closing()) co_return false;
  if (!allowed) {
    ++counters.takeovers_refused;
    io_->send(handshake_.respond(rc::to_byte(HandshakeByte::denied)).send);
    io_->close_after_flush();
    co_return false;
  }
  co_return true;
}

// Reads the two bytes after 'S'. HP's client shows a dialog and waits for a person, so the
// answer may take as long as the configured busy timeout (not the handshake's 10 s).
asio::awaitable<bool> ConsoleConnection::read_busy_answer() {
  io_->arm_deadline(at_least_1ms(hub_->ctx.config.busy_timeout_ms));
  for (;;) {
    if (!pending_input_.empty()) {
      const auto r = handshake_.feed(pending_input_);
      pending_input_.erase(pending_input_.begin(),
                           pending_input_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      if (r.status != rc::ServerHandshakeStatus::need_more) break;
    }
    const std::size_t n = co_await io_->read_some(read_buffer_);
    if (n == 0) {
      if (io_->close_reason() == CloseReason::timeout) ++hub_->counters.handshake_timeouts;
      co_return false;
    }
    pending_input_.assign(read_buffer_.begin(),
                          read_buffer_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  io_->disarm_deadline();
  co_return true;
}

void ConsoleConnection::decide(bool allowed) {
  decision_ = allowed;
  decision_timer_.cancel();
}

// 'R', then the prologue in clear text, then everything else encrypted
// (docs/rc-video.md#stream-prologue).
bool ConsoleConnection::begin_stream() {
  const auto& config = hub_->ctx.config;
  std::vector<std::uint8_t> out = handshake_.respond(rc::to_byte(HandshakeByte::ok)).send;
  ++hub_->counters.console_sessions;
  rc::ServerTransportOptions options;
  options.cipher3 = config.cipher3_aes256_padded ? crypto::Cipher3Reading::ts_aes256_padded
                                                 : crypto::Cipher3Reading::java_aes128;
  std::error_code ec;
  if (hub_->replay) {
    // The recording's command 13 selects RC4: the client encrypts from its first byte.
    transport_.emplace(hub_->replay_key, options);
    const auto rc4 = to_byte(crypto::CipherId::rc4);
    if (const auto cipher_error = transport_->select_receive_cipher(rc4); cipher_error) {
      close(CloseReason::done);
      return false;
    }
    phase_ = Phase::replay;
    io_->send(std::move(out));
    return true;
  }

  const rc::StreamKey key = rc::stream_key_from_enc_key(session_.enc_key, ec);
  if (ec) {
    close(CloseReason::done);
    return false;
  }
  transport_.emplace(key, options);
  rc::EncoderSettings settings;  // bpc 5, licence 7, capabilities 9 (as the captured server)
  settings.cipher = to_byte(config.cipher);
  encoder_.emplace(settings);
  const std::size_t clear = encoder_->prologue();
  std::vector<std::uint8_t> head = encoder_->take();
  // Fails only when OpenSSL cannot provide the cipher.
  if (const auto cipher_error = transport_->select_cipher(to_byte(config.cipher)); cipher_error) {
    ++hub_->counters.encoder_errors;
    close(CloseReason::done);
    return false;
  }
  transport_->encrypt_outgoing(std::span(head).subspan(std::min(clear, head.size())));
  phase_ = Phase::streaming;
  next_ping_ = Clock::now() + at_least_1ms(config.ping_interval_ms);
  if (!encode_restart()) return false;
  std::vector<std::uint8_t> body = encoder_->take();
  transport_->encrypt_outgoing(body);
  stats_.video_bytes += head.size() + body.size();
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), body.begin(), body.end());
  io_->send(std::move(out));
  return true;
}

bool ConsoleConnection::encode_restart() {
  Host& machine = *hub_->ctx.host;
  power_generation_ = machine.power_generation();
  ++stats_.restarts;
  if (!machine.powered()) {
    encoder_->sync_preamble();
    encode_power_off();
    return true;
  }
  const rc::Framebuffer& fb = machine.screen();
  console_generation_ = machine.screen_generation();
  if (const auto encode_error = encoder_->restart(fb); encode_error) {
    encoder_failed();
    return false;
  }
  video_on_ = true;
  return true;
}

// Command 5 (power off, clears the client's screen), MODE 0x0 ("No Video"), 128, FRAME_END.
void ConsoleConnection::encode_power_off() {
  encoder_->power(false);
  (void)encoder_->set_mode(0, 0);  // 0x0 is always a valid size
  encoder_->end_burst();
  video_on_ = false;
}

void ConsoleConnection::encoder_failed() {
  ++hub_->counters.encoder_errors;
  close(CloseReason::done);
}

void ConsoleConnection::flush_video() {
  std::vector<std::uint8_t> bytes = encoder_->take();
  if (bytes.empty()) return;
  transport_->encrypt_outgoing(bytes);
  stats_.video_bytes += bytes.size();
  io_->send(std::move(bytes));
}

asio::awaitable<void> ConsoleConnection::video_loop() {
  const auto interval = at_least_1ms(hub_->ctx.config.frame_interval_ms);
  auto next = Clock::now();
  while (!io_->closing()) {
    next += interval;
    const auto now = Clock::now();
    if (next < now) next = now;  // fell behind (e.g. a long stall): do not catch up in a burst
    tick_timer_.expires_at(next);
    co_await tick_timer_.async_wait(kAsTuple);
    if (io_->closing()) break;
    on_tick();
  }
}

void ConsoleConnection::on_tick() {
  if (phase_ != Phase::streaming || io_->closing()) return;
  const auto& config = hub_->ctx.config;
  Host& machine = *hub_->ctx.host;
  const auto now = Clock::now();
  const auto frame_ends = encoder_->stats().frame_ends;
  bool open_burst = false;  // commands written that still need a FRAME_END

  if (config.ping_interval_ms > 0 && now >= next_ping_) {
    if (ping_outstanding_) ++stats_.pings_unanswered;
    encoder_->ping();
    ++stats_.pings_sent;
    ping_outstanding_ = true;
    open_burst = true;
    next_ping_ = now + at_least_1ms(config.ping_interval_ms);
  }
  if (machine.power_generation() != power_generation_) {
    power_generation_ = machine.power_generation();
    if (machine.powered()) {
      encoder_->power(true);  // then MODE and the full screen below (a reset: changes only)
      open_burst = true;
    } else {
      encode_power_off();
    }
  }
  if (machine.powered() && (!video_on_ || machine.screen_generation() != console_generation_)) {
    const rc::Framebuffer& fb = machine.screen();
    console_generation_ = machine.screen_generation();
    if (const auto encode_error = encoder_->update(fb); encode_error) {
      encoder_failed();
      return;
    }
    video_on_ = true;
    ++stats_.updates;
  }
  if (open_burst && encoder_->stats().frame_ends == frame_ends) encoder_->frame_end();
  flush_video();
}

asio::awaitable<void> ConsoleConnection::replay_loop() {
  const auto interval = at_least_1ms(hub_->ctx.config.frame_interval_ms);
  const std::vector<std::uint8_t>& data = hub_->replay_stream;
  const std::size_t chunk = std::max<std::size_t>(1, hub_->options.replay_chunk);
  std::size_t offset = 0;
  while (offset < data.size() && !io_->closing()) {
    const std::size_t n = std::min(chunk, data.size() - offset);
    const auto first = data.begin() + static_cast<std::ptrdiff_t>(offset);
    io_->send(std::vector<std::uint8_t>(first, first + static_cast<std::ptrdiff_t>(n)));
    stats_.video_bytes += n;
    offset += n;
    tick_timer_.expires_after(interval);
    co_await tick_timer_.async_wait(kAsTuple);
  }
  // Then idle: the recording ends with a complete frame; input is still read.
}

asio::awaitable<void> ConsoleConnection::read_input() {
  if (!pending_input_.empty()) {
    const std::vector<std::uint8_t> early = std::move(pending_input_);
    pending_input_.clear();
    on_input(early);
  }
  while (io_->is_open()) {
    const std::size_t n = co_await io_->read_some(read_buffer_);
    if (n == 0) break;
    if (io_->closing()) continue;  // seized or finishing: input no longer counts
    on_input(std::span<const std::uint8_t>(read_buffer_.data(), n));
  }
}

void ConsoleConnection::on_input(std::span<const std::uint8_t> bytes) {
  const rc::InputFeedResult r = transport_->feed(bytes);
  for (const auto& message : r.messages) {
    if (io_->closing()) return;
    on_message(message);
  }
  if (r.error) {  // an unknown message number: the rest of the stream cannot be framed
    ++hub_->counters.protocol_errors;
    close(CloseReason::protocol);
  }
}

void ConsoleConnection::on_message(const rc::InputMessage& message) {
  Host& machine = *hub_->ctx.host;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, rc::PowerMessage>) {
          ++stats_.power;
          machine.power(m.action, Clock::now());
        } else if constexpr (std::is_same_v<T, rc::KeyboardReport>) {
          ++stats_.keyboard;
          machine.keyboard(m.modifiers, m.keys);
        } else if constexpr (std::is_same_v<T, rc::PointerReport>) {
          ++stats_.pointer;
          machine.pointer(m.x, m.y, m.buttons);
        } else if constexpr (std::is_same_v<T, rc::RefreshMessage>) {
          ++stats_.refresh;
          if (phase_ == Phase::streaming && encode_restart()) flush_video();
        } else if constexpr (std::is_same_v<T, rc::AckMessage>) {
          ++stats_.ack;
          if (ping_outstanding_)
            ping_outstanding_ = false;
          else
            ++stats_.stray_acks;
        }
      },
      message);
}

void ConsoleConnection::seize() {
  if (phase_ == Phase::streaming && encoder_ && !io_->closing()) {
    encoder_->seized();  // command 10: the client shows "taken over", no auto-reconnect
    encoder_->frame_end();
    flush_video();
    ++hub_->counters.seized_notices;
  }
  if (phase_ != Phase::closed) phase_ = Phase::closing;
  io_->close_after_flush();
}

nlohmann::json ConsoleConnection::state() const {
  nlohmann::json j;
  j["kind"] = "console";
  j["peer"] = io_->peer();
  j["user"] = session_.user;
  j["phase"] = to_string(phase_);
  j["role"] = sim::to_string(hub_->arbiter.role_of(*this));
  j["replay"] = hub_->replay;
  if (transport_)
    j["cipher"] = transport_->send_cipher();
  else
    j["cipher"] = nullptr;
  j["bytes_in"] = io_->bytes_in();
  j["bytes_out"] = io_->bytes_out();
  j["queued_bytes"] = io_->queued_bytes();
  j["video_bytes"] = stats_.video_bytes;
  j["updates"] = stats_.updates;
  j["restarts"] = stats_.restarts;
  j["pings_sent"] = stats_.pings_sent;
  j["pings_unanswered"] = stats_.pings_unanswered;
  j["ping_outstanding"] = ping_outstanding_;
  j["stray_acks"] = stats_.stray_acks;
  j["input"] = {{"power", stats_.power},     {"keyboard", stats_.keyboard},
                {"pointer", stats_.pointer}, {"refresh", stats_.refresh},
                {"ack", stats_.ack}};
  j["close_reason"] = sim::to_string(io_->close_reason());
  return j;
}

}  // namespace ilo::sim
