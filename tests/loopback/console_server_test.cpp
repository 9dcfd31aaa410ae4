// Loopback tests of ilo-sim's console port: the ConsoleServer runs in-process on 127.0.0.1:0
// with its own io_context thread; a raw Asio test client speaks to it using only raw bytes for
// the handshake (rc::encode_session_key + the 34-byte layout), hand-built input messages, and
// rc::VideoDecoder + crypto::StreamCipher for the video. No client session code is used.
#include <asio.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "crypto/stream_cipher.hpp"
#include "rc/framebuffer.hpp"
#include "rc/key_encoding.hpp"
#include "rc/video_decoder.hpp"
#include "rc/video_events.hpp"
#include "sim/console_server.hpp"
#include "sim/sim_context.hpp"

namespace ilo::sim {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;
using asio::ip::tcp;

constexpr std::uint8_t kHello = 'P', kDenied = 'Q', kOk = 'R', kBusy = 'S', kNoLicence = 'W';
constexpr auto kWait = 3s;  // upper bound for anything that should happen "soon"

Bytes fixture(const std::string& name) {
  std::ifstream in(std::string(ILOFS_FIXTURES) + "/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// ---- The simulator side --------------------------------------------------------------------

SimConfig test_config() {
  SimConfig c;
  c.frame_interval_ms = 20;
  c.ping_interval_ms = 0;  // tests that want pings turn them on
  c.seize_countdown_s = 5;
  return c;
}

// A SimContext, a ConsoleServer listening on 127.0.0.1:0 and a thread running the io_context,
// which also ticks the machine every 20 ms as the Simulator does.
class Harness {
 public:
  explicit Harness(SimConfig config = test_config(), ConsoleServerOptions options = {},
                   const std::function<void(SimContext&)>& prepare = {})
      // Created 10 s in the past: the first tick prints the whole boot banner.
      : ctx_(std::move(config), Clock::now() - 10s), ticker_(io_), guard_(io_.get_executor()) {
    if (prepare) prepare(ctx_);
    server_ = std::make_unique<ConsoleServer>(io_, ctx_, options);
    const auto ec = server_->listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    EXPECT_FALSE(ec) << ec.message();
    port_ = server_->port();
    tick();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Harness() {
    on_io([this] {
      server_->stop();
      ticker_.cancel();
      return 0;
    });
    io_.stop();
    thread_.join();
  }

  // Runs f on the io thread and returns its result (aborts the test run if the io thread hangs).
  template <class F>
  std::invoke_result_t<F> on_io(F f) {
    using R = std::invoke_result_t<F>;
    std::packaged_task<R()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    if (result.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "io thread did not answer";
      std::abort();
    }
    return result.get();
  }

  void stop() {
    on_io([this] {
      server_->stop();
      return 0;
    });
  }

  WebSession login() {
    WebSession s;
    EXPECT_EQ(ctx_.sessions.login(ctx_.config.user, ctx_.config.password, Clock::now(), s),
              LoginResult::ok);
    return s;
  }
  void add_fault(const std::string& spec) {
    on_io([&] {
      std::string error;
      EXPECT_TRUE(ctx_.faults.add(spec, error)) << error;
      return 0;
    });
  }
  nlohmann::json state() {
    return on_io([this] { return server_->state(); });
  }
  // The machine's console as the server renders it.
  Bytes render() {
    return on_io([this] {
      rc::Framebuffer fb;
      fb.resize(ctx_.machine.width(), ctx_.machine.height());
      ctx_.machine.console().render(fb);
      return Bytes(fb.pixels().begin(), fb.pixels().end());
    });
  }
  std::string screen_text() {
    return on_io([this] {
      std::string s;
      for (const auto& row : ctx_.machine.console().text_rows()) s += row + "\n";
      return s;
    });
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  SimContext& ctx() { return ctx_; }  // only for thread-safe parts (sessions) or via on_io

 private:
  void tick() {
    ctx_.machine.tick(Clock::now());
    ticker_.expires_after(20ms);
    ticker_.async_wait([this](const std::error_code& ec) {
      if (!ec) tick();
    });
  }

  SimContext ctx_;
  asio::io_context io_;
  asio::steady_timer ticker_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<ConsoleServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// ---- The raw test client -------------------------------------------------------------------

// A TCP client with bounded waits (its own io_context, run for at most the timeout).
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    std::error_code ec;
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << ec.message();
    socket_.set_option(tcp::no_delay(true), ec);
  }

  void write(std::span<const std::uint8_t> bytes) {
    std::error_code ec;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  }
  // What arrives within `timeout` (one read); empty on timeout or EOF (then eof() is true).
  Bytes read_some(std::chrono::milliseconds timeout) {
    if (eof_) return {};
    Bytes buffer(65536);
    std::optional<std::error_code> done;
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(buffer), [&](const std::error_code& ec, std::size_t n) {
      done = ec;
      got = n;
    });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      socket_.cancel();
      io_.restart();
      io_.run();
      if (done && !*done) {  // completed while being cancelled
        buffer.resize(got);
        return buffer;
      }
      return {};
    }
    if (*done) {
      eof_ = true;
      return {};
    }
    buffer.resize(got);
    return buffer;
  }
  // Up to n bytes, stopping at the deadline or EOF.
  Bytes read_exact(std::size_t n, std::chrono::milliseconds timeout) {
    Bytes out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < n && !eof_ && Clock::now() < deadline) {
      if (pending_.empty()) pending_ = read_some(remaining(deadline));
      const std::size_t take = std::min(n - out.size(), pending_.size());
      out.insert(out.end(), pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(take));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(take));
    }
    return out;
  }
  // Everything until EOF (bounded by the timeout).
  Bytes read_to_eof(std::chrono::milliseconds timeout) {
    Bytes out = std::move(pending_);
    pending_.clear();
    const auto deadline = Clock::now() + timeout;
    while (!eof_ && Clock::now() < deadline) {
      auto more = read_some(remaining(deadline));
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }
  // Bytes read ahead by read_exact, handed to the next reader.
  Bytes take_pending() {
    Bytes out = std::move(pending_);
    pending_.clear();
    return out;
  }
  [[nodiscard]] bool eof() const { return eof_ && pending_.empty(); }

 private:
  static std::chrono::milliseconds remaining(Clock::time_point deadline) {
    return std::max(1ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  }
  asio::io_context io_;
  tcp::socket socket_;
  Bytes pending_;
  bool eof_ = false;
};

// The 34-byte connect request (docs/rc-handshake.md#connect-request), byte by byte.
Bytes connect_request(std::uint8_t type, const WebSession& s, bool encrypt_key, bool encrypt_vmkey) {
  std::error_code ec;
  const auto key = rc::encode_session_key(s.session_key, s.enc_key, encrypt_key, ec);
  EXPECT_FALSE(ec);
  Bytes out(34);
  out[0] = type;  // 0: 1 console, 2 command
  // 1: 0x20 plus the key-encoding flag
  out[1] = static_cast<std::uint8_t>(0x20 | (encrypt_key ? (encrypt_vmkey ? 0x40 : 0x80) : 0));
  std::copy(key.begin(), key.end(), out.begin() + 2);  // 2..33: the key bytes
  return out;
}

// Client input messages on the wire (docs/rc-input.md#messages), clear text.
Bytes power_message(std::uint8_t action) { return {0x00, 0x00, action, 0x00}; }
Bytes keyboard_message(std::uint8_t modifiers, std::uint8_t key) {
  return {0x01, 0x00, modifiers, 0x00, key, 0, 0, 0, 0, 0};
}
Bytes refresh_message() { return {0x05, 0x00}; }
Bytes ack_message() { return {0x0C, 0x00}; }

// A console client: handshake from raw bytes, then video decoding with the receive cipher
// switched exactly where the decoder says, and encrypted input.
class ConsoleClient final : public rc::VideoSink {
 public:
  ConsoleClient(std::uint16_t port, WebSession session, bool encrypt_key = true,
                bool encrypt_vmkey = true)
      : raw(port), session_(std::move(session)), encrypt_key_(encrypt_key),
        encrypt_vmkey_(encrypt_vmkey) {
    std::error_code ec;
    key_ = rc::stream_key_from_enc_key(session_.enc_key, ec);
    EXPECT_FALSE(ec);
  }

  // Reads 'P', sends the request (optionally tampered with), returns the status byte (0: none).
  std::uint8_t handshake(const std::function<void(Bytes&)>& tamper = {}) {
    const Bytes hello = raw.read_exact(1, kWait);
    EXPECT_EQ(hello, Bytes{kHello});
    Bytes request = connect_request(1, session_, encrypt_key_, encrypt_vmkey_);
    if (tamper) tamper(request);
    raw.write(request);
    return status();
  }
  std::uint8_t status() {
    const Bytes s = raw.read_exact(1, 8s);
    if (s.empty()) return 0;
    feed(raw.take_pending());  // the stream may have arrived with the status byte
    return s[0];
  }
  // Sends a clear-text input message, encrypted with the send cipher if it is on.
  void send(Bytes message) {
    tx().apply(message);
    raw.write(message);
  }
  void send_raw(const Bytes& bytes) { raw.write(bytes); }

  // One read of at most `timeout`, decoded.
  void pump(std::chrono::milliseconds timeout) { feed(raw.read_some(timeout)); }
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline || raw.eof()) return done();
      pump(20ms);
    }
    return true;
  }
  bool matches(const Bytes& expected) const {
    if (fb.size_bytes() != expected.size() || expected.empty()) return false;
    const auto got = fb.pixels();
    for (std::size_t i = 0; i < expected.size(); ++i)
      if ((expected[i] & 0xF8) != got[i]) return false;  // bpc 5: quantised
    return true;
  }
  bool wait_for_screen(Harness& h, std::chrono::milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (matches(h.render())) return true;
      if (Clock::now() >= deadline || raw.eof()) return false;
      pump(30ms);
    }
  }

  template <class T>
  [[nodiscard]] std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<T>(e) ? 1 : 0;
    return n;
  }
  template <class T>
  [[nodiscard]] std::optional<T> last() const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (auto p = std::get_if<T>(&*it)) return *p;
    return std::nullopt;
  }

  void on_video_event(const rc::VideoEvent& e) override {
    events.push_back(e);
    if (std::holds_alternative<rc::Ping>(e) && auto_ack) send(ack_message());
  }

  RawClient raw;
  rc::Framebuffer fb;
  rc::VideoDecoder decoder{fb, *this};
  std::vector<rc::VideoEvent> events;
  bool auto_ack = true;
  std::uint64_t stream_bytes = 0;

 private:
  crypto::StreamCipher& rx() { return rx_[rx_on_]; }
  crypto::StreamCipher& tx() { return tx_[tx_on_]; }
  // Each direction keeps one instance per cipher number, created at its first selection.
  void select(std::uint8_t cipher) {
    if (cipher > 3) cipher = 0;
    if (cipher != 0 && !created_[cipher]) {
      std::error_code ec;
      const auto id = static_cast<crypto::CipherId>(cipher);
      rx_[cipher] = crypto::StreamCipher::create(id, key_, crypto::Cipher3Reading::java_aes128, ec);
      ASSERT_FALSE(ec);
      tx_[cipher] = crypto::StreamCipher::create(id, key_, crypto::Cipher3Reading::java_aes128, ec);
      ASSERT_FALSE(ec);
      created_[cipher] = true;
    }
    rx_on_ = tx_on_ = cipher;
  }
  void feed(std::span<const std::uint8_t> wire) {
    stream_bytes += wire.size();
    while (!wire.empty()) {
      Bytes clear(wire.begin(), wire.end());
      crypto::StreamCipher before = rx().clone();
      rx().apply(clear);
      const rc::FeedResult r = decoder.feed(clear);
      if (r.cipher_changed) {
        // Only the bytes up to the switch belonged to the old keystream.
        rx() = std::move(before);
        Bytes used(r.consumed);
        rx().apply(used);
        select(r.cipher);
      }
      if (r.consumed == 0) {
        ADD_FAILURE() << "decoder stalled";
        return;
      }
      wire = wire.subspan(r.consumed);
    }
  }

  WebSession session_;
  bool encrypt_key_, encrypt_vmkey_;
  rc::StreamKey key_{};
  std::array<crypto::StreamCipher, 4> rx_, tx_;
  std::array<bool, 4> created_{};
  std::uint8_t rx_on_ = 0, tx_on_ = 0;
};

