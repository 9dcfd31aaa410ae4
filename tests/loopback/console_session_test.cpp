// Loopback tests of the product's console client (net::ConsoleSession) over real TCP on
// 127.0.0.1. Tier 1: an in-test peer built from the server-side cores (handshake check, video
// encoder, server transport, command records) or replaying the captured iLO stream, so every
// byte the client sends can be checked. Tier 2: the real `ilo-sim` binary as a child process,
// driven over HTTPS like the product does (tests/support's SimProcess; meson sets ILO_SIM_EXE).
// Every wait is bounded; the whole file runs in well under a minute.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/web_client.hpp"
#include "sim_process.hpp"

#include "bytes/hex.hpp"
#include "net/console_session.hpp"
#include "vm/sha256.hpp"
#include "net/net_error.hpp"
#include "net/connection_policy.hpp"
#include "rc/client_transport.hpp"
#include "rc/command_records.hpp"
#include "rc/connect_request.hpp"
#include "rc/input_messages.hpp"
#include "rc/key_encoding.hpp"
#include "rc/rc_error.hpp"
#include "rc/server_transport.hpp"
#include "rc/video_decoder.hpp"
#include "rc/video_encoder.hpp"

namespace ilo {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using net::ConsolePhase;
using net::ConsoleSession;
using net::ConsoleSessionConfig;
using net::ConsoleStatus;
using net::NetError;
using net::PowerSource;
using rc::RcError;
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// The captured session's keys (tests/fixtures/README.md: test data of a dead lab session).
constexpr const char* kFixtureSessionKey = "3973f4196e5e77bff7c6dcc15ab97b92";
constexpr const char* kFixtureEncKey = "bbAcD834680DDca9DE65269512BDdEC2";
constexpr const char* kFixtureFeatures = "ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD";

std::vector<std::uint8_t> read_fixture(const std::string& name) {
  std::ifstream in(std::string(ILOFS_FIXTURES) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

net::ConsoleCredentials fixture_credentials() {
  return {kFixtureSessionKey, kFixtureEncKey, rc::parse_optional_features(kFixtureFeatures)};
}

// A VideoSink that keeps a copy of the framebuffer at every FRAME_END.
class FrameRecorder final : public rc::VideoSink {
 public:
  explicit FrameRecorder(rc::Framebuffer& fb) : fb_(fb) {}
  void on_video_event(const rc::VideoEvent& e) override {
    if (std::holds_alternative<rc::FrameEnd>(e)) {
      frames.emplace_back(fb_.pixels().begin(), fb_.pixels().end());
    }
  }
  std::vector<std::vector<std::uint8_t>> frames;

 private:
  rc::Framebuffer& fb_;
};

// The frames a decoder makes of clear stream bytes (the peer's own record of what it sent).
std::vector<std::vector<std::uint8_t>> decode_clear(const std::vector<std::uint8_t>& clear,
                                                    std::uint64_t* errors = nullptr) {
  rc::Framebuffer fb;
  FrameRecorder rec(fb);
  rc::VideoDecoder decoder(fb, rec);
  std::span<const std::uint8_t> rest(clear);
  while (!rest.empty()) {
    const auto r = decoder.feed(rest);
    if (r.consumed == 0) break;
    rest = rest.subspan(r.consumed);
  }
  if (errors != nullptr) *errors = decoder.stats().errors;
  return std::move(rec.frames);
}

// ----------------------------------------------------------------------------------------
// The in-test iLO peer (tier 1). It runs on its own io_context thread; writes are synchronous
// (small, on loopback, to a client that always reads), reads are coroutines.

struct PeerOptions {
  std::string session_key = kFixtureSessionKey;
  std::string enc_key = kFixtureEncKey;
  rc::OptionalFeatures features = rc::parse_optional_features(kFixtureFeatures);
  std::uint8_t cipher = 1;
  bool replay_fixture = false;  // send the captured stream instead of encoding one
  // Status byte per console connection (the last one repeats): 'R' grant, 'S' busy then R
  // after a seize word (Q after a share word), 'Q', 'W', 'X'.
  std::string console_status = "R";
  bool silent = false;  // never send the hello
  char command_status = 'R';
  // Close console connection number `drop_connection` after this many stream bytes (0: never).
  std::size_t drop_after = 0;
  int drop_connection = 0;
  bool answer_refresh = true;
  std::vector<std::uint8_t> command_stream;  // sent after the command connection's 'R'
  int width = 64, height = 32;
};

class FakeIlo {
 public:
  struct Console {
    tcp::socket socket;
    int index = 0;
    rc::VideoEncoder encoder;
    rc::ServerTransport transport;
    std::vector<std::uint8_t> clear;  // every stream byte sent, before encryption
    std::size_t sent = 0;
    bool closed = false;
    Console(tcp::socket s, int i, std::uint8_t cipher, const rc::StreamKey& key)
        : socket(std::move(s)), index(i), encoder(rc::EncoderSettings{.cipher = cipher}),
          transport(key) {}
  };
  struct Command {
    tcp::socket socket;
    bool closed = false;
    explicit Command(tcp::socket s) : socket(std::move(s)) {}
  };

  explicit FakeIlo(PeerOptions options = {})
      : options_(std::move(options)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    std::error_code ec;
    key_ = rc::stream_key_from_enc_key(options_.enc_key, ec);
    screen_.resize(options_.width, options_.height);
    paint_screen(0);
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeIlo() {
    run_on_peer([this] {
      std::error_code ignored;
      acceptor_.close(ignored);
      for (auto& c : consoles_) c->socket.close(ignored);
      for (auto& c : commands_) c->socket.close(ignored);
    });
    io_.stop();
    thread_.join();
  }

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Runs f on the peer's thread against the newest console connection and waits for it.
  void with_console(std::function<void(Console&)> f) {
    run_on_peer([this, f] {
      if (!consoles_.empty() && !consoles_.back()->closed) f(*consoles_.back());
    });
  }
  // Encodes with the newest console's encoder and sends the result.
  void video(std::function<void(rc::VideoEncoder&)> f) {
    with_console([this, f](Console& c) {
      f(c.encoder);
      send_video(c, c.encoder.take());
    });
  }
  void send_record(const rc::CommandRecord& record) {
    run_on_peer([this, record] {
      if (commands_.empty() || commands_.back()->closed) return;
      std::error_code ignored;
      asio::write(commands_.back()->socket, asio::buffer(rc::encode_command_record(record)),
                  ignored);
    });
  }
  // Changes the picture (a different pattern) and sends the changed blocks.
  void change_screen(int seed) {
    run_on_peer([this, seed] { paint_screen(seed); });
    video([this](rc::VideoEncoder& e) { (void)e.update(screen_); });
  }

  // Observations (thread-safe).
  int console_connections() const { return console_count_.load(); }
  int command_connections() const { return command_count_.load(); }
  int closed_by_client() const { return closed_count_.load(); }
  std::vector<rc::InputMessage> inputs() const {
    std::lock_guard lock(log_mutex_);
    return inputs_;
  }
  std::vector<std::vector<std::uint8_t>> busy_words() const {
    std::lock_guard lock(log_mutex_);
    return busy_words_;
  }
  std::vector<std::vector<std::uint8_t>> seize_answers() const {
    std::lock_guard lock(log_mutex_);
    return seize_answers_;
  }
  std::vector<std::vector<std::uint8_t>> requests() const {
    std::lock_guard lock(log_mutex_);
    return requests_;
  }
  std::vector<std::uint8_t> clear_stream(int index) {
    std::vector<std::uint8_t> out;
    run_on_peer([&] {
      if (index < static_cast<int>(consoles_.size())) out = consoles_[index]->clear;
    });
    return out;
  }

 private:
  void run_on_peer(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  void paint_screen(int seed) {
    for (int y = 0; y < screen_.height(); ++y) {
      for (int x = 0; x < screen_.width(); ++x) {
        auto* p = screen_.row(y) + std::size_t(x) * 3;
        p[0] = static_cast<std::uint8_t>(((x / 16 + seed) % 4) * 64);
        p[1] = static_cast<std::uint8_t>(((y / 8 + seed) % 2) * 200);
        p[2] = static_cast<std::uint8_t>((((x + y) / 4 + seed) % 3) * 96);
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<bool> read_exact(tcp::socket& s, std::span<std::uint8_t> out) {
    auto [ec, n] = co_await asio::async_read(s, asio::buffer(out.data(), out.size()), use_nothrow);
    co_return !ec && n == out.size();
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    std::error_code ignored;
    if (options_.silent) {  // never says hello; waits until the client gives up
      ++console_count_;
      std::array<std::uint8_t, 64> sink{};
      co_await socket.async_read_some(asio::buffer(sink), use_nothrow);
      ++closed_count_;
      co_return;
    }
    asio::write(socket, asio::buffer("P", 1), ignored);
    std::array<std::uint8_t, rc::kConnectRequestSize> request{};
    if (!co_await read_exact(socket, request)) co_return;
    {
      std::lock_guard lock(log_mutex_);
      requests_.emplace_back(request.begin(), request.end());
    }
    std::error_code ec;
    const auto parsed = rc::parse_connect_request(request, ec);
    const bool valid = parsed && !rc::validate_connect_request(*parsed, options_.session_key,
                                                               options_.enc_key, options_.features);
    if (!valid) {
      if (parsed && parsed->type == rc::ConnectionType::console) ++console_count_;
      asio::write(socket, asio::buffer("Q", 1), ignored);
      co_return;
    }
    if (parsed->type == rc::ConnectionType::command) {
      co_await serve_command(std::move(socket));
    } else {
      co_await serve_console(std::move(socket));
    }
  }

  asio::awaitable<void> serve_command(tcp::socket socket) {
    ++command_count_;
    std::error_code ignored;
    const char status = options_.command_status;
    asio::write(socket, asio::buffer(&status, 1), ignored);
    if (status != 'R') co_return;
    auto c = std::make_shared<Command>(std::move(socket));
    commands_.push_back(c);
    if (!options_.command_stream.empty()) {
      asio::write(c->socket, asio::buffer(options_.command_stream), ignored);
    }
    std::array<std::uint8_t, 4> answer{};
    while (co_await read_exact(c->socket, answer)) {
      std::lock_guard lock(log_mutex_);
      seize_answers_.emplace_back(answer.begin(), answer.end());
    }
    c->closed = true;
    ++closed_count_;
  }

  asio::awaitable<void> serve_console(tcp::socket socket) {
    const int index = console_count_++;
    std::error_code ignored;
    const char status = options_.console_status.empty()
                            ? 'R'
                            : options_.console_status[std::min<std::size_t>(
                                  std::size_t(index), options_.console_status.size() - 1)];
    asio::write(socket, asio::buffer(&status, 1), ignored);
    if (status == 'S') {
      std::array<std::uint8_t, 2> word{};
      if (!co_await read_exact(socket, word)) co_return;
      {
        std::lock_guard lock(log_mutex_);
        busy_words_.emplace_back(word.begin(), word.end());
      }
      const char reply = word[0] == 0x55 ? 'R' : 'Q';
      asio::write(socket, asio::buffer(&reply, 1), ignored);
      if (reply != 'R') co_return;
    } else if (status != 'R') {
      co_return;
    }

    auto c = std::make_shared<Console>(std::move(socket), index, options_.cipher, key_);
    consoles_.push_back(c);
    if (options_.replay_fixture) {
      const auto capture = read_fixture("rc-server.bin");
      std::vector<std::uint8_t> stream(capture.begin() + 2, capture.end());  // after P R
      c->transport.select_cipher(1);  // client input comes after command 13 (RC4)
      send_raw(*c, stream);
    } else {
      const std::size_t clear_bytes = c->encoder.prologue();
      auto head = c->encoder.take();
      send_video(*c, head, clear_bytes);
      (void)c->encoder.restart(screen_);
      send_video(*c, c->encoder.take());
    }
    std::array<std::uint8_t, 1024> buffer{};
    while (!c->closed) {
      auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(buffer), use_nothrow);
      if (ec) break;
      auto parsed = c->transport.feed(std::span<const std::uint8_t>(buffer.data(), n));
      for (const auto& m : parsed.messages) {
        {
          std::lock_guard lock(log_mutex_);
          inputs_.push_back(m);
        }
        if (std::holds_alternative<rc::RefreshMessage>(m) && options_.answer_refresh &&
            !options_.replay_fixture) {
          (void)c->encoder.restart(screen_);
          send_video(*c, c->encoder.take());
        }
      }
      if (parsed.error) break;
    }
    c->closed = true;
    c->socket.close(ignored);
    ++closed_count_;
  }

  // Sends encoder output: bytes before `clear_bytes` in clear, then the cipher is switched on
  // (the first call only), then everything encrypted.
  void send_video(Console& c, std::vector<std::uint8_t> bytes,
                  std::size_t clear_bytes = std::size_t(-1)) {
    c.clear.insert(c.clear.end(), bytes.begin(), bytes.end());
    if (clear_bytes != std::size_t(-1)) {
      c.transport.select_cipher(options_.cipher);
      c.transport.encrypt_outgoing(std::span(bytes).subspan(clear_bytes));
    } else {
      c.transport.encrypt_outgoing(bytes);
    }
    send_raw(c, bytes);
  }
  void send_raw(Console& c, std::span<const std::uint8_t> bytes) {
    if (c.closed) return;
    std::error_code ec;
    if (options_.drop_after > 0 && c.index == options_.drop_connection &&
        c.sent + bytes.size() >= options_.drop_after) {
      asio::write(c.socket, asio::buffer(bytes.data(), options_.drop_after - c.sent), ec);
      c.closed = true;
      c.socket.close(ec);
      return;
    }
    asio::write(c.socket, asio::buffer(bytes.data(), bytes.size()), ec);
    c.sent += bytes.size();
  }

  PeerOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  rc::StreamKey key_{};
  rc::Framebuffer screen_;
  std::vector<std::shared_ptr<Console>> consoles_;  // peer thread only
  std::vector<std::shared_ptr<Command>> commands_;  // peer thread only
  std::atomic<int> console_count_{0}, command_count_{0}, closed_count_{0};
  mutable std::mutex log_mutex_;
  std::vector<rc::InputMessage> inputs_;
  std::vector<std::vector<std::uint8_t>> busy_words_, seize_answers_, requests_;
};

// ----------------------------------------------------------------------------------------
// The client side: a session on its own io_context thread and an observer that records.

class RecordingObserver final : public net::ConsoleObserver {
 public:
  explicit RecordingObserver(rc::Framebuffer& fb) : fb_(fb) {}

  void on_status(const ConsoleStatus& s) override {
    check_alive();
    std::lock_guard lock(m_);
    phases_.push_back(s.phase);
  }
  void on_screen_mode(const rc::ScreenMode&) override { check_alive(); }
  void on_frame(std::uint64_t frame) override {
    check_alive();
    std::lock_guard lock(m_);
    frames_ = frame;
    last_frame_.assign(fb_.pixels().begin(), fb_.pixels().end());
    width_ = fb_.width();
    height_ = fb_.height();
  }
  void on_power(bool on, PowerSource source) override {
    check_alive();
    std::lock_guard lock(m_);
    powers_.emplace_back(on, source);
  }
  void on_seize_request(const rc::SeizeRequest& r, rc::SeizeAnswer answer) override {
    check_alive();
    std::lock_guard lock(m_);
    seize_requests_.emplace_back(r.user, answer);
  }
  void on_share_request(const rc::ShareRequest&) override {
    check_alive();
    ++share_requests_;
  }
  void on_seized() override {
    check_alive();
    ++seized_;
  }
  void on_stopped(std::error_code reason) override {
    check_alive();
    std::lock_guard lock(m_);
    stop_reasons_.push_back(reason);
  }

  std::uint64_t frames() const {
    std::lock_guard lock(m_);
    return frames_;
  }
  std::vector<std::uint8_t> last_frame() const {
    std::lock_guard lock(m_);
    return last_frame_;
  }
  std::pair<int, int> size() const {
    std::lock_guard lock(m_);
    return {width_, height_};
  }
  std::vector<std::pair<bool, PowerSource>> powers() const {
    std::lock_guard lock(m_);
    return powers_;
  }
  std::vector<ConsolePhase> phases() const {
    std::lock_guard lock(m_);
    return phases_;
  }
  std::vector<std::error_code> stop_reasons() const {
    std::lock_guard lock(m_);
    return stop_reasons_;
  }
  std::vector<std::pair<std::string, rc::SeizeAnswer>> seize_requests() const {
    std::lock_guard lock(m_);
    return seize_requests_;
  }
  int seized() const { return seized_.load(); }
  int share_requests() const { return share_requests_.load(); }
  void mark_detached() { detached_ = true; }
  bool called_after_detach() const { return late_call_.load(); }

 private:
  void check_alive() {
    if (detached_) late_call_ = true;
  }
  rc::Framebuffer& fb_;
  mutable std::mutex m_;
  std::uint64_t frames_ = 0;
  std::vector<std::uint8_t> last_frame_;
  int width_ = 0, height_ = 0;
  std::vector<std::pair<bool, PowerSource>> powers_;
  std::vector<ConsolePhase> phases_;
  std::vector<std::error_code> stop_reasons_;
  std::vector<std::pair<std::string, rc::SeizeAnswer>> seize_requests_;
  std::atomic<int> seized_{0}, share_requests_{0};
  std::atomic<bool> detached_{false}, late_call_{false};
};

class Client {
 public:
  explicit Client(ConsoleSessionConfig config)
      : observer_(fb_), guard_(asio::make_work_guard(io_)) {
    session_ = std::make_unique<ConsoleSession>(io_.get_executor(), std::move(config), fb_,
                                                observer_);
    thread_ = std::thread([this] { io_.run(); });
    session_->start();
  }
  ~Client() { shutdown(); }

  // Destroys the session, then lets the io_context run out of work. True if it did so within
  // the limit (every socket closed, every coroutine finished).
  bool shutdown(std::chrono::milliseconds limit = 3000ms) {
    if (!thread_.joinable()) return true;
    session_.reset();
    observer_.mark_detached();
    guard_.reset();
    auto finished = std::async(std::launch::async, [this] { thread_.join(); });
    if (finished.wait_for(limit) != std::future_status::ready) {
      io_.stop();
      finished.wait();
      return false;
    }
    return true;
  }

  ConsoleSession& session() { return *session_; }
  ConsoleStatus status() const { return session_->status(); }
  RecordingObserver& observer() { return observer_; }

 private:
  rc::Framebuffer fb_;
  RecordingObserver observer_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<ConsoleSession> session_;
  std::thread thread_;
};

// A peer whose console is in use by someone else (status 'S').
PeerOptions busy_console() {
  PeerOptions po;
  po.console_status = "S";
  return po;
}

ConsoleSessionConfig config_for(std::uint16_t port) {
  ConsoleSessionConfig c;
  c.host = "127.0.0.1";
  c.rc_port = port;
  c.credentials = fixture_credentials();
  c.policy.backoff_initial = 50ms;
  c.policy.backoff_max = 400ms;
  c.policy.jitter = 0;  // the tests count attempts against exact waits
  c.policy.handshake_timeout = 2000ms;
  c.seize_timeout = 2000ms;
  c.typing_interval = 1ms;
  return c;
}

bool stopped_with(const Client& c, std::error_code reason) {
  const auto s = c.status();
  return s.phase == ConsolePhase::stopped && s.stop_reason == reason;
}

std::vector<rc::InputMessage> without_control(const std::vector<rc::InputMessage>& in) {
  std::vector<rc::InputMessage> out;
  for (const auto& m : in) {
    if (!std::holds_alternative<rc::AckMessage>(m)) out.push_back(m);
  }
  return out;
}

// ----------------------------------------------------------------------------------------
// Pure pieces.

TEST(ReconnectBackoff, DoublesToTheCapAndResets) {
  net::ConnectionPolicy policy;
  policy.backoff_initial = 500ms;
  policy.backoff_max = 10'000ms;
  policy.jitter = 0;
  net::Backoff b(policy);
  const std::chrono::milliseconds expected[] = {500ms, 1000ms, 2000ms, 4000ms, 8000ms,
                                                10'000ms, 10'000ms};
  for (auto e : expected) EXPECT_EQ(b.next(), e);
  EXPECT_EQ(b.failures(), 7u);
  b.reset();
  EXPECT_EQ(b.next(), 500ms);
}

TEST(NetError, MessagesCarryNoKeyMaterial) {
  for (int e = 1; e <= static_cast<int>(NetError::internal); ++e) {
    const auto text = net::make_error_code(static_cast<NetError>(e)).message();
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.find(kFixtureSessionKey), std::string::npos);
  }
}

// ----------------------------------------------------------------------------------------
// Tier 1: against the in-test peer.

// The captured iLO console and command streams, replayed after a real handshake check: the
// client sends exactly the captured connect requests, and its framebuffer at the capture's
// last frame equals what the offline decode path (ilo-decode's) makes of the same bytes.
TEST(ConsoleSessionPeer, ReplayedCaptureDecodesLikeTheOfflinePath) {
  const auto capture = read_fixture("rc-server.bin");
  const auto command_capture = read_fixture("cmd-server.bin");
  ASSERT_GT(capture.size(), 1000u);
  ASSERT_GT(command_capture.size(), 2u);

  // Offline reference: the stream after P R through transport + decoder, fed whole.
  rc::Framebuffer ref_fb;
  FrameRecorder ref(ref_fb);
  rc::VideoDecoder ref_decoder(ref_fb, ref);
  std::error_code ec;
  rc::ClientTransport ref_transport(rc::stream_key_from_enc_key(kFixtureEncKey, ec), ref_decoder);
  ASSERT_FALSE(ref_transport.feed(std::span(capture).subspan(2)));
  ASSERT_FALSE(ref.frames.empty());

  PeerOptions po;
  po.replay_fixture = true;
  po.command_stream.assign(command_capture.begin() + 2, command_capture.end());
  FakeIlo peer(po);
  Client client(config_for(peer.port()));

  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= ref.frames.size(); }));
  EXPECT_EQ(client.observer().frames(), ref.frames.size());
  EXPECT_EQ(client.observer().size(), (std::pair<int, int>{1360, 768}));
  EXPECT_TRUE(client.observer().last_frame() == ref.frames.back());

  ASSERT_TRUE(wait_until([&] { return client.status().command_records >= 3; }));
  const auto requests = peer.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0], read_fixture("rc-client.bin"));
  EXPECT_EQ(requests[1], read_fixture("cmd-client.bin"));
  const auto status = client.status();
  EXPECT_TRUE(status.connected);
  EXPECT_TRUE(status.command_connected);
  EXPECT_EQ(status.cipher, 1);
  EXPECT_EQ(status.power_on, std::optional<bool>(true));
  EXPECT_EQ(status.health, std::optional<std::uint8_t>(0));
  EXPECT_EQ(status.bytes_received, capture.size());
  EXPECT_EQ(status.connects, 1u);
  EXPECT_EQ(status.reconnects, 0u);
  EXPECT_EQ(status.decode_errors, ref_decoder.stats().errors);
  const auto powers = client.observer().powers();
  EXPECT_NE(std::find(powers.begin(), powers.end(),
                      std::pair<bool, PowerSource>{true, PowerSource::command_record}),
            powers.end());

  // Destroying the session closes both connections and ends all its work.
  EXPECT_TRUE(client.shutdown());
  EXPECT_TRUE(wait_until([&] { return peer.closed_by_client() == 2; }));
  EXPECT_FALSE(client.observer().called_after_detach());
}

// Every cipher: the picture arrives intact, a ping is answered with ACK, and input reaches
// the server decrypted in call order (power, keyboard, typed text, pointer, refresh).
class ConsoleSessionCipher : public ::testing::TestWithParam<std::uint8_t> {};

TEST_P(ConsoleSessionCipher, PictureInputAndPing) {
  PeerOptions po;
  po.cipher = GetParam();
  FakeIlo peer(po);
  Client client(config_for(peer.port()));
  // Frame 1 is the prologue's FRAME_END (before any MODE); frame 2 the first full screen.
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 2; }));
  EXPECT_EQ(client.status().cipher, GetParam());
  EXPECT_EQ(client.observer().size(), (std::pair<int, int>{64, 32}));

  peer.video([](rc::VideoEncoder& e) {
    e.ping();
    e.frame_end();
  });
  ASSERT_TRUE(wait_until([&] {
    const auto in = peer.inputs();
    return !in.empty() && std::holds_alternative<rc::AckMessage>(in.front());
  }));
  EXPECT_TRUE(wait_until([&] { return client.status().pings == 1; }));

  client.session().power(rc::PowerAction::reset);
  rc::KeyboardReport ctrl_alt_del;
  ctrl_alt_del.modifiers = 0x05;
  ctrl_alt_del.keys[0] = 0x4C;
  client.session().keyboard(ctrl_alt_del);
  client.session().keyboard(rc::KeyboardReport{});
  ASSERT_FALSE(client.session().type_text("Hi"));
  client.session().pointer(32, 16, rc::kButtonLeft);
  client.session().refresh();

  std::vector<rc::InputMessage> expected;
  expected.emplace_back(rc::PowerMessage{rc::PowerAction::reset});
  expected.emplace_back(ctrl_alt_del);
  expected.emplace_back(rc::KeyboardReport{});
  rc::KeyboardReport h, i;
  h.modifiers = 0x02;
  h.keys[0] = 0x0B;
  i.keys[0] = 0x0C;
  expected.emplace_back(h);
  expected.emplace_back(rc::KeyboardReport{});
  expected.emplace_back(i);
  expected.emplace_back(rc::KeyboardReport{});
  expected.emplace_back(rc::PointerReport{1500, 1500, 32, -16, rc::kButtonLeft, 0});
  expected.emplace_back(rc::RefreshMessage{});
  ASSERT_TRUE(wait_until([&] { return without_control(peer.inputs()).size() >= expected.size(); }));
  EXPECT_EQ(without_control(peer.inputs()), expected);

  // The refresh made the peer restart the stream; the picture is the peer's, exactly.
  peer.change_screen(1);
  const auto clear = peer.clear_stream(0);
  std::uint64_t reference_errors = 0;
  const auto reference = decode_clear(clear, &reference_errors);
  ASSERT_FALSE(reference.empty());
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= reference.size(); }));
  EXPECT_EQ(client.observer().frames(), reference.size());
  EXPECT_TRUE(client.observer().last_frame() == reference.back());
  // Each sync preamble costs the decoder one error (its zero padding reads as pixels until
  // the zero run is long enough): the client must count exactly what the reference counts.
  EXPECT_EQ(client.status().decode_errors, reference_errors);
}

