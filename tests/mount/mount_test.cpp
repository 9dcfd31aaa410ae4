// The mount suite: a real FUSE mount of `ilofs` against the real `ilo-sim`, both as child
// processes on 127.0.0.1. Everything goes through ordinary file operations on the mount point
// and is checked against the simulator's own account (/sim/state). Every mount is unmounted in
// every exit path (the fixture's destructor). Without /dev/fuse, fusermount3 or xorriso the
// binary exits 77 and says why.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spng.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bytes/hex.hpp"
#include "gtest_skips.hpp"
#include "sim_process.hpp"
#include "vm/sha256.hpp"

namespace {

namespace fsys = std::filesystem;
using namespace std::chrono_literals;
using ilo::test::SimProcess;
using ilo::test::wait_until;
using nlohmann::json;

// The whole file with read(2) ("" if it cannot be opened). Not <fstream>: GCC 12 warns about
// null dereferences inside <streambuf> under -Werror.
std::string read_file(const std::string& path) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buffer[1 << 16];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

bool write_file(const std::string& path, const std::string& bytes, mode_t mode = 0644) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return ok;
}

// write(2) of `text` to `path` in one call: the errno, or 0.
int write_control(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
  if (fd < 0) return errno;
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  if (err) return err;
  return n == static_cast<ssize_t>(text.size()) ? 0 : EIO;
}

std::string sha256_hex(const std::string& bytes) {
  return ilo::to_hex(ilo::vm::Sha256::of(std::span(
      reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())));
}

// A temporary directory removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fsys::temp_directory_path() / "ilofs-mount-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fsys::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An ISO 9660 image made by xorriso with one file of seeded random bytes.
std::string make_iso(const std::string& dir, const std::string& volume_id, std::size_t bytes) {
  const std::string tree = dir + "/" + volume_id + "-tree";
  fsys::create_directories(tree);
  std::mt19937_64 random(bytes);
  std::string data(bytes, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  if (!write_file(tree + "/payload.bin", data)) return {};
  const std::string iso = dir + "/" + volume_id + ".iso";
  const std::string cmd = "xorriso -as mkisofs -quiet -V " + volume_id + " -o '" + iso + "' '" +
                          tree + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? iso : std::string();
}

// `ilofs` as a child process with its own mount point, cache and password file.
class Mount {
 public:
  struct Options {
    std::vector<std::string> o;      // extra -o options
    std::string password = SimProcess::password();
    bool pin = true;                 // fingerprint= of the simulator
    bool foreground = true;
  };

  Mount(const SimProcess& sim, Options options) : sim_(sim) {
    mountpoint_ = dir_.path() + "/mnt";
    cache_ = dir_.path() + "/cache";
    fsys::create_directories(mountpoint_);
    const std::string passfile = dir_.path() + "/password";
    write_file(passfile, options.password + "\n", 0600);
    std::string o = "passfile=" + passfile + ",cache=" + cache_;
    if (options.pin) o += ",fingerprint=" + sim.fingerprint();
    for (const auto& extra : options.o) o += "," + extra;
    args_ = {ILOFS_EXE};
    if (options.foreground) args_.push_back("-f");
    args_.insert(args_.end(), {"-o", o, "127.0.0.1:" + std::to_string(sim.https_port()),
                               mountpoint_});
    log_path_ = dir_.path() + "/ilofs.log";
    pid_ = spawn();
    if (!options.foreground) {
      exit_status_ = wait_exit(20s);
      if (exit_status_ != 0) return;
    }
    mounted_ = wait_until([&] { return is_mounted(); }, 15s);
    if (!mounted_) error_ = "not mounted within 15 s: " + log();
  }

  ~Mount() {
    unmount();
    // A failing test shows what the mount logged (ilofs never logs a secret).
    if (::testing::Test::HasFailure()) {
      std::fprintf(stderr, "--- ilofs log:\n%s---\n", log().c_str());
    }
  }
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int exit_status() const { return exit_status_; }
  [[nodiscard]] std::string log() const { return read_file(log_path_); }
  [[nodiscard]] std::string path(const std::string& name) const { return mountpoint_ + "/" + name; }
  [[nodiscard]] const std::string& cache() const { return cache_; }
  [[nodiscard]] const std::string& mountpoint() const { return mountpoint_; }
  [[nodiscard]] json status() const {
    return json::parse(read_file(path("status")), nullptr, false);
  }

  [[nodiscard]] bool is_mounted() const {
    const std::string table = read_file("/proc/self/mounts");
    return table.find(" " + mountpoint_ + " ") != std::string::npos;
  }

  // fusermount3 -u (what a user does), then the process must end by itself.
  void unmount() {
    if (is_mounted()) {
      const std::string cmd = "fusermount3 -u '" + mountpoint_ + "' 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) ::umount2(mountpoint_.c_str(), MNT_DETACH);
    }
    if (pid_ > 0) {
      if (wait_exit(10s) == -1) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
    if (is_mounted()) ::umount2(mountpoint_.c_str(), MNT_DETACH);
  }

  // SIGTERM; true if the process unmounted and ended by itself.
  bool terminate() {
    if (pid_ <= 0) return false;
    ::kill(pid_, SIGTERM);
    const int status = wait_exit(10s);
    if (status == -1) return false;
    pid_ = -1;
    return !is_mounted();
  }

 private:
  pid_t spawn() {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, STDERR_FILENO);
        ::dup2(fd, STDOUT_FILENO);
      }
      std::vector<char*> argv;
      for (auto& a : args_) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::setenv("ILOFS_RC", ILOFS_RC_EXE, 1);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }

  // The exit status, or -1 if still running after `limit`.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  const SimProcess& sim_;
  TempDir dir_;
  std::string mountpoint_, cache_, log_path_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  bool mounted_ = false;
  int exit_status_ = 0;
  std::string error_;
};