// The last screen mode the client decoded is width x height.
::testing::AssertionResult screen_mode_is(const ConsoleClient& c, int width, int height) {
  const auto mode = c.last<rc::ScreenMode>();
  if (!mode) return ::testing::AssertionFailure() << "no screen mode decoded";
  if (mode->width != width || mode->height != height) {
    return ::testing::AssertionFailure() << "screen mode " << mode->width << "x" << mode->height;
  }
  return ::testing::AssertionSuccess();
}

// The handshake is accepted ('R') and the decoded picture then equals the machine's screen.
::testing::AssertionResult streams_the_screen(ConsoleClient& c, Harness& h) {
  const std::uint8_t answer = c.handshake();
  if (answer != kOk) return ::testing::AssertionFailure() << "handshake answered " << answer;
  if (!c.wait_for_screen(h)) return ::testing::AssertionFailure() << "screen never matched";
  return ::testing::AssertionSuccess();
}

// A command-connection client: raw handshake, then records framed by their length field.
struct CommandRecord {
  std::uint32_t type = 0;
  std::array<std::uint8_t, 4> args{};
  Bytes payload;
};

class CommandClient {
 public:
  CommandClient(std::uint16_t port, const WebSession& session) : raw(port) {
    EXPECT_EQ(raw.read_exact(1, kWait), Bytes{kHello});
    raw.write(connect_request(2, session, true, true));
    status = raw.read_exact(1, kWait);
  }
  // The next record within `timeout`.
  std::optional<CommandRecord> next(std::chrono::milliseconds timeout = kWait) {
    const Bytes header = raw.read_exact(12, timeout);
    if (header.size() < 12) return std::nullopt;
    CommandRecord r;
    r.type = header[0] | header[1] << 8 | header[2] << 16 | std::uint32_t{header[3]} << 24;
    const std::uint32_t length =
        header[4] | header[5] << 8 | header[6] << 16 | std::uint32_t{header[7]} << 24;
    std::copy(header.begin() + 8, header.end(), r.args.begin());
    if (length > 4096) return std::nullopt;
    r.payload = raw.read_exact(length, timeout);
    if (r.payload.size() != length) return std::nullopt;
    return r;
  }
  // Skips status records until one of `type` arrives.
  std::optional<CommandRecord> next_of_type(std::uint32_t type,
                                            std::chrono::milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto r = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (!r) return std::nullopt;
      if (r->type == type) return r;
    }
    return std::nullopt;
  }

  RawClient raw;
  Bytes status;
};