std::string cipher_name(const ::testing::TestParamInfo<std::uint8_t>& param) {
  static const char* const kNames[] = {"none", "rc4", "aes128", "aes256"};
  return kNames[param.param];
}
INSTANTIATE_TEST_SUITE_P(AllCiphers, ConsoleSessionCipher, ::testing::Values(0, 1, 2, 3),
                         cipher_name);

TEST(ConsoleSessionPeer, PowerStateFromVideoCommandsAndRecords) {
  FakeIlo peer;
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.status().command_connected; }));
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 1; }));
  peer.video([](rc::VideoEncoder& e) {
    e.power(false);
    e.frame_end();
  });
  ASSERT_TRUE(wait_until([&] { return client.status().power_on == std::optional<bool>(false); }));
  peer.send_record(rc::HostPower{1});
  ASSERT_TRUE(wait_until([&] { return client.status().power_on == std::optional<bool>(true); }));
  peer.send_record(rc::HealthStatus{2});
  ASSERT_TRUE(wait_until([&] { return client.status().health == std::optional<std::uint8_t>(2); }));
  const auto powers = client.observer().powers();
  ASSERT_GE(powers.size(), 2u);
  EXPECT_EQ(powers[0], (std::pair<bool, PowerSource>{false, PowerSource::video_command}));
  EXPECT_EQ(powers[1], (std::pair<bool, PowerSource>{true, PowerSource::command_record}));
}

