// Bad input and hostile users through a real mount of `ilofs` against `ilo-sim`: random bytes,
// huge, partial and concurrent writes to the control files; an image truncated, removed, or its
// symlinked backing file shrunk or deleted while the server reads it; a second mount of the same
// server; descriptors counted in /proc before and after; file modes and `default_permissions`
// (another user gets EACCES). Every case ends with the mount alive and `status` valid JSON.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gtest_skips.hpp"
#include "mount_support.hpp"
#include "sim_process.hpp"

namespace {

namespace fsys = std::filesystem;
using namespace std::chrono_literals;
using namespace ilo::test;
using nlohmann::json;

// The mount answers and its status is one JSON object.
void expect_alive(const Mount& mount) {
  EXPECT_TRUE(mount.is_mounted());
  const std::string text = read_file(mount.path("status"));
  EXPECT_TRUE(json::parse(text, nullptr, false).is_object()) << text.substr(0, 200);
}

// ---- control files: whole commands or EINVAL ----

TEST(MountAbuse, RandomBytesAreRefusedWholeAndChangeNothing) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount) && at_prompt(sim); }, 20s));
  const auto before = sim.state();

  // Random bytes (each with a byte >= 0x80 that is not UTF-8, or a '<' opening no key name)
  // never make a power word, a boot word, a mouse line or typeable text.
  int einval = 0, tries = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::string junk = random_bytes(1 + seed * 37 % 300, seed);
    junk[junk.size() / 2] = static_cast<char>(0xFF);  // never valid UTF-8
    for (const char* file : {"power", "boot", "mouse", "keyboard"}) {
      ++tries;
      const int err = write_control(mount.path(file), junk);
      EXPECT_EQ(err, EINVAL) << file << " seed " << seed;
      if (err == EINVAL) ++einval;
    }
  }
  EXPECT_EQ(einval, tries);
  // Nothing reached the server: no key, no pointer move, no power change, no boot device.
  const auto after = sim.state();
  EXPECT_EQ(after["keys_typed"], before["keys_typed"]);
  EXPECT_EQ(after["pointer"], before["pointer"]);
  EXPECT_EQ(after["boots"], before["boots"]);
  EXPECT_EQ(after["power"], "on");
  EXPECT_EQ(after["one_time_boot"], "normal");
  // An image name that is not UTF-8 (it would appear in `status` and `events`) is refused.
  const std::string bad_name = mount.path("junk\xFF\x1B[2J.iso");
  EXPECT_EQ(::open(bad_name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::symlink("/nonexistent.iso", bad_name.c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  // The refusals are logged, and the log (hence `status`, which lists recent warnings) stays
  // valid text: the junk is not copied into it raw (it used to end ilofs: a JSON exception
  // thrown through FUSE at the next read of `status`).
  expect_alive(mount);
  const auto status = mount.status();
  ASSERT_TRUE(status.is_object());
  EXPECT_FALSE(status["errors"].empty());
  for (const auto& e : status["errors"]) {
    for (const char c : e["text"].get<std::string>()) {
      EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    }
  }
}

TEST(MountAbuse, HugeWritesAreRefusedWholeAtOnce) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount) && at_prompt(sim); }, 20s));
  const auto before = sim.state();

  // 2 MiB reach ilofs as two 1 MiB requests; accepting the first would type half of them (or
  // block the writer for hours). Each file refuses a write above its limit, so the first
  // request fails and write(2) returns EINVAL with nothing done.
  const std::string huge_text(2 * 1024 * 1024 + 5, 'a');
  std::string huge_mouse;
  while (huge_mouse.size() < 2 * 1024 * 1024) huge_mouse += "move 10 10\n";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(write_control(mount.path("keyboard"), huge_text), EINVAL);
  EXPECT_EQ(write_control(mount.path("mouse"), huge_mouse), EINVAL);
  EXPECT_EQ(write_control(mount.path("power"), "cycle" + std::string(2 * 1024 * 1024, ' ')),
            EINVAL);
  EXPECT_EQ(write_control(mount.path("boot"), "cd" + std::string(2 * 1024 * 1024, '\n')), EINVAL);
  // Above the keyboard's limit but below one request: refused too, not typed for minutes.
  EXPECT_EQ(write_control(mount.path("keyboard"), std::string(100 * 1024, 'b')), EINVAL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);  // refused, not typed
  const auto after = sim.state();
  EXPECT_EQ(after["keys_typed"], before["keys_typed"]);
  EXPECT_EQ(after["pointer"], before["pointer"]);
  EXPECT_EQ(after["boots"], before["boots"]);
  EXPECT_EQ(after["one_time_boot"], "normal");
  expect_alive(mount);
}