std::string field(const Bytes& payload, std::size_t offset) {
  std::string s;
  for (std::size_t i = offset; i < offset + 64 && i < payload.size() && payload[i] != 0; ++i)
    s += static_cast<char>(payload[i]);
  return s;
}

const nlohmann::json* find_connection(const nlohmann::json& state, const std::string& kind,
                                      const std::string& role = "") {
  for (const auto& c : state["connections"])
    if (c["kind"] == kind && (role.empty() || c.value("role", "") == role)) return &c;
  return nullptr;
}

// ---- Handshake -----------------------------------------------------------------------------

TEST(ConsoleServer, WrongKeyOrFlagsGetQ) {
  Harness h;
  const WebSession s = h.login();
  {
    ConsoleClient c(h.port(), s);
    EXPECT_EQ(c.handshake([](Bytes& r) { r[5] ^= 0x01; }), kDenied);  // one key bit wrong
    EXPECT_TRUE(c.raw.read_to_eof(kWait).empty());
    EXPECT_TRUE(c.raw.eof());
  }
  {
    ConsoleClient c(h.port(), s);
    EXPECT_EQ(c.handshake([](Bytes& r) { r[1] = 0xA0; }), kDenied);  // flags not as advertised
  }
  {
    ConsoleClient c(h.port(), s, /*encrypt_key=*/false);  // XOR missing although advertised
    EXPECT_EQ(c.handshake(), kDenied);
  }
  {
    ConsoleClient c(h.port(), s);
    EXPECT_EQ(c.handshake([](Bytes& r) { r[0] = 3; }), kDenied);  // no such connection type
  }
  EXPECT_EQ(h.state()["counters"]["rejected"], 4);
}