TEST(ConsoleSessionPeer, BusyConsoleIsSeizedWhenThePolicySaysSo) {
  FakeIlo peer(busy_console());
  auto config = config_for(peer.port());
  config.busy = net::BusyPolicy::seize;
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 1; }));
  EXPECT_EQ(peer.busy_words(), (std::vector<std::vector<std::uint8_t>>{{0x55, 0x00}}));
  const auto phases = client.observer().phases();
  EXPECT_NE(std::find(phases.begin(), phases.end(), ConsolePhase::seizing), phases.end());
  EXPECT_EQ(client.status().phase, ConsolePhase::connected);
}

TEST(ConsoleSessionPeer, BusyConsoleWithFailPolicyEndsAtOnce) {
  FakeIlo peer(busy_console());
  Client client(config_for(peer.port()));  // busy = fail (the default)
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, RcError::cancelled); }));
  std::this_thread::sleep_for(200ms);  // several backoff periods: no retry
  EXPECT_EQ(peer.console_connections(), 1);
  EXPECT_TRUE(peer.busy_words().empty());
  EXPECT_EQ(client.observer().stop_reasons(),
            (std::vector<std::error_code>{rc::make_error_code(RcError::cancelled)}));
}

TEST(ConsoleSessionPeer, ShareIsSentButUnsupportedAsInJava) {
  FakeIlo peer(busy_console());
  auto config = config_for(peer.port());
  config.busy = net::BusyPolicy::share;
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, RcError::share_unsupported); }));
  ASSERT_TRUE(wait_until([&] { return !peer.busy_words().empty(); }));
  EXPECT_EQ(peer.busy_words().front(), (std::vector<std::uint8_t>{0x56, 0x00}));
}