std::vector<std::string> fast_sim() {
  return {"--frame-interval", "50", "--ping-interval", "300"};
}

json vm_state(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() ? s["vm"] : json();
}

bool sim_power_is(const SimProcess& sim, const char* value) {
  const auto s = sim.state();
  return s.is_object() && s["power"] == value;
}

// The console is up and the screen published (status says so).
bool console_ready(const Mount& mount) {
  const auto s = mount.status();
  return s.is_object() && s["connections"]["console"]["state"] == "up" &&
         s["screen"]["width"].get<int>() > 0;
}

// ---- tests ----

TEST(Mount, TreeHasTheControlFiles) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  std::vector<std::string> names;
  for (const auto& entry : fsys::directory_iterator(mount.mountpoint())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"keyboard", "mouse", "power", "screen.png",
                                             "screen.ppm", "status"}));
  struct stat st {};
  ASSERT_EQ(::stat(mount.path("power").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_EQ(::stat(mount.path("keyboard").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0200u);
  EXPECT_NE(::stat(mount.path("nothing").c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);
  // Only images can be created; control files cannot be removed.
  EXPECT_NE(::open(mount.path("notes.txt").c_str(), O_WRONLY | O_CREAT, 0644), 0);
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(::unlink(mount.path("power").c_str()), 0);
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(::mkdir(mount.path("dir").c_str(), 0755), 0);
  EXPECT_EQ(errno, EPERM);
}

TEST(Mount, CopiedIsoIsReadByTheServerAndRmEjects) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_CP", 3'000'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  const std::string bytes = read_file(iso);
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();

  const std::string cmd = "cp '" + iso + "' '" + mount.mountpoint() + "/'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // Reading it back through the mount returns its bytes; ls shows its real size.
  EXPECT_EQ(read_file(mount.path("ILOFS_CP.iso")), bytes);
  struct stat st {};
  ASSERT_EQ(::stat(mount.path("ILOFS_CP.iso").c_str(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), bytes.size());

  ASSERT_TRUE(wait_until([&] {
    const auto vm = vm_state(sim);
    return vm.is_object() && vm["connected"] == true && vm["medium_present"] == true &&
           vm["volume_id"] == "ILOFS_CP";
  }, 15s)) << vm_state(sim).dump();
  ASSERT_EQ(sim.post("/sim/vm/read-all", "{}"), 202);
  ASSERT_TRUE(wait_until([&] {
    const auto vm = vm_state(sim);
    return vm.is_object() && vm["last_read_sha256"].is_string();
  }, 30s));
  EXPECT_EQ(vm_state(sim)["last_read_sha256"], sha256_hex(bytes));

  const auto status = mount.status();
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["cdrom"]["name"], "ILOFS_CP.iso");
  EXPECT_EQ(status["cdrom"]["inserted"], true);
  EXPECT_EQ(status["cdrom"]["ready"], true);
  EXPECT_GE(status["cdrom"]["bytes_served"].get<std::uint64_t>(), bytes.size());
  EXPECT_EQ(status["connections"]["cdrom"]["state"], "up");

  // A write into the inserted image is refused.
  EXPECT_EQ(write_control(mount.path("ILOFS_CP.iso"), "x"), EBUSY);

  ASSERT_EQ(::unlink(mount.path("ILOFS_CP.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] {
    const auto vm = vm_state(sim);
    return vm.is_object() && vm["medium_present"] == false;
  }, 10s)) << vm_state(sim).dump();
  EXPECT_FALSE(fsys::exists(mount.cache() + "/ILOFS_CP.iso"));
  EXPECT_FALSE(fsys::exists(mount.path("ILOFS_CP.iso")));
}

TEST(Mount, SymlinkInsertsWithoutCopyingAndSecondImageIsBusy) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_LN", 1'000'000);
  const std::string other = make_iso(work.path(), "ILOFS_TWO", 100'000);
  ASSERT_FALSE(iso.empty() || other.empty());
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();

  ASSERT_EQ(::symlink(iso.c_str(), mount.path("linked.iso").c_str()), 0) << std::strerror(errno);
  ASSERT_TRUE(wait_until([&] {
    const auto vm = vm_state(sim);
    return vm.is_object() && vm["medium_present"] == true && vm["volume_id"] == "ILOFS_LN";
  }, 15s));
  EXPECT_TRUE(fsys::is_symlink(mount.path("linked.iso")));
  EXPECT_EQ(fsys::read_symlink(mount.path("linked.iso")).string(), iso);
  EXPECT_TRUE(fsys::is_empty(mount.cache()));  // nothing copied

  // A second image while one is in: EBUSY, both by cp and by ln -s.
  const int fd = ::open(mount.path("second.iso").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_LT(fd, 0);
  EXPECT_EQ(errno, EBUSY);
  EXPECT_NE(::symlink(other.c_str(), mount.path("other.iso").c_str()), 0);
  EXPECT_EQ(errno, EBUSY);
  EXPECT_NE(mount.log().find("one image at a time"), std::string::npos);

  ASSERT_EQ(::unlink(mount.path("linked.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == false; }, 10s));
  EXPECT_EQ(read_file(iso).size(), fsys::file_size(iso));  // the target is untouched
  EXPECT_TRUE(fsys::exists(iso));
}

TEST(Mount, PowerWords) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return read_file(mount.path("power")) == "on\n"; }, 15s))
      << read_file(mount.path("power"));

  EXPECT_EQ(write_control(mount.path("power"), "jump\n"), EINVAL);
  EXPECT_EQ(write_control(mount.path("power"), ""), 0);  // nothing to do
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(sim_power_is(sim, "on"));

  EXPECT_EQ(write_control(mount.path("power"), "hold\n"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }, 10s));
  EXPECT_TRUE(wait_until([&] { return read_file(mount.path("power")) == "off\n"; }, 10s));
  // No video while off: the screen cannot be opened.
  EXPECT_TRUE(wait_until([&] {
    return ::open(mount.path("screen.ppm").c_str(), O_RDONLY) < 0 && errno == ENODATA;
  }, 10s));

  EXPECT_EQ(write_control(mount.path("power"), "press"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "on"); }, 10s));
  const auto boots = sim.state()["boots"].get<int>();
  EXPECT_EQ(write_control(mount.path("power"), "reset\n"), 0);
  EXPECT_TRUE(wait_until([&] { return sim.state()["boots"].get<int>() > boots; }, 10s));
  EXPECT_EQ(write_control(mount.path("power"), "cycle\n"), 0);
  EXPECT_TRUE(wait_until([&] { return sim.state()["boots"].get<int>() > boots + 1; }, 10s));
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "on"); }, 10s));
}