TEST(ConsoleServer, PlainKeyWhenEncryptKeyIsNotAdvertised) {
  SimConfig config = test_config();
  config.optional_features = "";
  Harness h(config);
  const WebSession s = h.login();
  ConsoleClient plain(h.port(), s, /*encrypt_key=*/false);
  EXPECT_EQ(plain.handshake(), kOk);
  EXPECT_TRUE(plain.wait_for_screen(h));
}

// ---- Video ---------------------------------------------------------------------------------

class EveryCipher : public ::testing::TestWithParam<int> {};

TEST_P(EveryCipher, DecodedScreenEqualsTheMachineConsole) {
  SimConfig config = test_config();
  config.cipher = static_cast<crypto::CipherId>(GetParam());
  Harness h(config);
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  const auto header = c.last<rc::SessionHeader>();
  ASSERT_TRUE(header);
  EXPECT_EQ(header->bits_per_colour, 5);
  EXPECT_EQ(header->cipher, GetParam());
  EXPECT_EQ(header->licence, 7);
  EXPECT_EQ(header->capabilities, 9);
  ASSERT_TRUE(screen_mode_is(c, 1024, 768));
  EXPECT_EQ(c.decoder.health(), rc::DecoderHealth::healthy);
  const auto state = h.state();
  const auto* console = find_connection(state, "console");
  ASSERT_NE(console, nullptr);
  EXPECT_EQ((*console)["cipher"], GetParam());
  EXPECT_EQ((*console)["role"], "owner");
  EXPECT_EQ((*console)["phase"], "streaming");
}

INSTANTIATE_TEST_SUITE_P(Ciphers, EveryCipher, ::testing::Values(0, 1, 2, 3));

TEST(ConsoleServer, WideScreenUsesHalfHeightBlocks) {
  SimConfig config = test_config();
  config.width = 1680;  // > 1616 and capability bit 3: 16x8 (docs/rc-video.md#half-height-blocks)
  config.height = 1050;
  Harness h(config);
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  ASSERT_TRUE(screen_mode_is(c, 1680, 1050));
  EXPECT_EQ(c.last<rc::ScreenMode>()->block_height, 8);
}

TEST(ConsoleServer, TypedKeysReachTheMachineAndThePicture) {
  Harness h;
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  // "echo Hi" + Enter: e c h o space (Shift)h i, each pressed and released.
  const std::uint8_t keys[][2] = {{0, 0x08}, {0, 0x06}, {0, 0x0B}, {0, 0x12}, {0, 0x2C},
                                  {0x02, 0x0B}, {0, 0x0C}, {0, 0x28}};
  for (const auto& k : keys) {
    c.send(keyboard_message(k[0], k[1]));
    c.send(keyboard_message(0, 0));
  }
  const auto deadline = Clock::now() + kWait;
  while (h.screen_text().find("# echo Hi\n") == std::string::npos && Clock::now() < deadline)
    c.pump(20ms);
  EXPECT_NE(h.screen_text().find("root@ilo-sim:~# echo Hi\nroot@ilo-sim:~#"), std::string::npos)
      << h.screen_text();
  EXPECT_TRUE(c.wait_for_screen(h));
  EXPECT_EQ(h.state()["connections"][0]["input"]["keyboard"], 16);
}

TEST(ConsoleServer, PowerHoldShowsNoVideoAndPressBootsAgain) {
  Harness h;
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  const auto boots = h.on_io([&] { return h.ctx().machine.boots(); });

  c.send(power_message(1));  // press and hold: forced off
  ASSERT_TRUE(c.pump_until([&] {
    const auto mode = c.last<rc::ScreenMode>();
    return c.count<rc::PowerState>() >= 1 && mode && mode->width == 0;
  }));
  EXPECT_FALSE(c.last<rc::PowerState>()->on);
  EXPECT_FALSE(h.on_io([&] { return h.ctx().machine.powered(); }));

  c.send(power_message(0));  // momentary press: boots
  ASSERT_TRUE(c.pump_until([&] {
    const auto p = c.last<rc::PowerState>();
    const auto mode = c.last<rc::ScreenMode>();
    return p && p->on && mode && mode->width == 1024;
  }));
  EXPECT_EQ(h.on_io([&] { return h.ctx().machine.boots(); }), boots + 1);
  // The boot banner prints in real time; the picture follows it to the prompt.
  const auto deadline = Clock::now() + 4s;
  while (h.screen_text().find("root@ilo-sim:~#") == std::string::npos && Clock::now() < deadline)
    c.pump(50ms);
  EXPECT_TRUE(c.wait_for_screen(h));
  EXPECT_EQ(c.decoder.health(), rc::DecoderHealth::healthy);
}