TEST(ConsoleSessionPeer, AllowedSeizeRequestHandsTheConsoleOver) {
  FakeIlo peer;
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.status().command_connected; }));
  peer.send_record(rc::SeizeRequest{"other", "10.0.0.9", 30});
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, NetError::seized); }));
  // The client writes its answer before it closes; the peer's reader may record it a moment
  // after the client reports the end (seen once under load).
  ASSERT_TRUE(wait_until([&] { return !peer.seize_answers().empty(); }));
  EXPECT_EQ(peer.seize_answers(), (std::vector<std::vector<std::uint8_t>>{{4, 0, 0, 0}}));
  EXPECT_EQ(client.observer().seized(), 1);
  const auto requests = client.observer().seize_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].first, "other");
  EXPECT_TRUE(wait_until([&] { return peer.closed_by_client() == 2; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(peer.console_connections(), 1);  // no reconnect after handing over
}

TEST(ConsoleSessionPeer, DeniedSeizeAndShareRequestsKeepTheConsole) {
  FakeIlo peer;
  auto config = config_for(peer.port());
  config.seize_requests = net::SeizeRequestPolicy::deny;
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return client.status().command_connected; }));
  peer.send_record(rc::SeizeRequest{"other", "10.0.0.9", 30});
  peer.send_record(rc::ShareRequest{"third", "10.0.0.10"});
  ASSERT_TRUE(wait_until([&] { return peer.seize_answers().size() == 2; }));
  EXPECT_EQ(peer.seize_answers(),
            (std::vector<std::vector<std::uint8_t>>{{3, 0, 0, 0}, {3, 0, 0, 0}}));
  EXPECT_EQ(client.observer().share_requests(), 1);
  peer.change_screen(2);
  const auto frames = client.observer().frames();
  peer.change_screen(3);
  EXPECT_TRUE(wait_until([&] { return client.observer().frames() > frames; }));
  EXPECT_EQ(client.status().phase, ConsolePhase::connected);
}

