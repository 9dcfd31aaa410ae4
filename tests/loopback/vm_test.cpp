// Virtual media over real TCP on 127.0.0.1: the client's VmSession serving ISO images made by
// xorriso at test time to ilo-sim's VmServer in the same process (server and client each on
// their own io_context thread). Covers enumeration, whole-disc reads checked by SHA-256, medium
// change, eject, reconnection after a dropped connection, refusals, keep-alives, medium errors;
// and the floppy/USB-key drive beside the CD: writes through the protocol into a file,
// write protection, a drop in the middle of a WRITE's data-out.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bytes/hex.hpp"
#include "media/file_medium.hpp"
#include "media/writable_file_medium.hpp"
#include "net/vm_session.hpp"
#include "sim/sim_context.hpp"
#include "sim/vm_server.hpp"
#include "vm/sha256.hpp"
#include "vm/vm_error.hpp"

namespace ilo {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- ISO images, made once per process ----

struct Iso {
  fs::path path;
  std::string volume_id;
  std::uint64_t size = 0;
  std::string sha256;  // hex of the whole file
};

std::string sha256_of_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  vm::Sha256 sha;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    sha.update(std::span(reinterpret_cast<const std::uint8_t*>(buf.data()), n));
  }
  return to_hex(sha.finish());
}

void write_random_file(const fs::path& path, std::size_t bytes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> words((bytes + 7) / 8);
  for (auto& w : words) w = rng();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(words.data()), static_cast<std::streamsize>(bytes));
}

class Images {
 public:
  static Images& get() {
    static Images images;
    return images;
  }
  const Iso& one() const { return one_; }
  const Iso& two() const { return two_; }
  const fs::path& dir() const { return dir_; }