TEST(ConsoleServer, RefreshResendsTheWholeScreen) {
  Harness h;
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  const auto resyncs = c.count<rc::Resync>();
  const auto modes = c.count<rc::ScreenMode>();
  const auto before = c.stream_bytes;
  c.send(refresh_message());
  ASSERT_TRUE(c.pump_until([&] { return c.count<rc::ScreenMode>() > modes; }));
  EXPECT_EQ(c.count<rc::Resync>(), resyncs + 1);
  EXPECT_TRUE(c.wait_for_screen(h));
  EXPECT_GT(c.stream_bytes - before, 1000u);  // a full screen, not a few changed blocks
  const auto state = h.state();
  EXPECT_EQ(state["connections"][0]["input"]["refresh"], 1);
  EXPECT_EQ(state["connections"][0]["restarts"], 2);
}

TEST(ConsoleServer, PingsAnsweredAndUnanswered) {
  SimConfig config = test_config();
  config.ping_interval_ms = 200;
  Harness h(config);
  ConsoleClient answering(h.port(), h.login());
  ASSERT_EQ(answering.handshake(), kOk);
  ASSERT_TRUE(answering.pump_until([&] { return answering.count<rc::Ping>() >= 3; }));
  answering.pump(50ms);  // let the last ACK arrive
  auto state = h.state();
  auto* con = find_connection(state, "console");
  ASSERT_NE(con, nullptr);
  EXPECT_GE((*con)["pings_sent"], 3);
  EXPECT_GE((*con)["input"]["ack"], 3);
  EXPECT_EQ((*con)["pings_unanswered"], 0);
  EXPECT_EQ((*con)["stray_acks"], 0);
}

TEST(ConsoleServer, UnansweredPingsAreCounted) {
  SimConfig config = test_config();
  config.ping_interval_ms = 200;
  Harness h(config);
  ConsoleClient silent(h.port(), h.login());
  silent.auto_ack = false;
  ASSERT_EQ(silent.handshake(), kOk);
  ASSERT_TRUE(silent.pump_until([&] { return silent.count<rc::Ping>() >= 3; }));
  auto state = h.state();
  auto* con = find_connection(state, "console");
  ASSERT_NE(con, nullptr);
  EXPECT_GE((*con)["pings_unanswered"], 2);
  EXPECT_EQ((*con)["input"]["ack"], 0);
}

TEST(ConsoleServer, UnknownInputNumberClosesTheConnection) {
  Harness h;
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  c.send({0x07, 0x00});
  c.raw.read_to_eof(kWait);
  EXPECT_TRUE(c.raw.eof());
  EXPECT_EQ(h.state()["counters"]["protocol_errors"], 1);
}

// ---- Faults --------------------------------------------------------------------------------

TEST(ConsoleServer, DropFaultClosesAfterExactlyNBytes) {
  Harness h;
  h.add_fault("drop:rc:300");
  ConsoleClient c(h.port(), h.login());
  const Bytes hello = c.raw.read_exact(1, kWait);
  c.send_raw(connect_request(1, h.login(), true, true));
  const Bytes rest = c.raw.read_to_eof(kWait);
  EXPECT_TRUE(c.raw.eof());
  EXPECT_EQ(hello.size() + rest.size(), 300u);  // counted from the hello
  // Counted when the connection is gone (after our FIN it lingers for the client's).
  const auto deadline = Clock::now() + kWait;
  while (h.state()["counters"]["fault_drops"] == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.state()["counters"]["fault_drops"], 1);
  // One-shot: the next console connection is whole.
  ConsoleClient next(h.port(), h.login());
  ASSERT_EQ(next.handshake(), kOk);
  EXPECT_TRUE(next.wait_for_screen(h));
}

TEST(ConsoleServer, DropFaultRightAfterTheHello) {
  Harness h;
  h.add_fault("drop:rc:1");
  RawClient c(h.port());
  EXPECT_EQ(c.read_exact(1, kWait), Bytes{kHello});
  c.write(connect_request(1, h.login(), true, true));
  EXPECT_TRUE(c.read_to_eof(kWait).empty());  // no status byte
  EXPECT_TRUE(c.eof());
}

TEST(ConsoleServer, StallFaultPausesTheStream) {
  Harness h;
  h.add_fault("stall:rc:100:400");
  ConsoleClient c(h.port(), h.login());
  EXPECT_EQ(c.raw.read_exact(1, kWait), Bytes{kHello});
  c.send_raw(connect_request(1, h.login(), true, true));
  EXPECT_EQ(c.raw.read_exact(99, kWait).size(), 99u);  // up to the stall offset
  const auto paused = Clock::now();
  EXPECT_TRUE(c.raw.read_some(200ms).empty());         // nothing during the stall
  const Bytes more = c.raw.read_exact(1, kWait);
  EXPECT_EQ(more.size(), 1u);
  EXPECT_GE(Clock::now() - paused, 350ms);
  EXPECT_FALSE(c.raw.eof());
}

TEST(ConsoleServer, NoLicenceGetsW) {
  Harness h;
  h.add_fault("no-licence");
  ConsoleClient c(h.port(), h.login());
  EXPECT_EQ(c.handshake(), kNoLicence);
  EXPECT_TRUE(c.raw.read_to_eof(kWait).empty());
  EXPECT_TRUE(c.raw.eof());
}