TEST(ConsoleSessionPeer, VideoSeizedEndsWithoutReconnect) {
  FakeIlo peer;
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 1; }));
  peer.video([](rc::VideoEncoder& e) {
    e.seized();
    e.frame_end();
  });
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, NetError::seized); }));
  EXPECT_EQ(client.observer().seized(), 1);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(peer.console_connections(), 1);
}

// Shutdown notices on the command connection end the session; other records do not.
struct Notice {
  rc::CommandRecord record;
  std::error_code expected;  // empty: the session keeps running
};
class ConsoleSessionNotice : public ::testing::TestWithParam<int> {};

TEST_P(ConsoleSessionNotice, EndsOrNot) {
  const Notice notices[] = {
      {rc::FirmwareUpgrade{}, NetError::firmware_upgrade},
      {rc::UnauthorisedAction{2}, NetError::unauthorised},
      {rc::NotLicensed{}, NetError::not_licensed},
      {rc::IloReset{}, NetError::ilo_reset},
      {rc::UnauthorisedAction{3}, {}},
      {rc::UnknownRecord{rc::RawCommandRecord{16, {}, std::vector<std::uint8_t>(8)}}, {}},
  };
  const Notice& n = notices[GetParam()];
  FakeIlo peer;
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.status().command_connected; }));
  peer.send_record(n.record);
  if (n.expected) {
    ASSERT_TRUE(wait_until([&] { return stopped_with(client, n.expected); }));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(peer.console_connections(), 1);
  } else {
    peer.send_record(rc::HostPower{0});
    ASSERT_TRUE(wait_until([&] { return client.status().power_on == std::optional<bool>(false); }));
    EXPECT_EQ(client.status().phase, ConsolePhase::connected);
  }
}
INSTANTIATE_TEST_SUITE_P(Records, ConsoleSessionNotice, ::testing::Range(0, 6));