 private:
  Images() {
    if (std::system("command -v xorriso >/dev/null 2>&1") != 0) {
      std::fprintf(stderr, "SKIP: xorriso is not installed (apt-get install xorriso); "
                           "the virtual-media loopback test needs it to build ISO images\n");
      std::exit(77);
    }
    std::string tmpl = (fs::temp_directory_path() / "ilofs-vm-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::fprintf(stderr, "cannot create a temporary directory\n");
      std::exit(1);
    }
    dir_ = tmpl;
    one_ = make("ILOFS_ONE", 1, {3'000'000, 2'000'000, 1'234'567});
    two_ = make("ILOFS_TWO", 2, {2'500'000, 777'777});
  }
  ~Images() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Iso make(const std::string& volume_id, std::uint64_t seed, std::vector<std::size_t> sizes) {
    const fs::path tree = dir_ / (volume_id + "-files");
    fs::create_directories(tree / "sub");
    for (std::size_t i = 0; i < sizes.size(); ++i)
      write_random_file(tree / (i % 2 ? "sub" : ".") / ("f" + std::to_string(i) + ".bin"),
                        sizes[i], seed * 100 + i);
    Iso iso;
    iso.path = dir_ / (volume_id + ".iso");
    iso.volume_id = volume_id;
    const std::string cmd = "xorriso -as mkisofs -quiet -V " + volume_id + " -o '" +
                            iso.path.string() + "' '" + tree.string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0 || !fs::exists(iso.path)) {
      std::fprintf(stderr, "xorriso failed: %s\n", cmd.c_str());
      std::exit(1);
    }
    iso.size = fs::file_size(iso.path);
    iso.sha256 = sha256_of_file(iso.path);
    return iso;
  }

  fs::path dir_;
  Iso one_, two_;
};

std::shared_ptr<const vm::Medium> open_medium(const Iso& iso,
                                              std::optional<std::uint64_t> size = std::nullopt) {
  std::error_code ec;
  auto m = media::FileMedium::open(iso.path.string(), ec, size);
  EXPECT_FALSE(ec) << ec.message();
  return m;
}

// ---- Observer: records events from the client's strand ----

class Recorder : public net::VmSessionObserver {
 public:
  void on_connected(vm::ProtocolVersion v) override {
    std::lock_guard lock(mutex_);
    ++connected;
    version = v;
    cv_.notify_all();
  }
  void on_disconnected(std::error_code reason, bool will_reconnect) override {
    std::lock_guard lock(mutex_);
    disconnects.push_back({reason, will_reconnect});
    cv_.notify_all();
  }
  void on_eject_requested() override {
    std::lock_guard lock(mutex_);
    ++ejects;
    cv_.notify_all();
  }
  void on_stopped(std::error_code reason) override {
    std::lock_guard lock(mutex_);
    stopped = true;
    stop_reason = reason;
    cv_.notify_all();
  }
  bool wait(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, done);
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  int connected = 0;
  vm::ProtocolVersion version{};
  std::vector<std::pair<std::error_code, bool>> disconnects;
  int ejects = 0;
  bool stopped = false;
  std::error_code stop_reason;
};

// ---- The harness: ilo-sim's VM port and client sessions ----

class VmLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    Images::get();  // exits 77 without xorriso
    ctx_ = std::make_unique<sim::SimContext>(sim::SimConfig{}, Clock::now());
    sim::WebSession ws;
    ASSERT_EQ(ctx_->sessions.login(ctx_->config.user, ctx_->config.password, Clock::now(), ws),
              sim::LoginResult::ok);
    session_key_ = ws.session_key;
    enc_key_ = ws.enc_key;
  }

  // Starts the server; faults must be added to ctx_->faults before.
  void start_server(sim::VmServerOptions options = {}) {
    server_ = std::make_unique<sim::VmServer>(server_io_, *ctx_, options);
    ASSERT_FALSE(server_->listen({asio::ip::make_address("127.0.0.1"), 0}));
    server_thread_ = std::thread([this] { server_io_.run(); });
    client_thread_ = std::thread([this] { client_io_.run(); });
  }

  void TearDown() override {
    for (auto& s : sessions_) s->stop();
    for (auto& r : recorders_) EXPECT_TRUE(r->wait([&] { return r->stopped; }, 5s));
    if (server_) on_server([this] { server_->stop(); return 0; });
    client_guard_.reset();
    server_guard_.reset();
    if (client_thread_.joinable()) client_thread_.join();
    if (server_thread_.joinable()) server_thread_.join();
    sessions_.clear();
    server_.reset();
  }

  net::VmSessionOptions client_options() const {
    net::VmSessionOptions o;
    o.host = "127.0.0.1";
    o.port = server_->port();
    o.credentials.session_key = session_key_;
    o.credentials.enc_key = enc_key_;
    o.credentials.generation = 1;
    o.encrypt_vmkey = true;  // the default optional_features carry ENCRYPT_VMKEY
    o.policy.backoff_initial = 50ms;
    o.policy.connect_timeout = 5s;
    o.policy.handshake_timeout = 5s;
    return o;
  }

  // A client (default options) that inserts `iso`; the test waits for the volume.
  std::shared_ptr<net::VmSession> client_inserting(const Iso& iso, Recorder*& rec) {
    return client_inserting(iso, rec, client_options());
  }
  std::shared_ptr<net::VmSession> client_inserting(const Iso& iso, Recorder*& rec,
                                                   net::VmSessionOptions o) {
    auto session = client(std::move(o), rec);
    session->insert(open_medium(iso));
    return session;
  }

  // A server (polling every 10 s) with `fault`, and a client that inserts `iso`; returns once
  // the server sees the volume.
  void serve_with_fault(const std::string& fault, const Iso& iso, Recorder*& rec,
                        std::shared_ptr<net::VmSession>& session) {
    std::string error;
    ASSERT_TRUE(ctx_->faults.add(fault, error)) << error;
    start_server({.poll_interval = 10s});
    session = client_inserting(iso, rec);
    ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();
  }

  std::shared_ptr<net::VmSession> client(net::VmSessionOptions o, Recorder*& rec) {
    recorders_.push_back(std::make_shared<Recorder>());
    rec = recorders_.back().get();
    sessions_.push_back(net::VmSession::create(client_io_.get_executor(), std::move(o),
                                               recorders_.back()));
    return sessions_.back();
  }

  // Runs f on the server's thread and returns its result.
  template <typename F>
  auto on_server(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(server_io_, [&task] { task(); });
    if (result.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "server thread did not answer";
      std::abort();
    }
    return result.get();
  }

  nlohmann::json state() {
    return on_server([this] { return server_->state(); });
  }

  // Polls `read()` every 10 ms until `pred` holds of it; false after `timeout`.
  static bool wait_json(const std::function<nlohmann::json()>& read,
                        const std::function<bool(const nlohmann::json&)>& pred,
                        std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    for (;;) {
      if (pred(read())) return true;
      if (Clock::now() > until) return false;
      std::this_thread::sleep_for(10ms);
    }
  }

  // Polls the server state until `pred` holds; false after `timeout`.
  bool wait_state(const std::function<bool(const nlohmann::json&)>& pred,
                  std::chrono::milliseconds timeout = 10s) {
    return wait_json([this] { return state(); }, pred, timeout);
  }

  bool wait_volume(const std::string& volume_id) {
    return wait_state([&](const nlohmann::json& s) {
      return s["connected"] == true && s["medium_present"] == true && s["volume_id"] == volume_id;
    });
  }

  // Starts a whole-disc read and waits for the next completed one; returns its SHA-256.
  std::string read_all() {
    const auto before = state()["reads_completed"].get<std::uint64_t>();
    EXPECT_TRUE(on_server([this] { return server_->start_read_all(); }));
    EXPECT_TRUE(wait_state([&](const nlohmann::json& s) {
      return s["reads_completed"].get<std::uint64_t>() > before;
    })) << state().dump();
    const auto s = state();
    return s["last_read_sha256"].is_string() ? s["last_read_sha256"].get<std::string>() : "";
  }

  nlohmann::json usb_state() {
    return on_server([this] { return server_->usb().state(server_->port()); });
  }
  bool wait_usb(const std::function<bool(const nlohmann::json&)>& pred,
                std::chrono::milliseconds timeout = 10s) {
    return wait_json([this] { return usb_state(); }, pred, timeout);
  }
  // Writes through the simulator's USB initiator and waits for the outcome.
  sim::UsbWriteOutcome usb_write(std::uint32_t lba, std::vector<std::uint8_t> data) {
    auto promise = std::make_shared<std::promise<sim::UsbWriteOutcome>>();
    auto future = promise->get_future();
    on_server([&] {
      server_->usb().write(lba, std::move(data),
                           [promise](sim::UsbWriteOutcome o) { promise->set_value(o); });
      return 0;
    });
    if (future.wait_for(15s) != std::future_status::ready) {
      ADD_FAILURE() << "no write outcome";
      return {};
    }
    return future.get();
  }

  std::string status_row() {
    return on_server([this] { return ctx_->machine.console().text_rows().back(); });
  }

  asio::io_context server_io_, client_io_;
  asio::executor_work_guard<asio::io_context::executor_type> server_guard_ =
      asio::make_work_guard(server_io_);
  asio::executor_work_guard<asio::io_context::executor_type> client_guard_ =
      asio::make_work_guard(client_io_);
  std::unique_ptr<sim::SimContext> ctx_;
  std::unique_ptr<sim::VmServer> server_;
  std::thread server_thread_, client_thread_;
  std::vector<std::shared_ptr<Recorder>> recorders_;
  std::vector<std::shared_ptr<net::VmSession>> sessions_;
  std::string session_key_, enc_key_;
};