TEST(ConsoleServer, ClientThatStopsReadingIsDropped) {
  ConsoleServerOptions options;
  options.io.max_queued_bytes = 64 * 1024;
  Harness h(test_config(), options);
  ConsoleClient c(h.port(), h.login());
  ASSERT_TRUE(streams_the_screen(c, h));
  // Refresh requests in bulk, never reading the answers: each one is a full screen.
  Bytes storm;
  for (int i = 0; i < 400; ++i) {
    const Bytes m = refresh_message();
    storm.insert(storm.end(), m.begin(), m.end());
  }
  c.send(storm);
  const auto deadline = Clock::now() + kWait;
  while (h.state()["counters"]["overflow_drops"] == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.state()["counters"]["overflow_drops"], 1);
  EXPECT_EQ(find_connection(h.state(), "console"), nullptr);
}

// ---- Busy console: seize and share ---------------------------------------------------------

// An owner with console and command connection, and a second client that got 'S'.
struct BusyConsole {
  explicit BusyConsole(Harness& h, bool owner_command = true)
      : owner_session(h.login()), owner(h.port(), owner_session), requester(h.port(), h.login()) {
    EXPECT_EQ(owner.handshake(), kOk);
    EXPECT_TRUE(owner.wait_for_screen(h));
    if (owner_command) {
      // 'R' is sent once the arbiter knows the connection.
      command = std::make_unique<CommandClient>(h.port(), owner_session);
      EXPECT_EQ(command->status, Bytes{kOk});
    }
    EXPECT_EQ(requester.handshake(), kBusy);
  }
  // The request record the owner's command connection receives (type 6 seize, 9 share).
  std::optional<CommandRecord> request(std::uint32_t type) {
    auto r = command->next_of_type(type);
    if (r) {
      EXPECT_EQ(r->payload.size(), 128u);
      EXPECT_EQ(field(r->payload, 0), "Administrator");
      EXPECT_EQ(field(r->payload, 64), "127.0.0.1");
    }
    return r;
  }
  // The requester asks (kSeize, kShare), the owner's command connection gets the request of
  // `type` and answers `reply`: the status the requester then gets (nullopt: no request).
  std::optional<std::uint8_t> ask(const Bytes& question, std::uint32_t type, const Bytes& reply) {
    requester.send_raw(question);
    if (!request(type)) return std::nullopt;
    command->raw.write(reply);
    return requester.status();
  }
  // The old owner saw command 10, then its console and command connections closed.
  void expect_owner_seized() {
    EXPECT_TRUE(owner.pump_until([&] { return owner.raw.eof(); }));
    EXPECT_EQ(owner.count<rc::Seized>(), 1u);
    if (command) {
      command->raw.read_to_eof(kWait);
      EXPECT_TRUE(command->raw.eof());
    }
  }

  WebSession owner_session;
  ConsoleClient owner;
  ConsoleClient requester;
  std::unique_ptr<CommandClient> command;
};

const Bytes kSeize{0x55, 0x00}, kShare{0x56, 0x00};
const Bytes kAllow{0x04, 0x00, 0x00, 0x00}, kDeny{0x03, 0x00, 0x00, 0x00};

// A client that was told the console is busy seizes it at once: OK, then the screen.
void seize_at_once(ConsoleClient& c, Harness& h) {
  c.send_raw(kSeize);
  ASSERT_EQ(c.status(), kOk);
  EXPECT_TRUE(c.wait_for_screen(h));
}

TEST(ConsoleServer, SeizeAllowedByTheOwner) {
  Harness h;
  BusyConsole b(h);
  b.requester.send_raw(kSeize);
  const auto request = b.request(6);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->args[2], 5);  // header byte 10: the countdown
  b.command->raw.write(kAllow);
  ASSERT_EQ(b.requester.status(), kOk);
  EXPECT_TRUE(b.requester.wait_for_screen(h));
  b.expect_owner_seized();
  const auto state = h.state();
  EXPECT_EQ(state["console"]["seize_allowed"], 1);
  EXPECT_EQ(state["console"]["owners_seized"], 1);
  EXPECT_EQ(state["counters"]["seized_notices"], 1);
  const auto* console = find_connection(state, "console", "owner");
  ASSERT_NE(console, nullptr);
  EXPECT_EQ((*console)["phase"], "streaming");
}

TEST(ConsoleServer, SeizeDeniedByTheOwner) {
  Harness h;
  BusyConsole b(h);
  const auto status = b.ask(kSeize, 6, kDeny);
  ASSERT_TRUE(status) << "no seize request";
  EXPECT_EQ(*status, kDenied);
  b.requester.raw.read_to_eof(kWait);
  EXPECT_TRUE(b.requester.raw.eof());
  // The owner keeps its console.
  b.owner.pump(100ms);
  EXPECT_FALSE(b.owner.raw.eof());
  EXPECT_EQ(b.owner.count<rc::Seized>(), 0u);
  const auto state = h.state();
  EXPECT_EQ(state["console"]["seize_denied"], 1);
  EXPECT_NE(find_connection(state, "console", "owner"), nullptr);
}

TEST(ConsoleServer, SeizeAllowedWhenTheCountdownExpires) {
  SimConfig config = test_config();
  config.seize_countdown_s = 1;
  Harness h(config);
  BusyConsole b(h);
  const auto asked = Clock::now();
  b.requester.send_raw(kSeize);
  const auto request = b.request(6);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->args[2], 1);
  ASSERT_EQ(b.requester.status(), kOk);  // the owner never answers
  EXPECT_GE(Clock::now() - asked, 900ms);
  EXPECT_TRUE(b.requester.wait_for_screen(h));
  b.expect_owner_seized();
  EXPECT_EQ(h.state()["console"]["countdowns_expired"], 1);
}