// A link that drops mid-stream: the client reconnects on its own (seizing the busy console,
// as Java's automatic reconnects do) and the picture comes back.
TEST(ConsoleSessionPeer, DropMidStreamReconnectsAndThePictureComesBack) {
  PeerOptions po;
  po.drop_after = 40;  // inside the first full screen
  po.console_status = "RS";
  FakeIlo peer(po);
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.status().reconnects == 1; }));
  EXPECT_EQ(peer.busy_words(), (std::vector<std::vector<std::uint8_t>>{{0x55, 0x00}}));
  const auto reference = decode_clear(peer.clear_stream(1));
  ASSERT_EQ(reference.size(), 2u);  // the prologue's FRAME_END, then the full screen
  EXPECT_TRUE(wait_until([&] { return client.observer().last_frame() == reference.back(); }));
  const auto s = client.status();
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.phase, ConsolePhase::connected);
  EXPECT_EQ(s.last_error, NetError::closed_by_peer);
  EXPECT_EQ(peer.console_connections(), 2);
}

// A wrong key: one refused attempt, a clear error, no retries.
TEST(ConsoleSessionPeer, WrongKeyIsAClearErrorWithoutRetries) {
  FakeIlo peer;
  auto config = config_for(peer.port());
  config.credentials.session_key = "00000000000000000000000000000000";
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, RcError::access_denied); }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(peer.console_connections(), 1);
  EXPECT_EQ(client.status().attempts, 1u);
  const auto text = client.status().stop_reason.message();
  EXPECT_NE(text.find("access denied"), std::string::npos);
  EXPECT_EQ(text.find("0000000000"), std::string::npos);
}

TEST(ConsoleSessionPeer, MalformedKeyTextFailsBeforeConnecting) {
  FakeIlo peer;
  auto config = config_for(peer.port());
  config.credentials.enc_key = "not-hex";
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, RcError::bad_key_text); }));
  EXPECT_EQ(peer.console_connections(), 0);
}

TEST(ConsoleSessionPeer, SilentServerTimesOutAndRetriesWithBackoff) {
  PeerOptions po;
  po.silent = true;
  FakeIlo peer(po);
  auto config = config_for(peer.port());
  config.policy.handshake_timeout = 150ms;
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return client.status().attempts >= 3; }));
  EXPECT_EQ(client.status().last_error, NetError::handshake_timeout);
  EXPECT_EQ(client.status().connects, 0u);
  // Backoff: 150 ms timeouts plus 50, 100, 200 ms waits: a few attempts per second at most.
  std::this_thread::sleep_for(500ms);
  EXPECT_LE(client.status().attempts, 8u);
  EXPECT_TRUE(client.shutdown());
  EXPECT_TRUE(wait_until([&] { return peer.closed_by_client() == peer.console_connections(); }));
}

TEST(ConsoleSessionPeer, RefusedConnectionsRetryUntilTheServerIsBack) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: connections to `port` are refused
  Client client(config_for(port));
  ASSERT_TRUE(wait_until([&] { return client.status().attempts >= 2; }));
  EXPECT_EQ(client.status().last_error, asio::error::connection_refused);
  EXPECT_NE(client.status().phase, ConsolePhase::stopped);
}

TEST(ConsoleSessionPeer, CommandConnectionRefusalKeepsTheConsole) {
  PeerOptions po;
  po.command_status = 'Q';
  FakeIlo peer(po);
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 1; }));
  ASSERT_TRUE(wait_until([&] { return peer.command_connections() >= 1; }));
  EXPECT_FALSE(client.status().command_connected);
  EXPECT_EQ(client.status().phase, ConsolePhase::connected);
  peer.change_screen(1);
  EXPECT_TRUE(wait_until([&] { return client.observer().frames() >= 2; }));
}

TEST(ConsoleSessionPeer, SilenceIsProbedWithARefreshRequest) {
  FakeIlo peer;
  auto config = config_for(peer.port());
  config.silence_probe = 150ms;
  config.silence_limit = 2000ms;
  Client client(config);
  ASSERT_TRUE(wait_until([&] {
    for (const auto& m : peer.inputs()) {
      if (std::holds_alternative<rc::RefreshMessage>(m)) return true;
    }
    return false;
  }));
  // The peer answered with a full screen, so the link counts as alive.
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 2; }));
  EXPECT_EQ(client.status().connects, 1u);
}

TEST(ConsoleSessionPeer, SilenceAfterAProbeGivesTheLinkUp) {
  PeerOptions po;
  po.answer_refresh = false;
  FakeIlo peer(po);
  auto config = config_for(peer.port());
  config.silence_probe = 100ms;
  config.silence_limit = 300ms;
  Client client(config);
  ASSERT_TRUE(wait_until([&] { return client.status().reconnects >= 1; }));
  EXPECT_EQ(client.status().last_error, NetError::link_silent);
}