// Decodes a PNG to RGB8 (libspng).
std::vector<std::uint8_t> decode_png(const std::string& png, int& width, int& height) {
  std::vector<std::uint8_t> out;
  spng_ctx* ctx = spng_ctx_new(0);
  spng_set_png_buffer(ctx, png.data(), png.size());
  spng_ihdr ihdr{};
  std::size_t size = 0;
  if (spng_get_ihdr(ctx, &ihdr) == 0 && spng_decoded_image_size(ctx, SPNG_FMT_RGB8, &size) == 0) {
    out.resize(size);
    if (spng_decode_image(ctx, out.data(), size, SPNG_FMT_RGB8, 0) != 0) out.clear();
    width = static_cast<int>(ihdr.width);
    height = static_cast<int>(ihdr.height);
  }
  spng_ctx_free(ctx);
  return out;
}

// The pixels of a P6 file (header "P6\nW H\n255\n").
std::string ppm_pixels(const std::string& ppm, int& width, int& height) {
  int consumed = 0;
  if (std::sscanf(ppm.c_str(), "P6 %d %d 255%n", &width, &height, &consumed) != 2) return {};
  return ppm.substr(static_cast<std::size_t>(consumed) + 1);
}

TEST(Mount, ScreenKeyboardMouseAndStatusAgreeWithTheSimulator) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount); }, 15s)) << mount.status().dump();
  // Type once the simulated machine has booted to its prompt (keys typed during POST would be
  // mixed into the banner, as on a real server).
  ASSERT_TRUE(wait_until([&] {
    return ilo::test::state_text(sim.state()).find("root@ilo-sim:~#") != std::string::npos;
  }, 15s));

  // Keyboard: text and a named key; an unknown name types nothing.
  EXPECT_EQ(write_control(mount.path("keyboard"), "echo <Bogus> hi"), EINVAL);
  EXPECT_EQ(write_control(mount.path("keyboard"), "echo mounted<Enter>"), 0);
  EXPECT_EQ(write_control(mount.path("keyboard"), "ls\n"), 0);
  ASSERT_TRUE(wait_until([&] {
    const auto text = ilo::test::state_text(sim.state());
    return text.find("root@ilo-sim:~# echo mounted") != std::string::npos &&
           text.find("root@ilo-sim:~# ls") != std::string::npos;
  }, 10s)) << ilo::test::state_text(sim.state());
  EXPECT_EQ(ilo::test::state_text(sim.state()).find("Bogus"), std::string::npos);

  // Mouse: a click reaches the simulator at that pixel; malformed lines send nothing.
  EXPECT_EQ(write_control(mount.path("mouse"), "click 10 20 sideways\n"), EINVAL);
  EXPECT_EQ(write_control(mount.path("mouse"), "click 321 123\n"), 0);
  EXPECT_TRUE(wait_until([&] {
    const auto p = sim.state()["pointer"];
    return p["x"] == 321 && p["y"] == 123;
  }, 5s)) << sim.state()["pointer"].dump();

  // The screen: once it settles, screen.ppm is the simulator's screen pixel for pixel, and
  // screen.png decodes to the same pixels.
  std::string sim_sha, ppm;
  ASSERT_TRUE(wait_until([&] {
    const auto before = sim.state()["screen"]["sha256"];
    ppm = read_file(mount.path("screen.ppm"));
    int w = 0, h = 0;
    const auto pixels = ppm_pixels(ppm, w, h);
    return !pixels.empty() && sha256_hex(pixels) == before.get<std::string>();
  }, 10s));
  int w = 0, h = 0;
  const auto ppm_rgb = ppm_pixels(ppm, w, h);
  EXPECT_EQ(w, 1024);
  EXPECT_EQ(h, 768);
  struct stat st {};
  ASSERT_EQ(::stat(mount.path("screen.ppm").c_str(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), ppm.size());
  int pw = 0, ph = 0;
  const auto png_rgb = decode_png(read_file(mount.path("screen.png")), pw, ph);
  ASSERT_EQ(pw, w);
  ASSERT_EQ(ph, h);
  // The screen is static now: both files show the same frame.
  EXPECT_EQ(std::string(png_rgb.begin(), png_rgb.end()), ppm_rgb);

  // status tells the truth.
  const auto status = mount.status();
  ASSERT_TRUE(status.is_object()) << read_file(mount.path("status"));
  const auto state = sim.state();
  EXPECT_EQ(status["power"], state["power"]);
  EXPECT_EQ(status["screen"]["width"], state["screen"]["width"]);
  EXPECT_EQ(status["screen"]["height"], state["screen"]["height"]);
  EXPECT_GT(status["screen"]["frames"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(status["connections"]["web"]["state"], "up");
  EXPECT_EQ(status["connections"]["console"]["state"], "up");
  EXPECT_EQ(status["connections"]["command"]["state"], "up");
  EXPECT_EQ(status["connections"]["cdrom"]["state"], "down");
  EXPECT_EQ(status["cdrom"]["inserted"], false);
  EXPECT_GT(status["companion"]["pid"].get<int>(), 0);
  EXPECT_EQ(status["companion"]["restarts"], 0);
}

// The drive's connection dropped by the simulator mid-read: the drive reconnects with the
// medium still in, and the whole-disc read completes with the right SHA-256.
TEST(Mount, MediaReadSurvivesADroppedConnection) {
  // The simulator is the initiator and sends only requests: the 4-byte accept, 6 enumeration
  // requests, then 12 bytes per 64-block READ, so byte 200 falls in the 10th of the ~19 READs
  // of this disc.
  SimProcess sim({"--frame-interval", "50", "--fault", "drop:vm:200"});
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_DROP", 2'000'000);
  ASSERT_FALSE(iso.empty());
  const std::string bytes = read_file(iso);
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_EQ(::symlink(iso.c_str(), mount.path("drop.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == true; }, 15s));
  ASSERT_EQ(sim.post("/sim/vm/read-all", "{}"), 202);
  ASSERT_TRUE(wait_until([&] {
    const auto vm = vm_state(sim);
    return vm.is_object() && vm["last_read_sha256"].is_string();
  }, 30s)) << vm_state(sim).dump();
  EXPECT_EQ(vm_state(sim)["last_read_sha256"], sha256_hex(bytes));
  EXPECT_GE(vm_state(sim)["connections"].get<int>(), 2) << vm_state(sim).dump();
  const auto status = mount.status();
  EXPECT_GE(status["connections"]["cdrom"]["reconnects"].get<int>(), 1) << status.dump();
}

// The companion killed with SIGKILL: the mount restarts it, the screen comes back, and the
// CD-ROM (owned by the mount itself) is not disturbed.
TEST(Mount, KilledCompanionIsRestarted) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount); }, 15s));
  const int pid = mount.status()["companion"]["pid"].get<int>();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] {
    const auto s = mount.status();
    return s.is_object() && s["companion"]["restarts"] == 1 && s["companion"]["pid"] != pid &&
           s["companion"]["pid"].get<int>() > 0;
  }, 15s)) << mount.status().dump();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount); }, 15s));
  EXPECT_TRUE(wait_until([&] {
    int w = 0, h = 0;
    const auto pixels = ppm_pixels(read_file(mount.path("screen.ppm")), w, h);
    return !pixels.empty() &&
           sha256_hex(pixels) == sim.state()["screen"]["sha256"].get<std::string>();
  }, 10s));
}