TEST(ConsoleServer, SeizeAllowedAtOnceWithoutOwnerCommandConnection) {
  Harness h;
  BusyConsole b(h, /*owner_command=*/false);
  seize_at_once(b.requester, h);
  b.expect_owner_seized();
}

TEST(ConsoleServer, ShareAllowedMakesASecondViewer) {
  Harness h;
  BusyConsole b(h);
  const auto status = b.ask(kShare, 9, kAllow);
  ASSERT_TRUE(status) << "no share request";
  ASSERT_EQ(*status, kOk);
  EXPECT_TRUE(b.requester.wait_for_screen(h));
  // Both see what the viewer types.
  b.requester.send(keyboard_message(0, 0x04));
  b.requester.send(keyboard_message(0, 0));
  const auto deadline = Clock::now() + kWait;
  while (h.screen_text().find("~# a") == std::string::npos && Clock::now() < deadline)
    b.requester.pump(20ms);
  EXPECT_TRUE(b.requester.wait_for_screen(h));
  EXPECT_TRUE(b.owner.wait_for_screen(h));
  const auto state = h.state();
  EXPECT_NE(find_connection(state, "console", "owner"), nullptr);
  EXPECT_NE(find_connection(state, "console", "viewer"), nullptr);
  EXPECT_EQ(state["console"]["share_allowed"], 1);
}

TEST(ConsoleServer, ShareDeniedGetsQ) {
  Harness h;
  BusyConsole b(h);
  const auto status = b.ask(kShare, 9, kDeny);
  ASSERT_TRUE(status) << "no share request";
  EXPECT_EQ(*status, kDenied);
}

TEST(ConsoleServer, BadBusyAnswerCloses) {
  Harness h;
  BusyConsole b(h, false);
  b.requester.send_raw({0x57, 0x00});
  b.requester.raw.read_to_eof(kWait);
  EXPECT_TRUE(b.requester.raw.eof());
  EXPECT_EQ(h.state()["counters"]["bad_busy_answers"], 1);
}

TEST(ConsoleServer, PhantomOwnerOfTheBusyFaultAllowsASeize) {
  Harness h;
  h.add_fault("busy");
  ConsoleClient c(h.port(), h.login());
  ASSERT_EQ(c.handshake(), kBusy);
  seize_at_once(c, h);
}

// HP's busy dialog waits for a person: the answer to 'S' may take longer than the handshake's
// own timeout (1 s here), up to the busy timeout, which is counted when it closes a client.
TEST(ConsoleServer, BusyAnswerMayTakeLongerThanTheHandshakeTimeout) {
  SimConfig config = test_config();
  config.busy_timeout_ms = 5000;
  ConsoleServerOptions options;
  options.handshake_timeout = 1s;
  Harness h(config, options);
  h.add_fault("busy");
  ConsoleClient c(h.port(), h.login());
  ASSERT_EQ(c.handshake(), kBusy);
  std::this_thread::sleep_for(2s);  // the person reads the dialog
  EXPECT_TRUE(c.raw.read_some(10ms).empty());
  EXPECT_FALSE(c.raw.eof());
  EXPECT_EQ(h.state()["counters"]["handshake_timeouts"], 0);
  seize_at_once(c, h);
}

TEST(ConsoleServer, BusyTimeoutClosesASilentClientAndIsCounted) {
  SimConfig config = test_config();
  config.busy_timeout_ms = 500;
  Harness h(config);
  h.add_fault("busy");
  ConsoleClient c(h.port(), h.login());
  const auto asked = Clock::now();
  ASSERT_EQ(c.handshake(), kBusy);
  c.raw.read_to_eof(kWait);
  EXPECT_TRUE(c.raw.eof());
  const auto waited = Clock::now() - asked;
  EXPECT_GE(waited, 450ms);
  EXPECT_LT(waited, 2500ms);
  EXPECT_EQ(h.state()["counters"]["handshake_timeouts"], 1);
  EXPECT_EQ(h.state()["counters"]["busy"], 1);
}

TEST(ConsoleServer, BusyTimeoutDefaultsToAMinute) { EXPECT_EQ(SimConfig{}.busy_timeout_ms, 60000); }

// ---- Command connection --------------------------------------------------------------------

TEST(ConsoleServer, CommandConnectionSendsStatusRecords) {
  Harness h;  // frame interval 20 ms: power at 200 ms, type 16 at 240 ms, health 200 ms later
  const WebSession s = h.login();
  CommandClient cmd(h.port(), s);
  ASSERT_EQ(cmd.status, Bytes{kOk});
  auto power = cmd.next();
  ASSERT_TRUE(power);
  EXPECT_EQ(power->type, 3u);
  EXPECT_EQ(power->payload, Bytes{1});
  auto type16 = cmd.next();
  ASSERT_TRUE(type16);
  EXPECT_EQ(type16->type, 16u);
  EXPECT_EQ(type16->payload, Bytes(8, 0));
  auto health = cmd.next();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->type, 4u);
  EXPECT_EQ(health->payload, Bytes{0});
  // A power change is reported at once.
  ConsoleClient c(h.port(), s);
  ASSERT_EQ(c.handshake(), kOk);
  c.send(power_message(1));
  auto off = cmd.next_of_type(3);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->payload, Bytes{0});
  // Anything but a 4-byte answer closes it.
  cmd.raw.write(Bytes{0x01, 0x02, 0x03, 0x04});
  cmd.raw.read_to_eof(kWait);
  EXPECT_TRUE(cmd.raw.eof());
}