TEST(ConsoleSessionPeer, InputWhileDisconnectedIsDroppedAndUnmappableTextRefused) {
  PeerOptions po;
  po.silent = true;
  FakeIlo peer(po);
  Client client(config_for(peer.port()));
  client.session().power(rc::PowerAction::momentary_press);
  EXPECT_EQ(client.session().type_text("caf\xC3\xA9"), std::errc::invalid_argument);
  ASSERT_TRUE(wait_until([&] { return client.status().inputs_dropped == 1; }));
  EXPECT_EQ(client.status().inputs_sent, 0u);
}

TEST(ConsoleSessionPeer, StopThenStartAgain) {
  FakeIlo peer;
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.status().command_connected; }));
  client.session().stop();
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, NetError::stopped); }));
  EXPECT_TRUE(wait_until([&] { return peer.closed_by_client() == 2; }));
  client.session().start();
  ASSERT_TRUE(wait_until([&] { return client.status().connects == 2; }));
  EXPECT_EQ(client.status().phase, ConsolePhase::connected);
}

TEST(ConsoleSessionPeer, InputFromManyThreadsArrivesWhole) {
  FakeIlo peer;
  Client client(config_for(peer.port()));
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 1; }));
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&client, t] {
      for (int k = 0; k < kEach; ++k) {
        rc::KeyboardReport r;
        r.keys[0] = static_cast<std::uint8_t>(0x04 + t);
        r.keys[1] = static_cast<std::uint8_t>(k);
        client.session().keyboard(r);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(wait_until([&] { return peer.inputs().size() >= kThreads * kEach; }));
  std::vector<int> next(kThreads, 0);  // each thread's reports arrive in its order
  for (const auto& m : peer.inputs()) {
    const auto* r = std::get_if<rc::KeyboardReport>(&m);
    ASSERT_NE(r, nullptr);
    const int t = r->keys[0] - 0x04;
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(r->keys[1], next[t]++);
  }
  // The peer can read the last bytes before the client's write completion counts them.
  EXPECT_TRUE(wait_until([&] { return client.status().inputs_sent >= kThreads * kEach; }));
  EXPECT_EQ(client.status().inputs_sent, std::uint64_t{kThreads * kEach});
}


// ----------------------------------------------------------------------------------------
// Tier 2: the real ilo-sim binary, logged into over HTTPS like the product does.

using test::SimProcess;
using test::state_text;

// Logs in like the product (pinned certificate) and builds the console session config.
std::optional<ConsoleSessionConfig> sim_login(const SimProcess& sim) {
  http::WebClient web({.base_url = sim.base_url(), .pin_sha256 = sim.fingerprint()});
  auto reply = web.login("Administrator", SimProcess::password());
  if (!reply) return std::nullopt;
  auto info = web.rc_info();
  if (!info) return std::nullopt;
  ConsoleSessionConfig c;
  c.host = "127.0.0.1";
  c.rc_port = info->rc_port;
  c.credentials = {reply->session_key.text(), info->enc_key.text(), info->optional_features, 1};
  c.policy.backoff_initial = 100ms;
  c.policy.backoff_max = 1000ms;
  c.policy.handshake_timeout = 3000ms;
  c.seize_timeout = 8000ms;
  c.typing_interval = 5ms;
  return c;
}

// The client's last complete frame equals, pixel for pixel, what the simulated machine shows
// (ilo-sim reports the SHA-256 of its rendered screen, or of no pixels when the host is off).
bool frame_matches_sim(Client& client, const SimProcess& sim) {
  const auto state = sim.state();
  if (!state.is_object()) return false;
  return to_hex(vm::Sha256::of(client.observer().last_frame())) ==
         state["screen"]["sha256"].get<std::string>();
}

bool sim_power_is(const SimProcess& sim, const char* value) {
  const auto s = sim.state();
  return s.is_object() && s["power"] == value;
}

class SimConsole : public ::testing::TestWithParam<std::string> {};

// Each cipher: the picture has the simulated screen's size and settles; typed text reaches
// the machine (its text rows show it) and the picture changes with it; pings are answered.
TEST_P(SimConsole, TypedTextAppears) {
  SimProcess sim({"--cipher", GetParam(), "--ping-interval", "300", "--frame-interval", "50"});
  ASSERT_EQ(sim.error(), "");
  auto config = sim_login(sim);
  ASSERT_TRUE(config);
  Client client(*config);
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 2; }));
  const auto state = sim.state();
  ASSERT_TRUE(state.is_object());
  EXPECT_EQ(client.observer().size(), (std::pair<int, int>{state["screen"]["width"].get<int>(),
                                                          state["screen"]["height"].get<int>()}));
  ASSERT_TRUE(wait_until([&] { return sim.state()["phase"] == "running"; }, 15'000ms));
  // The picture settles: two frames 300 ms apart are equal once the boot script is done.
  std::vector<std::uint8_t> before;
  ASSERT_TRUE(wait_until([&] {
    auto a = client.observer().last_frame();
    std::this_thread::sleep_for(300ms);
    before = client.observer().last_frame();
    return a == before;
  }, 5000ms));

  EXPECT_TRUE(wait_until([&] { return frame_matches_sim(client, sim); }));
  ASSERT_FALSE(client.session().type_text("hello\n"));
  ASSERT_TRUE(wait_until([&] { return state_text(sim.state()).find("hello") != std::string::npos; }));
  EXPECT_TRUE(wait_until([&] { return client.observer().last_frame() != before; }));
  EXPECT_TRUE(wait_until([&] { return frame_matches_sim(client, sim); }));
  EXPECT_TRUE(wait_until([&] { return client.status().pings >= 1; }));
  // h e l l o Enter, each pressed once (Enter may land just after "hello" shows).
  EXPECT_TRUE(wait_until([&] { return sim.state()["keys_typed"] == 6; }));
  std::this_thread::sleep_for(100ms);
  const auto end_state = sim.state();
  EXPECT_EQ(end_state["keys_typed"], 6);
  EXPECT_EQ(end_state["console"]["counters"]["protocol_errors"], 0);
  const auto s = client.status();
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.cipher, GetParam() == "none" ? 0 : GetParam() == "rc4" ? 1 : GetParam() == "aes128" ? 2 : 3);
  EXPECT_TRUE(s.command_connected);
  EXPECT_EQ(s.power_on, std::optional<bool>(true));
}