TEST_F(VmLoopback, EnumeratesAndReadsTheWholeDisc) {
  start_server();
  const Iso& iso = Images::get().one();
  Recorder* rec = nullptr;
  auto session = client_inserting(iso, rec);

  ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();
  EXPECT_TRUE(rec->wait([&] { return rec->connected == 1; }));
  EXPECT_EQ(rec->version, (vm::ProtocolVersion{1, 0}));
  auto s = state();
  EXPECT_EQ(s["capacity_bytes"], (iso.size + 2047) / 2048 * 2048);
  EXPECT_EQ(s["capacity_blocks"], (iso.size + 2047) / 2048);
  EXPECT_NE(status_row().find("CD-ROM: " + iso.volume_id), std::string::npos) << status_row();

  EXPECT_EQ(read_all(), iso.sha256);
  s = state();
  EXPECT_EQ(s["violations"], 0) << s.dump();
  EXPECT_EQ(s["bytes_read"], (iso.size + 2047) / 2048 * 2048);
  EXPECT_TRUE(session->connected());
  const auto c = session->counters();
  EXPECT_EQ(c.connects, 1u);
  EXPECT_GE(c.reads, (iso.size + 2047) / 2048 / 64);
  EXPECT_EQ(c.medium_errors, 0u);
  // Sequential READs after the first are served from the read-ahead buffer.
  EXPECT_GE(c.read_ahead_hits + 2, c.reads - 2) << c.reads;
}

TEST_F(VmLoopback, MachineBootReadsTheDisc) {
  start_server();
  const Iso& iso = Images::get().one();
  Recorder* rec = nullptr;
  auto session = client_inserting(iso, rec);
  ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();

  on_server([this] {
    ctx_->machine.power(sim::PowerAction::reset, Clock::now());
    return 0;
  });
  // The machine runs its POST (ticked here as the Simulator does), asks for the CD-ROM boot,
  // the server reads the disc, then the machine goes on to its prompt.
  ASSERT_TRUE(wait_state([this](const nlohmann::json& s) {
    return on_server([this] {
      ctx_->machine.tick(Clock::now());
      return ctx_->machine.phase() == sim::PowerPhase::running;
    }) && s["reads_completed"] == 1;
  })) << state().dump();
  EXPECT_EQ(state()["last_read_sha256"], iso.sha256);
  const auto rows = on_server([this] { return ctx_->machine.console().text_rows(); });
  std::string text;
  for (const auto& r : rows) text += r + "\n";
  // In order: the POST banner, the boot device, the read, its result, the OS and its prompt.
  std::size_t at = 0;
  for (const std::string& line :
       {std::string("HPE ProLiant"), std::string("Press F9"), std::string("Booting from CD-ROM..."),
        "Virtual CD-ROM: reading " + iso.volume_id, std::string("50% read"),
        "SHA-256 " + iso.sha256, std::string("ilo-sim simulated Linux console"),
        std::string("root@ilo-sim:~#")}) {
    const auto found = text.find(line, at);
    ASSERT_NE(found, std::string::npos) << line << " after offset " << at << " in\n" << text;
    at = found + line.size();
  }
  EXPECT_EQ(text.find("first boot device"), std::string::npos) << text;
}

TEST_F(VmLoopback, MediumChangeEjectAndReinsert) {
  start_server({.poll_interval = 100ms});
  const Iso& one = Images::get().one();
  const Iso& two = Images::get().two();
  Recorder* rec = nullptr;
  auto session = client(client_options(), rec);
  session->insert(open_medium(one));
  ASSERT_TRUE(wait_volume(one.volume_id)) << state().dump();
  EXPECT_EQ(read_all(), one.sha256);

  // Another image on the live connection (docs/virtual-media.md#changing-the-medium): the server's
  // poll sees NEW MEDIA.
  session->insert(open_medium(two));
  ASSERT_TRUE(wait_volume(two.volume_id)) << state().dump();
  EXPECT_EQ(state()["connections"], 1);
  EXPECT_EQ(read_all(), two.sha256);
  EXPECT_EQ(state()["capacity_blocks"], (two.size + 2047) / 2048);

  // Unmount: DISCONNECT, the server forgets the drive; mount again: a new connection.
  session->eject();
  ASSERT_TRUE(wait_state([](const nlohmann::json& s) { return s["connected"] == false; }));
  EXPECT_EQ(state()["last_close_reason"], "client sent DISCONNECT");
  EXPECT_NE(status_row().find("CD-ROM: no disc"), std::string::npos) << status_row();
  session->insert(open_medium(one));
  ASSERT_TRUE(wait_volume(one.volume_id)) << state().dump();
  EXPECT_EQ(read_all(), one.sha256);
  const auto s = state();
  EXPECT_EQ(s["connections"], 2);
  EXPECT_EQ(s["reconnects"], 0);
  EXPECT_EQ(s["violations"], 0) << s.dump();
  EXPECT_EQ(session->counters().connects, 2u);
}

