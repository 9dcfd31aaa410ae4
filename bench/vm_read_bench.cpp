// Virtual-media read throughput: a 1 GiB image served by the client's VmSession to ilo-sim's
// VmServer over loopback TCP (whole-disc reads of 64 blocks, hashing off), against the baseline
// of pread()ing the same file from the page cache in the same 128 KiB requests. Prints both
// rates and their ratio. Not a disk benchmark: the image is in the page cache for both.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "media/file_medium.hpp"
#include "net/vm_session.hpp"
#include "sim/sim_context.hpp"
#include "sim/vm_server.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kImageSize = std::uint64_t{1} << 30;  // 1 GiB
constexpr std::size_t kRequestSize = 64 * 2048;               // 128 KiB, one 64-block READ

// The image file: made once per process in a temporary directory, removed at exit.
class Image {
 public:
  static Image& get() {
    static Image image;
    return image;
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  Image() {
    std::string tmpl = (fs::temp_directory_path() / "ilofs-vm-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    dir_ = tmpl;
    path_ = (dir_ / "image.bin").string();
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::perror("open");
      std::exit(1);
    }
    std::vector<std::uint64_t> chunk((std::size_t{4} << 20) / 8);
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (std::uint64_t done = 0; done < kImageSize; done += chunk.size() * 8) {
      for (auto& w : chunk) {  // xorshift64*: random enough, fast
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        w = x * 0x2545F4914F6CDD1Dull;
      }
      const auto* p = reinterpret_cast<const char*>(chunk.data());
      std::size_t left = chunk.size() * 8;
      while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n <= 0) {
          std::perror("write");
          std::exit(1);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
      }
    }
    ::close(fd);
  }
  ~Image() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  std::string path_;
};

// CPU seconds of the whole process (every thread), user + system.
double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// CPU seconds of one thread.
double thread_cpu_seconds(std::thread& t) {
  clockid_t id{};
  timespec ts{};
  if (pthread_getcpuclockid(t.native_handle(), &id) != 0 || clock_gettime(id, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds spent per GiB moved: steadier than bytes/s on a shared machine.
void set_cpu_counter(benchmark::State& state, double cpu_seconds,
                     const char* name = "cpu_s_per_GiB") {
  const double gib = static_cast<double>(state.iterations()) * static_cast<double>(kImageSize) /
                     static_cast<double>(std::uint64_t{1} << 30);
  if (gib > 0) state.counters[name] = cpu_seconds / gib;
}

// Baseline: the whole file in 128 KiB preads from the page cache.
void BM_PreadPageCache(benchmark::State& state) {
  const int fd = ::open(Image::get().path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("cannot open the image");
    return;
  }
  std::vector<std::uint8_t> buf(kRequestSize);
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    for (std::uint64_t off = 0; off < kImageSize; off += kRequestSize) {
      const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
      if (n != static_cast<ssize_t>(kRequestSize)) {
        state.SkipWithError("short pread");
        break;
      }
      benchmark::DoNotOptimize(buf.data());
    }
  }
  set_cpu_counter(state, process_cpu_seconds() - cpu0);
  ::close(fd);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kImageSize));
}

// The product path: VmServer (own io_context thread) reads the whole disc from VmSession (own
// io_context thread) over 127.0.0.1.
void BM_VmLoopbackRead(benchmark::State& state) {
  asio::io_context server_io, client_io;
  auto server_guard = asio::make_work_guard(server_io);
  auto client_guard = asio::make_work_guard(client_io);
  ilo::sim::SimContext ctx(ilo::sim::SimConfig{}, Clock::now());
  ilo::sim::WebSession ws;
  ctx.sessions.login(ctx.config.user, ctx.config.password, Clock::now(), ws);
  ilo::sim::VmServer server(server_io, ctx, {.poll_interval = 3600s});
  server.set_hashing(false);
  if (server.listen({asio::ip::make_address("127.0.0.1"), 0})) {
    state.SkipWithError("listen failed");
    return;
  }
  std::thread server_thread([&] { server_io.run(); });
  std::thread client_thread([&] { client_io.run(); });

  const auto on_server = [&](auto f) {
    std::packaged_task<decltype(f())()> task(f);
    auto result = task.get_future();
    asio::post(server_io, [&task] { task(); });
    return result.get();
  };
  const auto wait_state = [&](auto pred) {
    const auto until = Clock::now() + 60s;
    while (Clock::now() < until) {
      if (pred(on_server([&] { return server.state(); }))) return true;
      std::this_thread::sleep_for(1ms);
    }
    return false;
  };

  ilo::net::VmSessionOptions options;
  options.port = server.port();
  options.credentials.session_key = ws.session_key;
  options.credentials.enc_key = ws.enc_key;
  auto session = ilo::net::VmSession::create(client_io.get_executor(), options);
  std::error_code ec;
  session->insert(ilo::media::FileMedium::open(Image::get().path(), ec));

  if (ec || !wait_state([](const nlohmann::json& s) { return s["medium_present"] == true; })) {
    state.SkipWithError("the server did not enumerate the image");
  } else {
    std::uint64_t completed = 0;
    const double cpu0 = process_cpu_seconds();
    const double server0 = thread_cpu_seconds(server_thread);
    const double client0 = thread_cpu_seconds(client_thread);
    for (auto _ : state) {
      if (!on_server([&] { return server.start_read_all(); })) {
        state.SkipWithError("start_read_all refused");
        break;
      }
      ++completed;
      if (!wait_state([&](const nlohmann::json& s) { return s["reads_completed"] == completed; })) {
        state.SkipWithError("read did not complete");
        break;
      }
    }
    set_cpu_counter(state, process_cpu_seconds() - cpu0);
    set_cpu_counter(state, thread_cpu_seconds(server_thread) - server0, "server_cpu");
    set_cpu_counter(state, thread_cpu_seconds(client_thread) - client0, "client_cpu");
    const auto s = on_server([&] { return server.state(); });
    if (s["violations"] != 0) state.SkipWithError("initiator violations");
    state.counters["requests"] = benchmark::Counter(
        static_cast<double>(session->counters().requests), benchmark::Counter::kAvgIterations);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kImageSize));

  session->stop();
  on_server([&] {
    server.stop();
    return 0;
  });
  client_guard.reset();
  server_guard.reset();
  client_thread.join();
  server_thread.join();
}

BENCHMARK(BM_PreadPageCache)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_VmLoopbackRead)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// Remembers each benchmark's best bytes/s (over --benchmark_repetitions) for the ratio: on a
// shared machine the best run is the one least disturbed by other processes.
class RateReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      const auto it = run.counters.find("bytes_per_second");
      if (it == run.counters.end() || run.run_type != Run::RT_Iteration || run.error_occurred)
        continue;
      double& best = rates[run.run_name.function_name];
      best = std::max(best, it->second.value);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> rates;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Image::get();  // create the file before any timing
  RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const auto pread = reporter.rates.find("BM_PreadPageCache");
  const auto vm = reporter.rates.find("BM_VmLoopbackRead");
  if (pread != reporter.rates.end() && vm != reporter.rates.end() && pread->second > 0) {
    std::printf("best runs: pread %.2f GB/s, virtual media over loopback %.2f GB/s, ratio %.2f "
                "(targets: >= 1 GB/s and >= 0.50)\n",
                pread->second / 1e9, vm->second / 1e9, vm->second / pread->second);
  }
  return 0;
}