INSTANTIATE_TEST_SUITE_P(Ciphers, SimConsole,
                         ::testing::Values("rc4", "aes128", "aes256", "none"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// Power hold / press / reset / cold boot: seen by the client and by the machine.
TEST(SimConsoleSession, PowerActions) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto config = sim_login(sim);
  ASSERT_TRUE(config);
  Client client(*config);
  ASSERT_TRUE(wait_until([&] { return client.status().command_connected; }));
  ASSERT_TRUE(wait_until([&] { return client.status().power_on == std::optional<bool>(true); }));

  client.session().power(rc::PowerAction::press_and_hold);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }));
  EXPECT_TRUE(wait_until([&] { return client.status().power_on == std::optional<bool>(false); }));
  EXPECT_TRUE(wait_until([&] { return frame_matches_sim(client, sim); }));  // no video

  client.session().power(rc::PowerAction::momentary_press);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "on"); }));
  EXPECT_TRUE(wait_until([&] { return client.status().power_on == std::optional<bool>(true); }));
  EXPECT_TRUE(wait_until([&] { return sim.state()["phase"] == "running"; }, 15'000ms));
  EXPECT_TRUE(wait_until([&] { return frame_matches_sim(client, sim); }));  // the new boot

  const auto boots = sim.state()["boots"].get<std::uint64_t>();
  client.session().power(rc::PowerAction::reset);
  EXPECT_TRUE(wait_until([&] { return sim.state()["boots"].get<std::uint64_t>() == boots + 1; }));
  EXPECT_TRUE(sim_power_is(sim, "on"));

  const auto offs = [&] {
    int n = 0;
    for (const auto& p : client.observer().powers()) n += p.first ? 0 : 1;
    return n;
  };
  const int offs_before = offs();
  client.session().power(rc::PowerAction::cold_boot);
  EXPECT_TRUE(wait_until([&] { return offs() > offs_before; }));  // it went off ...
  EXPECT_TRUE(wait_until([&] {  // ... and came back
    return sim_power_is(sim, "on") && client.status().power_on == std::optional<bool>(true);
  }));
  EXPECT_EQ(sim.state()["console"]["counters"]["protocol_errors"], 0);
}

// A second client finds the console busy and seizes it; the first is told it was seized.
TEST(SimConsoleSession, SecondClientSeizes) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto first_config = sim_login(sim);
  auto second_config = sim_login(sim);
  ASSERT_TRUE(first_config && second_config);
  Client first(*first_config);
  ASSERT_TRUE(wait_until([&] {
    return first.status().command_connected && first.observer().frames() >= 1;
  }));
  second_config->busy = net::BusyPolicy::seize;
  Client second(*second_config);
  ASSERT_TRUE(wait_until([&] { return stopped_with(first, NetError::seized); }, 10'000ms));
  EXPECT_EQ(first.observer().seized(), 1);
  EXPECT_EQ(first.observer().seize_requests().size(), 1u);
  ASSERT_TRUE(wait_until([&] { return second.observer().frames() >= 1; }));
  const auto phases = second.observer().phases();
  EXPECT_NE(std::find(phases.begin(), phases.end(), ConsolePhase::seizing), phases.end());
  EXPECT_EQ(second.status().phase, ConsolePhase::connected);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(first.status().attempts, 1u);  // no reconnect after being seized
}

// The link drops mid-stream: the client reconnects by itself and the picture comes back.
TEST(SimConsoleSession, DropFaultReconnects) {
  SimProcess sim({"--fault", "drop:rc:3000"});
  ASSERT_EQ(sim.error(), "");
  auto config = sim_login(sim);
  ASSERT_TRUE(config);
  Client client(*config);
  ASSERT_TRUE(wait_until([&] { return client.status().reconnects >= 1; }, 10'000ms));
  const auto frames = client.status().frames;
  EXPECT_TRUE(wait_until([&] { return client.status().frames > frames + 1; }));
  const auto state = sim.state();
  EXPECT_EQ(client.observer().size(), (std::pair<int, int>{state["screen"]["width"].get<int>(),
                                                          state["screen"]["height"].get<int>()}));
  EXPECT_EQ(state["console"]["counters"]["fault_drops"], 1);
  EXPECT_EQ(client.status().last_error, NetError::closed_by_peer);
  EXPECT_EQ(client.status().reconnects, 1u);
  EXPECT_EQ(client.status().phase, ConsolePhase::connected);
}

// A wrong session key: a clear error at once and no retry storm.
TEST(SimConsoleSession, WrongKeyIsRefusedOnce) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto config = sim_login(sim);
  ASSERT_TRUE(config);
  auto& key = config->credentials.session_key;
  key[0] = key[0] == '0' ? '1' : '0';
  Client client(*config);
  ASSERT_TRUE(wait_until([&] { return stopped_with(client, RcError::access_denied); }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(client.status().attempts, 1u);
  EXPECT_EQ(sim.state()["console"]["counters"]["rejected"], 1);
}

// A stale key with an on_stale_keys hook: the hook hears the stale generation, the session
// backs off and retries with the keys set_credentials() gave meanwhile, and gets the console.
TEST(SimConsoleSession, StaleKeyAsksForRenewalAndRetries) {
  SimProcess sim;
  ASSERT_EQ(sim.error(), "");
  auto config = sim_login(sim);
  ASSERT_TRUE(config);
  const net::ConsoleCredentials good = config->credentials;
  auto& key = config->credentials.session_key;
  key[0] = key[0] == '0' ? '1' : '0';
  config->policy.backoff_initial = 300ms;
  std::mutex mutex;
  std::vector<std::uint64_t> stale;
  config->on_stale_keys = [&](std::uint64_t generation) {
    std::lock_guard lock(mutex);
    stale.push_back(generation);
  };
  Client client(*config);
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mutex);
    return !stale.empty();
  }));
  auto renewed = good;
  renewed.generation = 2;
  client.session().set_credentials(renewed);
  ASSERT_TRUE(wait_until([&] { return client.status().connects == 1; }, 10'000ms));
  ASSERT_TRUE(wait_until([&] { return client.observer().frames() >= 1; }));
  {
    std::lock_guard lock(mutex);
    for (const auto g : stale) EXPECT_EQ(g, 1u);
  }
  EXPECT_EQ(client.status().phase, ConsolePhase::connected);
  EXPECT_GE(client.status().attempts, 2u);
  EXPECT_GE(sim.state()["console"]["counters"]["rejected"].get<int>(), 1);
}

}  // namespace
}  // namespace ilo