// The real machine's path (ilo-sim --machine qemu): the listener hears of each disc, and
// block ranges are read on demand through the same connection, exactly the image's bytes.
TEST_F(VmLoopback, ReadBlocksAndDiscEventsForARealMachine) {
  start_server({.poll_interval = 100ms});
  std::mutex m;
  std::vector<std::pair<bool, std::uint64_t>> events;
  on_server([&] {
    server_->set_disc_listener([&](bool present, std::uint64_t blocks) {
      std::lock_guard lock(m);
      events.emplace_back(present, blocks);
    });
    return 0;
  });
  const auto seen = [&] {
    std::lock_guard lock(m);
    return events;
  };
  // Reads `count` blocks at `lba` through the server; nullopt when it says the read failed.
  const auto read = [&](std::uint64_t lba, std::uint32_t count) {
    auto promise = std::make_shared<std::promise<std::optional<std::vector<std::uint8_t>>>>();
    auto future = promise->get_future();
    on_server([&] {
      server_->read_blocks(lba, count, [promise](bool ok, std::span<const std::uint8_t> data) {
        promise->set_value(ok ? std::optional(std::vector(data.begin(), data.end()))
                              : std::nullopt);
      });
      return 0;
    });
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  };
  const auto file_bytes = [](const Iso& iso, std::uint64_t offset, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    const int fd = ::open(iso.path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_EQ(::pread(fd, out.data(), n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
    ::close(fd);
    return out;
  };

  EXPECT_FALSE(read(0, 1));  // no connection yet
  const Iso& one = Images::get().one();
  const Iso& two = Images::get().two();
  const std::uint64_t blocks_one = (one.size + 2047) / 2048;
  const std::uint64_t blocks_two = (two.size + 2047) / 2048;
  Recorder* rec = nullptr;
  auto session = client(client_options(), rec);
  session->insert(open_medium(one));
  ASSERT_TRUE(wait_volume(one.volume_id)) << state().dump();
  ASSERT_TRUE(wait_state([&](const nlohmann::json&) { return !seen().empty(); }));
  EXPECT_EQ(seen(), (std::vector<std::pair<bool, std::uint64_t>>{{true, blocks_one}}));

  const auto pvd = read(16, 64);
  ASSERT_TRUE(pvd);
  EXPECT_EQ(*pvd, file_bytes(one, 16 * 2048, 64 * 2048));
  EXPECT_FALSE(read(blocks_one - 1, 2));  // past the end: refused, the connection stays
  const auto last = read(blocks_one - 1, 1);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->size(), 2048u);

  session->insert(open_medium(two));  // a new disc: gone, then present with its size
  ASSERT_TRUE(wait_volume(two.volume_id)) << state().dump();
  ASSERT_TRUE(wait_state([&](const nlohmann::json&) { return seen().size() >= 3; }));
  EXPECT_EQ(seen(), (std::vector<std::pair<bool, std::uint64_t>>{
                        {true, blocks_one}, {false, 0}, {true, blocks_two}}));
  session->eject();
  ASSERT_TRUE(wait_state([&](const nlohmann::json&) { return seen().size() >= 4; }));
  EXPECT_EQ(seen().back(), (std::pair<bool, std::uint64_t>{false, 0}));
  EXPECT_EQ(state()["violations"], 0) << state().dump();
  on_server([&] {
    server_->set_disc_listener(nullptr);
    return 0;
  });
}

TEST_F(VmLoopback, ServerEjectClosesTheConnectionAndTellsTheObserver) {
  start_server({.poll_interval = 10s});
  const Iso& iso = Images::get().two();
  Recorder* rec = nullptr;
  auto session = client_inserting(iso, rec);
  ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();

  EXPECT_TRUE(on_server([this] { return server_->eject_medium(); }));
  ASSERT_TRUE(rec->wait([&] { return rec->ejects == 1 && !rec->disconnects.empty(); }));
  ASSERT_TRUE(wait_state([](const nlohmann::json& s) { return s["connected"] == false; }));
  EXPECT_EQ(state()["last_close_reason"], "client closed the connection after the eject");
  {
    std::lock_guard lock(rec->mutex_);
    EXPECT_FALSE(rec->disconnects.back().first);   // no error
    EXPECT_FALSE(rec->disconnects.back().second);  // no reconnection: the disc is out
  }
  EXPECT_FALSE(session->connected());

  // Inserting again mounts anew; that is not a reconnection.
  session->insert(open_medium(iso));
  ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();
  EXPECT_EQ(state()["connections"], 2);
  EXPECT_EQ(state()["reconnects"], 0);
  EXPECT_EQ(state()["violations"], 0);
}

TEST_F(VmLoopback, ReconnectsAfterADropInTheMiddleOfARead) {
  // Server-to-client bytes: the 4-byte accept, 6 enumeration requests (TEST UNIT READY twice,
  // READ CAPACITY, READ TOC, GESN, READ of block 16), then 12 per READ: byte 316 falls in the
  // 21st of about 50 READs.
  const Iso& iso = Images::get().one();
  Recorder* rec = nullptr;
  std::shared_ptr<net::VmSession> session;
  ASSERT_NO_FATAL_FAILURE(serve_with_fault("drop:vm:316", iso, rec, session));

  EXPECT_EQ(read_all(), iso.sha256);
  const auto s = state();
  EXPECT_EQ(s["connections"], 2) << s.dump();
  EXPECT_EQ(s["reconnects"], 1);
  EXPECT_EQ(s["violations"], 0) << s.dump();
  EXPECT_EQ(session->counters().reconnects, 1u);
  std::lock_guard lock(rec->mutex_);
  ASSERT_FALSE(rec->disconnects.empty());
  EXPECT_TRUE(rec->disconnects.front().second);  // will reconnect
  EXPECT_TRUE(rec->disconnects.front().first);   // with the socket's error
}

// Garbage where the connect response belongs (the first two connections, from their first
// byte) is no refusal: the session backs off and retries as after a drop, and the third
// connection serves the disc (issue 12: the CD link used to stay down after one such answer).
TEST_F(VmLoopback, GarbageConnectResponseIsRetriedLikeADrop) {
  const Iso& iso = Images::get().one();
  Recorder* rec = nullptr;
  std::shared_ptr<net::VmSession> session;
  ASSERT_NO_FATAL_FAILURE(serve_with_fault("garbage:vm:0:2", iso, rec, session));
  EXPECT_EQ(read_all(), iso.sha256);
  EXPECT_EQ(state()["connections"], 3) << state().dump();
  std::lock_guard lock(rec->mutex_);
  EXPECT_FALSE(rec->stopped);
  EXPECT_EQ(rec->connected, 1);
  ASSERT_EQ(rec->disconnects.size(), 2u);
  for (const auto& [reason, will_reconnect] : rec->disconnects) {
    EXPECT_TRUE(will_reconnect) << reason.message();
    EXPECT_EQ(reason, vm::VmError::unexpected_response) << reason.message();
  }
}

TEST_F(VmLoopback, WrongKeyIsRefusedWithAClearError) {
  start_server();
  auto o = client_options();
  o.credentials.session_key = std::string(32, 'a');  // well-formed, not a live session
  Recorder* rec = nullptr;
  auto session = client_inserting(Images::get().one(), rec, o);
  ASSERT_TRUE(rec->wait([&] { return rec->stopped; }));
  EXPECT_EQ(rec->stop_reason, vm::VmError::auth_failed);
  const std::string text = rec->stop_reason.message();
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.find(std::string(32, 'a')), std::string::npos);
  EXPECT_EQ(text.find(enc_key_), std::string::npos);
  EXPECT_EQ(rec->connected, 0);
  EXPECT_EQ(state()["refused"]["auth"], 1);
  EXPECT_EQ(state()["connected"], false);
}

// With an on_stale_keys hook the refusal (0x22) asks for a renewal instead of ending: the
// session retries with the keys set_credentials() gave meanwhile, the medium still inserted.
TEST_F(VmLoopback, StaleKeyAsksForRenewalAndRetries) {
  start_server();
  auto o = client_options();
  const net::VmCredentials good = o.credentials;
  o.credentials.session_key = std::string(32, 'a');
  o.policy.backoff_initial = 300ms;
  struct Stale {  // shared: the session (the fixture's) may outlive this test body
    std::mutex mutex;
    std::vector<std::uint64_t> generations;
  };
  auto stale = std::make_shared<Stale>();
  o.on_stale_keys = [stale](std::uint64_t generation) {
    std::lock_guard lock(stale->mutex);
    stale->generations.push_back(generation);
  };
  Recorder* rec = nullptr;
  auto session = client_inserting(Images::get().one(), rec, o);
  ASSERT_TRUE(rec->wait([&] { return !rec->disconnects.empty(); }));
  auto renewed = good;
  renewed.generation = 2;
  session->set_credentials(renewed);
  ASSERT_TRUE(rec->wait([&] { return rec->connected == 1; }));
  {
    std::lock_guard lock(rec->mutex_);
    EXPECT_FALSE(rec->stopped);
    EXPECT_EQ(rec->disconnects.front().first, vm::VmError::auth_failed);
    EXPECT_TRUE(rec->disconnects.front().second);  // will retry
  }
  {
    std::lock_guard lock(stale->mutex);
    ASSERT_FALSE(stale->generations.empty());
    for (const auto g : stale->generations) EXPECT_EQ(g, 1u);
  }
  EXPECT_GE(state()["refused"]["auth"].get<int>(), 1);
  session->stop();
  ASSERT_TRUE(rec->wait([&] { return rec->stopped; }));
}

TEST_F(VmLoopback, PlainKeyIsRefusedWhenEncryptVmkeyIsAdvertised) {
  start_server();
  auto o = client_options();
  o.encrypt_vmkey = false;  // the right key, but not XOR-ed as ENCRYPT_VMKEY requires
  Recorder* rec = nullptr;
  auto session = client_inserting(Images::get().one(), rec, o);
  ASSERT_TRUE(rec->wait([&] { return rec->stopped; }));
  EXPECT_EQ(rec->stop_reason, vm::VmError::auth_failed);
}

TEST_F(VmLoopback, SecondConnectionIsBusy) {
  start_server();
  const Iso& iso = Images::get().one();
  Recorder* first = nullptr;
  auto a = client(client_options(), first);
  a->insert(open_medium(iso));
  ASSERT_TRUE(wait_volume(iso.volume_id));

  Recorder* second = nullptr;
  auto b = client(client_options(), second);
  b->insert(open_medium(Images::get().two()));
  ASSERT_TRUE(second->wait([&] { return second->stopped; }));
  EXPECT_EQ(second->stop_reason, vm::VmError::device_busy);
  EXPECT_FALSE(second->stop_reason.message().empty());
  EXPECT_EQ(state()["refused"]["busy"], 1);
  // The first connection is unaffected.
  EXPECT_TRUE(a->connected());
  EXPECT_EQ(read_all(), iso.sha256);
}

TEST_F(VmLoopback, KeepAlivesWhileIdle) {
  start_server({.poll_interval = 10s});
  auto o = client_options();
  o.keep_alive_interval = 200ms;
  Recorder* rec = nullptr;
  auto session = client_inserting(Images::get().two(), rec, o);
  ASSERT_TRUE(wait_volume(Images::get().two().volume_id));
  ASSERT_TRUE(wait_state([](const nlohmann::json& s) { return s["keep_alives"] >= 2; }, 3s))
      << state().dump();
  // The client counts a keep-alive once its write completed, which may be after the server
  // read it.
  const auto until = Clock::now() + 2s;
  while (session->counters().keep_alives < 2 && Clock::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_GE(session->counters().keep_alives, 2u);
  EXPECT_EQ(state()["violations"], 0);
  // Still serving after the keep-alives.
  EXPECT_EQ(read_all(), Images::get().two().sha256);
}

// ilo-sim's default poll (every 500 ms) talks to an idle client before its keep-alive is due
// (after 1 s of silence, as Java's); with --vm-poll-interval 3000 the client's own keep-alives
// are exercised and counted.
TEST_F(VmLoopback, KeepAlivesOfAnIdleClientWithALongPollInterval) {
  sim::SimConfig config;
  config.vm_poll_interval_ms = 3000;
  start_server(sim::VmServerOptions::from(config));
  EXPECT_EQ(state()["poll_interval_ms"], 3000);
  auto o = client_options();
  o.keep_alive_interval = 1s;
  Recorder* rec = nullptr;
  auto session = client_inserting(Images::get().two(), rec, o);
  ASSERT_TRUE(wait_volume(Images::get().two().volume_id));
  ASSERT_TRUE(wait_state([](const nlohmann::json& s) { return s["keep_alives"] >= 2; }, 4s))
      << state().dump();
  EXPECT_EQ(state()["violations"], 0);
  EXPECT_EQ(read_all(), Images::get().two().sha256);
}

TEST_F(VmLoopback, DefaultPollIntervalLeavesNoRoomForKeepAlives) {
  start_server(sim::VmServerOptions::from(sim::SimConfig{}));
  EXPECT_EQ(state()["poll_interval_ms"], 500);
  auto o = client_options();
  o.keep_alive_interval = 1s;
  Recorder* rec = nullptr;
  auto session = client_inserting(Images::get().two(), rec, o);
  ASSERT_TRUE(wait_volume(Images::get().two().volume_id));
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(state()["keep_alives"], 0);
}

TEST_F(VmLoopback, MediumErrorsBecomeSense31000) {
  start_server({.poll_interval = 10s});
  const Iso& iso = Images::get().two();
  Recorder* rec = nullptr;
  auto session = client(client_options(), rec);
  // A medium announced 1 MiB larger than the file (a file still growing): reads past the
  // file's end fail and are answered MEDIUM ERROR.
  session->insert(open_medium(iso, iso.size + (1u << 20)));
  ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();
  EXPECT_TRUE(on_server([this] { return server_->start_read_all(); }));
  ASSERT_TRUE(wait_state([](const nlohmann::json& s) { return s["reads_interrupted"] == 1; }))
      << state().dump();
  EXPECT_EQ(session->counters().medium_errors, 1u);
  EXPECT_EQ(state()["reads_completed"], 0);
  EXPECT_TRUE(session->connected());
}

// ---- The floppy / USB-key drive ----

std::vector<std::uint8_t> blocks_of(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n * 512);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return v;
}

// The file's bytes, read with read(2) (no stream iterators: GCC 12 warns spuriously in them).
std::vector<std::uint8_t> file_bytes(const fs::path& path) {
  std::vector<std::uint8_t> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  std::uint8_t buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + n);
  ::close(fd);
  return out;
}