TEST(MountAbuse, EachWriteIsItsOwnCommandSoHalvesAreRefused) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount) && at_prompt(sim); }, 20s));
  const auto before = sim.state();

  // A command split over two write(2) calls on one descriptor: each half is judged alone.
  auto halves = [&](const char* file, const char* a, const char* b, int b_errno) {
    const int fd = ::open(mount.path(file).c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << file;
    errno = 0;
    EXPECT_EQ(::write(fd, a, std::strlen(a)), -1) << file;
    EXPECT_EQ(errno, EINVAL) << file;
    errno = 0;
    const auto n = ::write(fd, b, std::strlen(b));
    EXPECT_EQ(n < 0 ? errno : 0, b_errno) << file;
    ::close(fd);
  };
  halves("power", "cyc", "le\n", EINVAL);
  halves("boot", "c", "d\n", EINVAL);
  halves("mouse", "click 10", " 20 sideways\n", EINVAL);
  // "echo <Ent" types nothing (an unclosed name); "er>" alone is text, and typed as such.
  halves("keyboard", "echo <Ent", "er>", 0);
  EXPECT_TRUE(wait_until([&] {
    return state_text(sim.state()).find("root@ilo-sim:~# er>") != std::string::npos;
  }, 10s)) << state_text(sim.state());
  const auto after = sim.state();
  EXPECT_EQ(after["keys_typed"].get<int>(), before["keys_typed"].get<int>() + 3);
  EXPECT_EQ(after["boots"], before["boots"]);
  EXPECT_EQ(after["one_time_boot"], "normal");
  expect_alive(mount);
}