// ---- Replay --------------------------------------------------------------------------------

TEST(ConsoleServer, ReplayServesTheRecordingAndDecryptsInputWithItsKey) {
  const std::string key = "bbAcD834680DDca9DE65269512BDdEC2";  // the capture's enc_key
  SimConfig config = test_config();
  config.replay_path = std::string(ILOFS_FIXTURES) + "/rc-server.bin";
  config.replay_key = key;
  Harness h(config, {}, [&](SimContext& ctx) { ctx.sessions.set_fixed_enc_key(key); });
  const Bytes recording = fixture("rc-server.bin");
  ASSERT_EQ(recording.size(), 40182u);

  ConsoleClient c(h.port(), h.login());
  ASSERT_EQ(c.handshake(), kOk);
  ASSERT_TRUE(c.pump_until([&] { return c.stream_bytes >= recording.size() - 2; }, 5s));
  EXPECT_EQ(c.stream_bytes, recording.size() - 2);
  ASSERT_TRUE(screen_mode_is(c, 1360, 768));
  EXPECT_EQ(c.decoder.health(), rc::DecoderHealth::healthy);

  // HP's client input recorded against a replay of this session, RC4 from its first byte:
  // power reset, Ctrl-Alt-Del (which reboots the machine again at its next tick), 4 pointer
  // reports, then A b 1 Enter: 13 keyboard reports, 5 of them pressing a new key.
  const auto before = h.on_io([&] {
    return std::pair(h.ctx().machine.boots(), h.ctx().machine.keys_typed());
  });
  c.send_raw(fixture("hp-client-input/client-to-server.bin"));
  const auto deadline = Clock::now() + kWait;
  while (h.state()["connections"][0]["input"]["keyboard"] != 13 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  const auto state = h.state();
  EXPECT_EQ(state["connections"][0]["input"]["power"], 1);
  EXPECT_EQ(state["connections"][0]["input"]["keyboard"], 13);
  EXPECT_EQ(state["connections"][0]["input"]["pointer"], 4);
  EXPECT_EQ(state["connections"][0]["phase"], "replay");
  const auto machine = [&] {
    return h.on_io([&] {
      return std::pair(h.ctx().machine.boots(), h.ctx().machine.keys_typed());
    });
  };
  const auto until = Clock::now() + kWait;
  while (machine().first < before.first + 2 && Clock::now() < until)
    std::this_thread::sleep_for(20ms);
  const auto after = machine();
  EXPECT_EQ(after.first, before.first + 2);
  EXPECT_EQ(after.second, before.second + 5);
}

// load_replay() says which of the four things is wrong, once, before anything listens.
TEST(ConsoleServer, LoadReplayNamesWhatIsWrongWithTheRecording) {
  asio::io_context io;
  const std::string recording = std::string(ILOFS_FIXTURES) + "/rc-server.bin";
  const std::string key = "bbAcD834680DDca9DE65269512BDdEC2";
  const auto load = [&](const std::string& path, const std::string& replay_key,
                        ConsoleServerOptions options = {}) {
    SimConfig config = test_config();
    config.replay_path = path;
    config.replay_key = replay_key;
    SimContext ctx(std::move(config), Clock::now());
    ConsoleServer server(io, ctx, options);
    const std::error_code first = server.load_replay();
    // Loading again (as listen() does) neither repeats the work nor changes the verdict.
    if (!first) {
      EXPECT_FALSE(server.load_replay());
    }
    return first;
  };
  EXPECT_FALSE(load(recording, key));
  EXPECT_EQ(load(recording, "not-hex"), ReplayError::bad_key);
  EXPECT_EQ(load(recording + ".missing", key), ReplayError::unreadable);
  ConsoleServerOptions small;
  small.max_replay_bytes = 1000;  // the recording has 40182 bytes
  EXPECT_EQ(load(recording, key, small), ReplayError::too_large);
  // The client's side of a session is not a server recording: it does not start with P R.
  EXPECT_EQ(load(std::string(ILOFS_FIXTURES) + "/hp-client-input/client-to-server.bin", key),
            ReplayError::not_a_recording);
  EXPECT_TRUE(std::error_code(ReplayError::too_large) == std::errc::file_too_large);
}

// ---- Lifetime ------------------------------------------------------------------------------

TEST(ConsoleServer, StopClosesEveryConnection) {
  Harness h;
  const WebSession s = h.login();
  ConsoleClient c(h.port(), s);
  ASSERT_EQ(c.handshake(), kOk);
  CommandClient cmd(h.port(), s);
  RawClient idle(h.port());  // still in the handshake
  EXPECT_EQ(idle.read_exact(1, kWait), Bytes{kHello});
  EXPECT_EQ(h.state()["connections"].size(), 3u);
  h.stop();
  c.raw.read_to_eof(kWait);
  cmd.raw.read_to_eof(kWait);
  idle.read_to_eof(kWait);
  EXPECT_TRUE(c.raw.eof());
  EXPECT_TRUE(cmd.raw.eof());
  EXPECT_TRUE(idle.eof());
  EXPECT_FALSE(h.state()["listening"]);
}

}  // namespace
}  // namespace ilo::sim