// A key image of `bytes` (pattern) in the test directory.
fs::path make_key(const std::string& name, std::size_t bytes) {
  const fs::path path = Images::get().dir() / name;
  write_random_file(path, bytes, bytes);
  return path;
}

std::shared_ptr<const vm::Medium> open_key(const fs::path& path, bool read_only = false) {
  std::error_code ec;
  auto m = media::WritableFileMedium::open(path.string(), read_only, ec);
  EXPECT_FALSE(ec) << ec.message();
  return m;
}

net::VmSessionOptions usb_options(net::VmSessionOptions o) {
  o.device = vm::DeviceType::usb_key;
  return o;
}

TEST_F(VmLoopback, UsbKeyBesideTheCdTakesWritesInPlace) {
  start_server({.poll_interval = 10s});
  const Iso& iso = Images::get().one();
  const fs::path key = make_key("beside.img", 4u << 20);  // 4 MiB: device 3 (USB key)
  auto expected = file_bytes(key);
  Recorder* cd_rec = nullptr;
  Recorder* usb_rec = nullptr;
  auto cd = client(client_options(), cd_rec);
  auto usb = client(usb_options(client_options()), usb_rec);
  cd->insert(open_medium(iso));
  usb->insert(open_key(key));
  ASSERT_TRUE(wait_volume(iso.volume_id)) << state().dump();
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["medium_present"] == true; }))
      << usb_state().dump();
  auto u = usb_state();
  EXPECT_EQ(u["device"], "usb-key");
  EXPECT_EQ(u["capacity_bytes"], 4u << 20);
  EXPECT_EQ(u["write_protected"], false);

  const auto data = blocks_of(300, 7);  // more than one 256-block WRITE(10)
  const auto outcome = usb_write(1000, data);
  ASSERT_EQ(outcome.status, sim::UsbWriteOutcome::Status::written) << outcome.detail;
  std::copy(data.begin(), data.end(), expected.begin() + 1000 * 512);
  EXPECT_EQ(file_bytes(key), expected);  // in place, before any flush: same page cache
  u = usb_state();
  EXPECT_EQ(u["bytes_written"], data.size());
  EXPECT_EQ(u["violations"], 0) << u.dump();
  EXPECT_EQ(usb->counters().bytes_written, data.size());

  // The simulator reads the key back: the SHA-256 of the file as it is now.
  const auto before = u["reads_completed"].get<std::uint64_t>();
  EXPECT_TRUE(on_server([this] { return server_->usb().start_read_all(); }));
  ASSERT_TRUE(wait_usb([&](const nlohmann::json& s) {
    return s["reads_completed"].get<std::uint64_t>() > before;
  })) << usb_state().dump();
  vm::Sha256 sha;
  sha.update(expected);
  EXPECT_EQ(usb_state()["last_read_sha256"], to_hex(sha.finish()));
  // The CD went on beside it.
  EXPECT_EQ(read_all(), iso.sha256);
  EXPECT_EQ(state()["violations"], 0);

  // Eject: the key's writes are flushed and the server sees DISCONNECT.
  usb->eject();
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["connected"] == false; }));
  EXPECT_EQ(usb_state()["last_close_reason"], "client sent DISCONNECT");
  EXPECT_EQ(usb->counters().flush_errors, 0u);
}