// The iLO forgets every web session: the next connection is refused for its key, the mount
// logs in again by itself and the drive and console come back.
TEST(Mount, ExpiredSessionIsRenewed) {
  SimProcess sim({"--frame-interval", "50", "--fault", "drop:rc:9000"});
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_EXP", 100'000);
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount); }, 15s));
  ASSERT_EQ(sim.post("/sim/sessions/expire", "{}"), 200);
  // The console's connection is dropped after 9000 bytes (typing makes them); its reconnect
  // needs a new login.
  for (int i = 0; i < 6; ++i) {
    write_control(mount.path("keyboard"), "echo the quick brown fox jumps over the lazy dog\n");
  }
  ASSERT_TRUE(wait_until([&] {
    const auto s = mount.status();
    return s.is_object() && s["connections"]["console"]["reconnects"].get<int>() >= 1 &&
           s["connections"]["console"]["state"] == "up";
  }, 20s)) << mount.status().dump();
  EXPECT_GE(mount.status()["connections"]["web"]["logins"].get<int>(), 2);
  // And a new drive connection uses the new keys too.
  ASSERT_EQ(::symlink(iso.c_str(), mount.path("exp.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == true; }, 15s))
      << mount.status().dump();
}

// /etc/fstab goes through mount.fuse3, which runs "ilofs HOST MOUNTPOINT -o OPTIONS" (and
// passes options such as _netdev that mean nothing to FUSE).
TEST(Mount, MountFuse3AsFromFstab) {
  if (std::system("command -v mount.fuse3 >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "mount.fuse3 is not installed";
  }
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir dir;
  const std::string mnt = dir.path() + "/mnt", pass = dir.path() + "/pass";
  fsys::create_directories(mnt);
  write_file(pass, std::string(SimProcess::password()) + "\n", 0600);
  const std::string cmd = "ILOFS_RC='" ILOFS_RC_EXE "' mount.fuse3 '" ILOFS_EXE "#127.0.0.1:" +
                          std::to_string(sim.https_port()) + "' '" + mnt + "' -o passfile=" +
                          pass + ",fingerprint=" + sim.fingerprint() + ",cache=" + dir.path() +
                          "/cache,_netdev >" + dir.path() + "/log 2>&1";
  const int rc = std::system(cmd.c_str());
  const bool mounted = read_file("/proc/self/mounts").find(" " + mnt + " ") != std::string::npos;
  if (mounted) {
    EXPECT_TRUE(fsys::exists(mnt + "/status"));
    std::system(("fusermount3 -u '" + mnt + "'").c_str());
  }
  EXPECT_EQ(rc, 0) << read_file(dir.path() + "/log");
  EXPECT_TRUE(mounted);
}

TEST(Mount, WrongPasswordAndWrongFingerprintFailTheMount) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  {
    Mount mount(sim, {.o = {}, .password = "not-the-password", .pin = true, .foreground = false});
    EXPECT_NE(mount.exit_status(), 0);
    EXPECT_FALSE(mount.is_mounted());
    EXPECT_NE(mount.log().find("ilofs: "), std::string::npos) << mount.log();
    EXPECT_EQ(mount.log().find("not-the-password"), std::string::npos);
  }
  {
    Mount mount(sim, {.o = {"fingerprint=" + std::string(64, 'a')},
                      .password = SimProcess::password(),
                      .pin = false,
                      .foreground = false});
    EXPECT_NE(mount.exit_status(), 0);
    EXPECT_FALSE(mount.is_mounted());
    // The message names the fingerprint the server showed, so the user can pin it.
    EXPECT_NE(mount.log().find(sim.fingerprint()), std::string::npos) << mount.log();
  }
  {
    // Not pinned, and the certificate is self-signed: the message shows what to pin.
    Mount mount(sim, {.o = {}, .password = SimProcess::password(), .pin = false,
                      .foreground = false});
    EXPECT_NE(mount.exit_status(), 0);
    EXPECT_FALSE(mount.is_mounted());
    EXPECT_NE(mount.log().find("-o fingerprint=" + sim.fingerprint()), std::string::npos)
        << mount.log();
  }
}

TEST(Mount, BackgroundMountReturnsOnceUpAndSigtermUnmounts) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {.o = {}, .password = SimProcess::password(), .pin = true, .foreground = false});
  ASSERT_EQ(mount.exit_status(), 0) << mount.log();
  ASSERT_TRUE(mount.mounted()) << mount.error();
  EXPECT_TRUE(mount.status().is_object());
  mount.unmount();
  EXPECT_FALSE(mount.is_mounted());
}