TEST(MountAbuse, ConcurrentWritersEachGetAWholeCommand) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount) && at_prompt(sim); }, 20s));

  // Four writers per file at once, valid and invalid writes mixed: each valid write succeeds
  // whole, each invalid one is EINVAL; typed words are never interleaved.
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  const std::vector<std::string> words = {"alpha", "bravo", "charlie", "delta"};
  for (std::size_t i = 0; i < words.size(); ++i) {
    writers.emplace_back([&, i] {
      if (write_control(mount.path("keyboard"), words[i] + "<Space>") != 0) ++failures;
      if (write_control(mount.path("keyboard"), words[i] + "<Nope>") != EINVAL) ++failures;
    });
    writers.emplace_back([&, i] {
      const std::string line = "move " + std::to_string(100 + i) + " " + std::to_string(50 + i);
      if (write_control(mount.path("mouse"), line + "\n") != 0) ++failures;
      if (write_control(mount.path("mouse"), line + " x\n") != EINVAL) ++failures;
    });
    writers.emplace_back([&, i] {
      static const char* const kBoot[] = {"cd", "hdd", "usb", "network"};
      if (write_control(mount.path("boot"), std::string(kBoot[i]) + "\n") != 0) ++failures;
      if (write_control(mount.path("boot"), "cdrom\n") != EINVAL) ++failures;
    });
    writers.emplace_back([&] {
      if (write_control(mount.path("power"), "pres") != EINVAL) ++failures;
      (void)read_file(mount.path("status"));
      (void)read_file(mount.path("screen.ppm"));
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures, 0);

  // Every word typed exactly once and whole.
  ASSERT_TRUE(wait_until([&] {
    const auto text = state_text(sim.state());
    for (const auto& w : words) {
      if (text.find(w + " ") == std::string::npos && text.find(w + "\n") == std::string::npos &&
          !text.ends_with(w)) {
        return false;
      }
    }
    return true;
  }, 10s)) << state_text(sim.state());
  EXPECT_EQ(sim.state()["keys_typed"].get<int>() % 2, 0);
  // The boot device is one of the four, and what the mount reads back.
  const std::string boot = read_file(mount.path("boot"));
  const std::string sim_boot = sim.state()["one_time_boot"];
  EXPECT_EQ(boot, sim_boot + "\n");
  EXPECT_TRUE(sim_boot == "cd" || sim_boot == "hdd" || sim_boot == "usb" || sim_boot == "network")
      << sim_boot;
  // The pointer ended at one of the four positions.
  const auto p = sim.state()["pointer"];
  EXPECT_GE(p["x"].get<int>(), 100);
  EXPECT_LE(p["x"].get<int>(), 103);
  EXPECT_EQ(p["x"].get<int>() - 100, p["y"].get<int>() - 50);
  expect_alive(mount);
}

// ---- images pulled from under the server ----

// Inserts and ejects a small image once, so what the drive makes on first use (its connection's
// event loop: an epoll, an eventfd, a timerfd) exists before descriptors are counted.
void warm_up_drive(const Mount& mount, const SimProcess& sim, const std::string& dir) {
  const std::string iso = make_iso(dir, "WARM_UP", 20'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  ASSERT_EQ(::symlink(iso.c_str(), mount.path("warm.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "WARM_UP"); }, 15s));
  ASSERT_EQ(::unlink(mount.path("warm.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == false; }, 10s));
}

// The server's full read of a 16 MB image stalls for 3 s in its first half, so a test acts
// while it surely runs: 125 read requests of 12 bytes follow about 300 bytes of enumeration
// (the drive is not polled, so nothing else counts towards the stall's 1000 bytes).
std::vector<std::string> stalling_sim() {
  return {"--frame-interval", "50", "--ping-interval", "300", "--vm-poll-interval", "60000",
          "--fault", "stall:vm:1000:3000"};
}
constexpr std::size_t kStalledImageBytes = 16'000'000;

TEST(MountAbuse, TruncateAndRmOfAnImageWhileTheServerReadsIt) {
  SimProcess sim(stalling_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ABUSE_RM", kStalledImageBytes);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 20s));
  warm_up_drive(mount, sim, work.path());
  const int fds_before = open_descriptors(mount.pid());

  ASSERT_EQ(std::system(("cp '" + iso + "' '" + mount.mountpoint() + "/'").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_RM"); }, 15s));
  ASSERT_EQ(sim.post("/sim/vm/read-all", "{}"), 202);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["reading"] == true; }, 5s));

  // Truncating an inserted image through the mount is refused, whichever way it is asked.
  EXPECT_EQ(::truncate(mount.path("ABUSE_RM.iso").c_str(), 0), -1);
  EXPECT_EQ(errno, EBUSY);
  EXPECT_EQ(write_control(mount.path("ABUSE_RM.iso"), ""), EBUSY);  // O_TRUNC
  EXPECT_EQ(fsys::file_size(mount.cache() + "/ABUSE_RM.iso"), fsys::file_size(iso));

  // rm while the server reads: the medium goes away, the read ends, nothing hangs.
  ASSERT_EQ(::unlink(mount.path("ABUSE_RM.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] {
    const auto vm = vm_state(sim);
    return vm["medium_present"] == false && vm["reading"] == false;
  }, 15s)) << vm_state(sim).dump();
  EXPECT_FALSE(vm_state(sim)["last_read_sha256"].is_string());  // no complete read of it
  EXPECT_FALSE(fsys::exists(mount.cache() + "/ABUSE_RM.iso"));
  EXPECT_FALSE(fsys::exists(mount.path("ABUSE_RM.iso")));
  expect_alive(mount);
  // The drive takes the next image, and it is read whole.
  const std::string next = make_iso(work.path(), "ABUSE_NEXT", 300'000);
  ASSERT_EQ(::symlink(next.c_str(), mount.path("next.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_NEXT"); }, 15s));
  ASSERT_EQ(::unlink(mount.path("next.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == false; }, 10s));
  // No descriptor left behind by any of it.
  EXPECT_TRUE(wait_until([&] {
    return open_descriptors(mount.pid()) == fds_before;
  }, 5s)) << fds_before << " -> " << describe_descriptors(mount.pid());
}

TEST(MountAbuse, SymlinkedBackingFileShrinksThenVanishesDuringARead) {
  SimProcess sim(stalling_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ABUSE_LN", kStalledImageBytes);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  const auto full_size = fsys::file_size(iso);
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 20s));
  warm_up_drive(mount, sim, work.path());
  const int fds_before = open_descriptors(mount.pid());

  ASSERT_EQ(::symlink(iso.c_str(), mount.path("linked.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_LN"); }, 15s));
  ASSERT_EQ(sim.post("/sim/vm/read-all", "{}"), 202);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["reading"] == true; }, 5s));

  // The file shrinks to half under the read: the blocks beyond its end are read errors the
  // server sees (MEDIUM ERROR), never bytes of something else, and never a hang.
  ASSERT_EQ(::truncate(iso.c_str(), static_cast<off_t>(full_size / 2)), 0);
  EXPECT_TRUE(wait_until([&] { return vm_state(sim)["reading"] == false; }, 30s))
      << vm_state(sim).dump();
  EXPECT_FALSE(vm_state(sim)["last_read_sha256"].is_string()) << vm_state(sim).dump();
  expect_alive(mount);
  // Reading the link through the mount follows it to the shorter file.
  EXPECT_EQ(read_file(mount.path("linked.iso")).size(), full_size / 2);

  // Then the file vanishes: the server may go on reading what is left (the drive still holds
  // it open), the mount stays up and rm ejects as usual.
  ASSERT_EQ(::unlink(iso.c_str()), 0);
  ASSERT_EQ(sim.post("/sim/vm/read-all", "{}"), 202);
  EXPECT_TRUE(wait_until([&] { return vm_state(sim)["reading"] == false; }, 30s));
  expect_alive(mount);
  ASSERT_EQ(::unlink(mount.path("linked.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == false; }, 10s));
  EXPECT_TRUE(wait_until([&] {
    return open_descriptors(mount.pid()) == fds_before;
  }, 5s)) << fds_before << " -> " << describe_descriptors(mount.pid());
}

TEST(MountAbuse, DiskFullDuringCpInsertsNothingTorn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a small tmpfs as the cache)";
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ABUSE_FULL", 3'000'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  const std::string cache = work.path() + "/small";
  fsys::create_directories(cache);
  ASSERT_EQ(::mount("tmpfs", cache.c_str(), "tmpfs", 0, "size=1m,mode=0700"), 0)
      << std::strerror(errno);
  struct Unmount {
    std::string dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount_cache{cache};
  {
    Mount mount(sim, {}, cache);
    ASSERT_TRUE(mount.mounted()) << mount.error();
    // cp fails (ENOSPC); the part written is never put in the drive, and it is removed (the
    // next mount would insert what the cache holds).
    EXPECT_NE(std::system(("cp '" + iso + "' '" + mount.mountpoint() + "/' 2>/dev/null").c_str()),
              0);
    EXPECT_FALSE(wait_until([&] { return vm_state(sim)["medium_present"] == true; }, 3s))
        << vm_state(sim).dump();
    const auto status = mount.status();
    ASSERT_TRUE(status.is_object());
    EXPECT_EQ(status["cdrom"]["inserted"], false);
    EXPECT_NE(mount.log().find("removed ABUSE_FULL.iso: a write into it failed"),
              std::string::npos);
    EXPECT_FALSE(fsys::exists(mount.path("ABUSE_FULL.iso")));
    EXPECT_TRUE(fsys::is_empty(cache));
    // A copy that fits is inserted as usual.
    const std::string small = make_iso(work.path(), "ABUSE_FITS", 200'000);
    ASSERT_EQ(std::system(("cp '" + small + "' '" + mount.mountpoint() + "/'").c_str()), 0);
    EXPECT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_FITS"); }, 15s));
    expect_alive(mount);
  }
}

// ---- one server, two mounts; descriptors ----

TEST(MountAbuse, SecondMountOfTheSameServer) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ABUSE_TWO", 200'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  Mount first(sim, {});
  ASSERT_TRUE(console_up(first, 20s));
  ASSERT_EQ(::symlink(iso.c_str(), first.path("one.iso").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_TWO"); }, 15s));

  // The second mount logs in (the iLO has sessions for several users) and mounts, but the
  // console and the CD-ROM drive are the first one's: its console reports busy and stays
  // down (busy=fail), its drive is refused. The first mount is not disturbed.
  Mount second(sim, {});
  ASSERT_TRUE(second.mounted()) << second.error();
  EXPECT_TRUE(wait_until([&] {
    const auto s = second.status();
    return s.is_object() && s["connections"]["console"]["state"] != "up" &&
           s["connections"]["console"].value("error", "").find("busy") != std::string::npos;
  }, 20s)) << second.status().dump();
  const std::string other = make_iso(work.path(), "ABUSE_2ND", 100'000);
  ASSERT_EQ(::symlink(other.c_str(), second.path("two.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] {
    const auto s = second.status();
    return s.is_object() && s["connections"]["cdrom"]["state"] != "up" &&
           !s["connections"]["cdrom"].value("error", "").empty();
  }, 20s)) << second.status().dump();
  EXPECT_EQ(write_control(second.path("power"), "press\n"), ENOTCONN);
  expect_alive(second);

  EXPECT_TRUE(console_ready(first)) << first.status().dump();
  EXPECT_TRUE(disc_in(sim, "ABUSE_TWO"));
  EXPECT_EQ(first.status()["connections"]["cdrom"]["state"], "up");
  second.unmount();
  EXPECT_TRUE(console_ready(first));
  expect_alive(first);
}

TEST(MountAbuse, NoDescriptorLeaksAcrossEveryKindOfFile) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ABUSE_FD", 300'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return console_ready(mount) && at_prompt(sim); }, 20s));
  // Warm up once (lazily made objects, the drive's event loop), then count.
  (void)read_file(mount.path("screen.png"));
  (void)read_file(mount.path("status"));
  warm_up_drive(mount, sim, work.path());
  const int before = open_descriptors(mount.pid());
  ASSERT_GT(before, 0);

  for (int round = 0; round < 3; ++round) {
    for (const char* f : {"status", "screen.ppm", "screen.png", "screen.txt", "power", "boot"}) {
      (void)read_file(mount.path(f));
    }
    EXPECT_EQ(write_control(mount.path("power"), "nonsense"), EINVAL);
    EXPECT_EQ(write_control(mount.path("keyboard"), "<Bad>"), EINVAL);
    EXPECT_EQ(write_control(mount.path("boot"), "normal\n"), 0);
    // An events reader opened and closed without reading, and one that read.
    {
      const int fd = ::open(mount.path("events").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      ASSERT_GE(fd, 0);
      char buf[256];
      (void)::read(fd, buf, sizeof buf);
      ::close(fd);
    }
    // cp and rm of an image, a symlink and rm, and a create that is refused.
    ASSERT_EQ(std::system(("cp '" + iso + "' '" + mount.mountpoint() + "/c.iso'").c_str()), 0);
    ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_FD"); }, 15s));
    EXPECT_EQ(::open(mount.path("d.iso").c_str(), O_WRONLY | O_CREAT, 0644), -1);
    EXPECT_EQ(errno, EBUSY);
    ASSERT_EQ(::unlink(mount.path("c.iso").c_str()), 0);
    ASSERT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == false; }, 10s));
    ASSERT_EQ(::symlink(iso.c_str(), mount.path("l.iso").c_str()), 0);
    ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ABUSE_FD"); }, 15s));
    ASSERT_EQ(::unlink(mount.path("l.iso").c_str()), 0);
    ASSERT_TRUE(wait_until([&] { return vm_state(sim)["medium_present"] == false; }, 10s));
  }
  EXPECT_TRUE(wait_until([&] {
    return open_descriptors(mount.pid()) == before;
  }, 5s)) << before << " -> " << describe_descriptors(mount.pid());
  expect_alive(mount);
}

// ---- who may do what ----

mode_t mode_of(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 07777;
}

TEST(MountPermissions, ModesSayWhoMayDoWhatAndTheCacheIsPrivate) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ABUSE_MODE", 100'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  // A cache directory that does not exist yet, two levels deep: both levels are made 0700.
  const std::string cache = work.path() + "/cache/host";
  Mount mount(sim, {}, cache);
  ASSERT_TRUE(mount.mounted()) << mount.error();
  EXPECT_EQ(mode_of(mount.mountpoint()), 0755u);
  EXPECT_EQ(mode_of(mount.path("power")), 0600u);
  EXPECT_EQ(mode_of(mount.path("boot")), 0600u);
  EXPECT_EQ(mode_of(mount.path("keyboard")), 0200u);
  EXPECT_EQ(mode_of(mount.path("mouse")), 0200u);
  for (const char* f : {"screen.ppm", "screen.png", "screen.txt", "status", "events"}) {
    EXPECT_EQ(mode_of(mount.path(f)), 0400u) << f;
  }
  ASSERT_EQ(std::system(("cp '" + iso + "' '" + mount.mountpoint() + "/m.iso'").c_str()), 0);
  EXPECT_EQ(mode_of(mount.path("m.iso")), 0600u);
  EXPECT_EQ(mode_of(cache), 0700u);
  EXPECT_EQ(mode_of(work.path() + "/cache"), 0700u);
  EXPECT_EQ(mode_of(cache + "/m.iso"), 0600u);
  // The owner is the user who mounted.
  struct stat st {};
  ASSERT_EQ(::stat(mount.path("power").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(st.st_gid, ::getgid());
}

// What `user` gets from open(2) of `path` (and a write of `text`, if given) in a forked child
// that has become that user: 0 or the errno. Everything is prepared before the fork.
int as_user(const passwd& user, const std::string& path, int flags, const char* text = nullptr,
            mode_t mode = 0) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(user.pw_gid) != 0 ||
        ::setuid(user.pw_uid) != 0) {
      ::_exit(254);
    }
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) ::_exit(errno);
    if (text && ::write(fd, text, std::strlen(text)) < 0) ::_exit(errno);
    ::_exit(0);
  }
  int st = 0;
  if (pid < 0 || ::waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return 255;
  return WEXITSTATUS(st);
}

TEST(MountPermissions, OtherUsersGetEaccesWithAllowOther) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to mount with allow_other and setuid)";
  const passwd* found = ::getpwnam("nobody");
  if (!found) GTEST_SKIP() << "no user nobody";
  const passwd nobody = *found;
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {.o = {"allow_other"}});
  ASSERT_TRUE(console_up(mount, 20s));
  // The temporary directories are 0700: let `nobody` reach the mount point.
  for (fsys::path p = fsys::path(mount.mountpoint()).parent_path();
       p.has_relative_path(); p = p.parent_path()) {
    std::error_code ec;
    fsys::permissions(p, fsys::perms::others_exec, fsys::perm_options::add, ec);
  }
  const auto boots = sim.state()["boots"];

  // Looking into the directory is allowed (0755); every file is the owner's alone.
  EXPECT_EQ(as_user(nobody, mount.mountpoint(), O_RDONLY | O_DIRECTORY), 0);
  EXPECT_EQ(as_user(nobody, mount.path("power"), O_WRONLY, "hold\n"), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("power"), O_RDONLY), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("screen.ppm"), O_RDONLY), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("screen.txt"), O_RDONLY), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("status"), O_RDONLY), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("events"), O_RDONLY), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("keyboard"), O_WRONLY, "reboot\n"), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("mouse"), O_WRONLY), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("boot"), O_WRONLY, "cd\n"), EACCES);
  EXPECT_EQ(as_user(nobody, mount.path("x.iso"), O_WRONLY | O_CREAT, nullptr, 0644), EACCES);
  EXPECT_EQ(sim.state()["power"], "on");
  EXPECT_EQ(sim.state()["boots"], boots);
  EXPECT_EQ(sim.state()["one_time_boot"], "normal");
  // The owner still may.
  EXPECT_TRUE(json::parse(read_file(mount.path("status")), nullptr, false).is_object());
}

}  // namespace

int main(int argc, char** argv) {
  return ilo::test::run_mount_tests(argc, argv, /*needs_xorriso=*/true);
}