TEST_F(VmLoopback, SmallImageIsAFloppyAndASecondKeyIsBusy) {
  start_server({.poll_interval = 10s});
  const fs::path key = make_key("floppy.img", 1'474'560);
  Recorder* rec = nullptr;
  auto usb = client(usb_options(client_options()), rec);
  usb->insert(open_key(key));
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["medium_present"] == true; }));
  EXPECT_EQ(usb_state()["device"], "floppy");
  EXPECT_EQ(usb_state()["capacity_blocks"], 2880);
  Recorder* rec2 = nullptr;
  auto o = usb_options(client_options());
  o.policy.max_attempts = 1;
  auto second = client(o, rec2);
  second->insert(open_key(key, true));
  ASSERT_TRUE(rec2->wait([&] { return rec2->stopped; })) << usb_state().dump();
  EXPECT_EQ(rec2->stop_reason, vm::VmError::device_busy);
  EXPECT_EQ(usb_state()["refused"]["busy"], 1);
}

TEST_F(VmLoopback, WriteProtectedKeyRefusesWritesWithDataProtect) {
  start_server({.poll_interval = 10s});
  const fs::path key = make_key("ro.img", 1u << 20);
  const auto original = file_bytes(key);
  Recorder* rec = nullptr;
  auto usb = client(usb_options(client_options()), rec);
  usb->insert(open_key(key, /*read_only=*/true));
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["medium_present"] == true; }));
  EXPECT_EQ(usb_state()["write_protected"], true);
  const auto outcome = usb_write(0, blocks_of(4, 1));
  EXPECT_EQ(outcome.status, sim::UsbWriteOutcome::Status::refused);
  EXPECT_EQ(outcome.sense, vm::sense::kWriteProtected);
  EXPECT_EQ(file_bytes(key), original);
  EXPECT_EQ(usb_state()["last_write_sense"], "072700");
  // Past the end: ILLEGAL REQUEST, LBA out of range (write-protection is checked first, so a
  // writable key is needed).
  Recorder* rec2 = nullptr;
  usb->eject();
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["connected"] == false; }));
  auto rw = client(usb_options(client_options()), rec2);
  rw->insert(open_key(key));
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["medium_present"] == true; }));
  EXPECT_EQ(usb_write(2047, blocks_of(2, 1)).sense, vm::sense::kLbaOutOfRange);
  EXPECT_EQ(file_bytes(key), original);
}