TEST(Mount, SigtermUnmountsCleanly) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_TERM", 200'000);
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_EQ(::symlink(iso.c_str(), mount.path("term.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["connected"] == true; }, 15s));
  EXPECT_TRUE(mount.terminate());
  // The drive said DISCONNECT: the simulator saw a clean close, not a drop.
  EXPECT_TRUE(wait_until([&] { return vm_state(sim)["connected"] == false; }, 5s));
}

TEST(Mount, NoSecretInTheLog) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  std::string log;
  {
    Mount mount(sim, {.o = {"debug"}});
    ASSERT_TRUE(mount.mounted()) << mount.error();
    ASSERT_TRUE(wait_until([&] { return console_ready(mount); }, 15s));
    EXPECT_EQ(write_control(mount.path("keyboard"), "x"), 0);
    log = mount.log();
  }
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(SimProcess::password()), std::string::npos);
}

}  // namespace

int main(int argc, char** argv) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    std::fprintf(stderr, "SKIP: /dev/fuse is not usable here (%s): the mount tests need FUSE\n",
                 std::strerror(errno));
    return 77;
  }
  if (std::system("command -v fusermount3 >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "SKIP: fusermount3 is not installed (apt-get install fuse3)\n");
    return 77;
  }
  if (std::system("command -v xorriso >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "SKIP: xorriso is not installed (apt-get install xorriso)\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return ilo::test::run_all_tests_reporting_skips();
}