TEST_F(VmLoopback, UsbDropInTheMiddleOfAWriteLosesNothingAcknowledged) {
  // Server-to-client bytes on the usb channel: the 4-byte accept, the enumeration (TEST UNIT
  // READY twice, READ FORMAT CAPACITIES, READ CAPACITY: 48), the first write (12 + 2048),
  // then the second write's request and 1000 of its 4096 data-out bytes.
  std::string error;
  ASSERT_TRUE(ctx_->faults.add("drop:usb:" + std::to_string(4 + 48 + 12 + 2048 + 12 + 1000),
                               error)) << error;
  start_server({.poll_interval = 10s});
  const fs::path key = make_key("drop.img", 1u << 20);
  auto expected = file_bytes(key);
  Recorder* rec = nullptr;
  auto usb = client(usb_options(client_options()), rec);
  usb->insert(open_key(key));
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["medium_present"] == true; }));

  const auto first = blocks_of(4, 3);
  ASSERT_EQ(usb_write(8, first).status, sim::UsbWriteOutcome::Status::written);
  std::copy(first.begin(), first.end(), expected.begin() + 8 * 512);
  const auto second = usb_write(100, blocks_of(8, 9));
  EXPECT_EQ(second.status, sim::UsbWriteOutcome::Status::failed) << second.detail;

  // The client reconnects; the half-sent WRITE was never applied, the first one is there, and
  // the drop made the session flush what it had acknowledged.
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) {
    return s["connected"] == true && s["medium_present"] == true;
  })) << usb_state().dump();
  EXPECT_EQ(file_bytes(key), expected);
  EXPECT_EQ(usb_state()["reconnects"], 1);
  EXPECT_EQ(usb->counters().reconnects, 1u);
  EXPECT_EQ(usb->counters().flush_errors, 0u);
  const auto third = blocks_of(8, 11);
  ASSERT_EQ(usb_write(100, third).status, sim::UsbWriteOutcome::Status::written);
  std::copy(third.begin(), third.end(), expected.begin() + 100 * 512);
  EXPECT_EQ(file_bytes(key), expected);
  EXPECT_EQ(usb_state()["violations"], 0) << usb_state().dump();
}

// A key whose store fails writes (a full or failing disk): wraps a file medium.
class FailingWrites final : public vm::WritableMedium {
 public:
  explicit FailingWrites(std::shared_ptr<const vm::Medium> inner) : inner_(std::move(inner)) {}
  std::uint64_t size() const noexcept override { return inner_->size(); }
  vm::MediumRead read(std::span<std::uint8_t> out, std::uint64_t offset) const noexcept override {
    return inner_->read(out, offset);
  }
  std::error_code write(std::span<const std::uint8_t>, std::uint64_t) const noexcept override {
    return std::make_error_code(std::errc::no_space_on_device);
  }
  std::error_code flush() const noexcept override { return {}; }
  bool read_only() const noexcept override { return false; }

 private:
  std::shared_ptr<const vm::Medium> inner_;
};

TEST_F(VmLoopback, UsbWriteErrorReachesTheServerAsMediumError) {
  start_server({.poll_interval = 10s});
  const fs::path key = make_key("failing.img", 1u << 20);
  Recorder* rec = nullptr;
  auto usb = client(usb_options(client_options()), rec);
  usb->insert(std::make_shared<FailingWrites>(open_key(key)));
  ASSERT_TRUE(wait_usb([](const nlohmann::json& s) { return s["medium_present"] == true; }));
  const auto outcome = usb_write(0, blocks_of(2, 1));
  EXPECT_EQ(outcome.status, sim::UsbWriteOutcome::Status::refused);
  EXPECT_EQ(outcome.sense, vm::sense::kIdCrcOrEccError);  // 3/10/00, never silence
  EXPECT_EQ(usb->counters().write_errors, 1u);
  EXPECT_TRUE(usb->connected());  // the connection goes on
  EXPECT_EQ(usb_state()["violations"], 0);
}

TEST(WritableFileMedium, WritesInPlaceAndHonoursReadOnlyFiles) {
  const fs::path path = make_key("medium.img", 8192);
  auto before = file_bytes(path);
  std::error_code ec;
  auto m = media::WritableFileMedium::open(path.string(), false, ec);
  ASSERT_TRUE(m) << ec.message();
  EXPECT_FALSE(m->read_only());
  const auto data = blocks_of(2, 5);
  EXPECT_FALSE(m->write(data, 4096));
  EXPECT_EQ(m->write(data, 8192 - 512), vm::VmError::write_past_end);
  EXPECT_FALSE(m->flush());
  std::copy(data.begin(), data.end(), before.begin() + 4096);
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(fs::file_size(path), 8192u);
  // A file without write permission is read-only even for root; so is one opened read-only.
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read);
  auto ro = media::WritableFileMedium::open(path.string(), false, ec);
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro->read_only());
  EXPECT_TRUE(ro->write(data, 0));
  fs::permissions(path, fs::perms::owner_all);
  EXPECT_TRUE(media::WritableFileMedium::open(path.string(), true, ec)->read_only());
}

TEST(FileMedium, ReadsPastTheEndAndAnnouncedSizes) {
  const Iso& iso = Images::get().two();
  std::error_code ec;
  auto m = media::FileMedium::open(iso.path.string(), ec);
  ASSERT_TRUE(m) << ec.message();
  EXPECT_EQ(m->size(), iso.size);
  std::vector<std::uint8_t> buf(4096);
  EXPECT_EQ(m->read(buf, iso.size - 100).bytes, 100u);
  EXPECT_EQ(m->read(buf, iso.size).bytes, 0u);
  // Announced larger: the missing tail is a read failure in read_padded, not zeros.
  auto growing = media::FileMedium::open(iso.path.string(), ec, iso.size + 4096);
  ASSERT_TRUE(growing);
  EXPECT_EQ(growing->read(buf, iso.size - 10).bytes, 10u);
  EXPECT_EQ(vm::read_padded(*growing, iso.size - 10, buf), vm::VmError::medium_io);
  EXPECT_FALSE(media::FileMedium::open((Images::get().dir() / "missing.iso").string(), ec));
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace ilo
