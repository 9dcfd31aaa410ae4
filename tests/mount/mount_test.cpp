// The mount suite: a real FUSE mount of `ilofs` against the real `ilo-sim`, both as child
// processes on 127.0.0.1. Everything goes through ordinary file operations on the mount point
// and is checked against the simulator's own account (/sim/state). Every mount is unmounted in
// every exit path (the fixture's destructor). Without /dev/fuse, fusermount3 or xorriso the
// binary exits 77 and says why.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spng.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <openssl/evp.h>

#include "gtest_skips.hpp"
#include "mount_support.hpp"
#include "sim_process.hpp"

namespace {

namespace fsys = std::filesystem;
using namespace std::chrono_literals;
using namespace ilo::test;
using nlohmann::json;

bool sim_power_is(const SimProcess& sim, const char* value) {
  const auto s = sim.state();
  return s.is_object() && s["power"] == value;
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
  EXPECT_EQ(names, (std::vector<std::string>{"boot", "events", "keyboard", "mouse", "power",
                                             "screen.png", "screen.ppm", "screen.txt",
                                             "status"}));
  struct stat st {};
  ASSERT_EQ(::stat(mount.path("power").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
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
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ILOFS_LN"); }, 15s));
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

// ---- the USB key (NAME.img) beside the CD ----

json usb_state(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() ? s["usb"] : json();
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// POST /sim/usb/write of `data` at `lba`: the HTTP status (and the body in `body`).
int usb_write(const SimProcess& sim, std::uint64_t lba, const std::string& data,
              std::string* body = nullptr) {
  const json request = {{"lba", lba}, {"data", base64(data)}};
  return sim.post("/sim/usb/write", request.dump(), body);
}

bool usb_has_medium(const SimProcess& sim, std::uint64_t bytes) {
  const auto u = usb_state(sim);
  return u.is_object() && u["connected"] == true && u["medium_present"] == true &&
         u["capacity_bytes"] == bytes;
}

TEST(Mount, CdAndUsbKeyTogetherAndTheServerWritesTheKey) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_BOTH", 1'000'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  std::string key = random_bytes(4 << 20, 5);  // 4 MiB: a USB key (device 3)
  ASSERT_TRUE(write_file(work.path() + "/key.img", key));
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();

  const std::string cmd = "cp '" + iso + "' '" + work.path() + "/key.img' '" +
                          mount.mountpoint() + "/'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return disc_in(sim, "ILOFS_BOTH"); }, 15s)) << vm_state(sim).dump();
  ASSERT_TRUE(wait_until([&] { return usb_has_medium(sim, key.size()); }, 15s))
      << usb_state(sim).dump();
  EXPECT_EQ(usb_state(sim)["device"], "usb-key");
  EXPECT_EQ(usb_state(sim)["write_protected"], false);

  // The server writes 3 blocks at LBA 100 and 1 at LBA 0: the mount's key.img shows them.
  const std::string blocks = random_bytes(3 * 512, 6);
  const std::string first = random_bytes(512, 7);
  std::string body;
  ASSERT_EQ(usb_write(sim, 100, blocks, &body), 200) << body;
  ASSERT_EQ(usb_write(sim, 0, first, &body), 200) << body;
  key.replace(100 * 512, blocks.size(), blocks);
  key.replace(0, first.size(), first);
  EXPECT_TRUE(read_file(mount.path("key.img")) == key);  // cmp, without 4 MiB of diff output
  EXPECT_TRUE(read_file(mount.cache() + "/key.img") == key);  // in place, in the cache
  EXPECT_EQ(usb_state(sim)["bytes_written"], 4 * 512);
  // The simulator reads the whole key back through the protocol.
  ASSERT_EQ(sim.post("/sim/usb/read-all", "{}"), 202);
  ASSERT_TRUE(wait_until([&] { return usb_state(sim)["last_read_sha256"].is_string(); }, 30s));
  EXPECT_EQ(usb_state(sim)["last_read_sha256"], sha256_hex(key));

  // status shows both drives truthfully.
  const auto status = mount.status();
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["cdrom"]["name"], "ILOFS_BOTH.iso");
  EXPECT_EQ(status["cdrom"]["ready"], true);
  EXPECT_EQ(status["usb"]["name"], "key.img");
  EXPECT_EQ(status["usb"]["inserted"], true);
  EXPECT_EQ(status["usb"]["ready"], true);
  EXPECT_EQ(status["usb"]["size"], key.size());
  EXPECT_EQ(status["usb"]["write_protected"], false);
  EXPECT_EQ(status["usb"]["bytes_written"], 4 * 512);
  EXPECT_GE(status["usb"]["bytes_served"].get<std::uint64_t>(), key.size());
  EXPECT_EQ(status["connections"]["usb"]["state"], "up");
  EXPECT_EQ(status["connections"]["cdrom"]["state"], "up");

  // One key at a time; rm ejects it (the server sees DISCONNECT) and removes the cache file.
  const int fd = ::open(mount.path("second.img").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_LT(fd, 0);
  EXPECT_EQ(errno, EBUSY);
  ASSERT_EQ(::unlink(mount.path("key.img").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return usb_state(sim)["connected"] == false; }, 10s))
      << usb_state(sim).dump();
  EXPECT_EQ(usb_state(sim)["last_close_reason"], "client sent DISCONNECT");
  EXPECT_FALSE(fsys::exists(mount.cache() + "/key.img"));
  EXPECT_EQ(vm_state(sim)["medium_present"], true);  // the CD stays
  std::string refused;
  EXPECT_EQ(usb_write(sim, 0, first, &refused), 409) << refused;
}

TEST(Mount, SymlinkedKeyKeepsTheServersWritesAcrossRmAndReinsert) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string path = work.path() + "/floppy.img";
  std::string key = random_bytes(1'474'560, 8);  // 1.44 MB: a floppy (device 1)
  ASSERT_TRUE(write_file(path, key));
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();

  ASSERT_EQ(::symlink(path.c_str(), mount.path("floppy.img").c_str()), 0) << std::strerror(errno);
  ASSERT_TRUE(wait_until([&] { return usb_has_medium(sim, key.size()); }, 15s))
      << usb_state(sim).dump();
  EXPECT_EQ(usb_state(sim)["device"], "floppy");
  EXPECT_TRUE(fsys::is_empty(mount.cache()));  // nothing copied
  const std::string blocks = random_bytes(8 * 512, 9);
  std::string body;
  ASSERT_EQ(usb_write(sim, 2872, blocks, &body), 200) << body;  // the last 8 blocks
  key.replace(2872 * 512, blocks.size(), blocks);
  EXPECT_TRUE(read_file(path) == key);

  ASSERT_EQ(::unlink(mount.path("floppy.img").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return usb_state(sim)["connected"] == false; }, 10s));
  EXPECT_TRUE(read_file(path) == key);  // the user's file keeps the writes
  ASSERT_EQ(::symlink(path.c_str(), mount.path("floppy.img").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return usb_has_medium(sim, key.size()); }, 15s));
  const auto reads = usb_state(sim)["reads_completed"].get<std::uint64_t>();
  ASSERT_EQ(sim.post("/sim/usb/read-all", "{}"), 202);
  ASSERT_TRUE(wait_until([&] {
    return usb_state(sim)["reads_completed"].get<std::uint64_t>() > reads;
  }, 30s));
  EXPECT_EQ(usb_state(sim)["last_read_sha256"], sha256_hex(key));
  // Out of range and malformed requests.
  EXPECT_EQ(usb_write(sim, 2880, blocks, &body), 422) << body;
  EXPECT_EQ(json::parse(body)["sense"], "052100");
  EXPECT_EQ(sim.post("/sim/usb/write", "{\"lba\":0,\"data\":\"AAAA\"}", &body), 400) << body;
  EXPECT_EQ(sim.post("/sim/usb/write", "{\"lba\":0,\"data\":\"@@@@\"}", &body), 400) << body;
  EXPECT_EQ(sim.post("/sim/usb/write", "[1]", &body), 400) << body;
}

TEST(Mount, WriteProtectedKeysRefuseWritesWithDataProtect) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string path = work.path() + "/ro.img";
  const std::string key = random_bytes(1 << 20, 10);
  ASSERT_TRUE(write_file(path, key, 0444));  // a read-only file
  TempDir cache;
  {
    Mount mount(sim, {}, cache.path());
    ASSERT_TRUE(mount.mounted()) << mount.error();
    ASSERT_EQ(::symlink(path.c_str(), mount.path("ro.img").c_str()), 0);
    ASSERT_TRUE(wait_until([&] { return usb_has_medium(sim, key.size()); }, 15s));
    EXPECT_EQ(usb_state(sim)["write_protected"], true);
    std::string body;
    EXPECT_EQ(usb_write(sim, 0, random_bytes(512, 1), &body), 422);
    EXPECT_EQ(json::parse(body, nullptr, false)["sense"], "072700") << body;
    EXPECT_TRUE(read_file(path) == key);
    EXPECT_EQ(mount.status()["usb"]["write_protected"], true);
    ASSERT_EQ(::unlink(mount.path("ro.img").c_str()), 0);
    // A writable key copied in stays in the cache for the next mount.
    const std::string cmd = "cp '" + path + "' '" + mount.mountpoint() + "/copy.img'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    ASSERT_TRUE(wait_until([&] { return usb_has_medium(sim, key.size()); }, 15s));
    EXPECT_EQ(usb_state(sim)["write_protected"], false);
  }
  ASSERT_TRUE(wait_until([&] { return usb_state(sim)["connected"] == false; }, 10s));
  // Mounted `ro`, the same (writable) cached key is presented write-protected.
  Mount mount(sim, {.o = {"ro"}}, cache.path());
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return usb_has_medium(sim, key.size()); }, 15s))
      << usb_state(sim).dump();
  EXPECT_EQ(usb_state(sim)["write_protected"], true);
  std::string body;
  EXPECT_EQ(usb_write(sim, 0, random_bytes(512, 2), &body), 422);
  EXPECT_EQ(json::parse(body, nullptr, false)["sense"], "072700") << body;
  EXPECT_TRUE(read_file(cache.path() + "/copy.img") == key);
  EXPECT_EQ(mount.status()["usb"]["write_protected"], true);
  EXPECT_EQ(mount.status()["usb"]["name"], "copy.img");
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

// ---- one-time boot (the `boot` file, RIBCL) ----

// The simulator's machine boots when it starts; a one-time boot set before that boot picked its
// device would be used (and cleared) by it. Tests that count boots wait for the prompt first.
bool first_boot_done(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() && s["phase"] == "running" && s["last_boot_device"].is_string();
}

TEST(MountBoot, RoundTripAndJunkIsEinval) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return first_boot_done(sim); }, 15s)) << sim.state().dump();
  EXPECT_EQ(read_file(mount.path("boot")), "normal\n");
  for (const std::string word : {"cd", "usb", "floppy", "hdd", "network", "normal", "cd"}) {
    EXPECT_EQ(write_control(mount.path("boot"), word + "\n"), 0) << word;
    EXPECT_EQ(sim.state()["one_time_boot"], word);
    EXPECT_EQ(read_file(mount.path("boot")), word + "\n");
  }
  EXPECT_EQ(write_control(mount.path("boot"), "hdd"), 0);  // no newline: fine
  EXPECT_EQ(read_file(mount.path("boot")), "hdd\n");
  // Anything but one whole word changes nothing.
  const std::vector<std::string> junk_writes = {"CD\n",  "cd \n",   " cd\n", "cdrom\n",
                                                "cd\nhdd\n", "\n", "hdd\n\n", "pxe\n",
                                                std::string("cd\0", 3)};
  for (const auto& junk : junk_writes) {
    EXPECT_EQ(write_control(mount.path("boot"), junk), EINVAL) << junk;
  }
  EXPECT_EQ(sim.state()["one_time_boot"], "hdd");
  const auto status = mount.status();
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["boot"]["one_time_boot"], "hdd");
  EXPECT_TRUE(status["boot"]["last_error"].is_null()) << status.dump();
  EXPECT_EQ(status["boot"]["failures"], 0);
}

// An installed server (disk first): `echo cd > boot` and a power cycle boot the CD exactly once.
TEST(MountBoot, InstalledServerBootsTheCdExactlyOnce) {
  auto args = fast_sim();
  args.insert(args.end(), {"--boot-order", "hdd,cd"});
  SimProcess sim(args);
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_BOOT", 1'000'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  const std::string bytes = read_file(iso);
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_EQ(std::system(("cp '" + iso + "' '" + mount.mountpoint() + "/'").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["volume_id"] == "ILOFS_BOOT"; }, 15s))
      << vm_state(sim).dump();
  ASSERT_TRUE(wait_until([&] { return read_file(mount.path("power")) == "on\n"; }, 15s));
  ASSERT_TRUE(wait_until([&] { return first_boot_done(sim); }, 15s)) << sim.state().dump();
  // With a disc in, the disk still comes first.
  auto state = sim.state();
  EXPECT_EQ(state["boot_order"], (json{"hdd", "cd"}));
  EXPECT_EQ(state["last_boot_device"], "hdd");
  EXPECT_EQ(vm_state(sim)["reads_completed"], 0);

  ASSERT_EQ(write_control(mount.path("boot"), "cd\n"), 0);
  EXPECT_EQ(sim.state()["one_time_boot"], "cd");
  const int boots = sim.state()["boots"].get<int>();
  ASSERT_EQ(write_control(mount.path("power"), "cycle\n"), 0);
  ASSERT_TRUE(wait_until([&] {
    const auto s = sim.state();
    return s["boots"].get<int>() > boots && s["last_boot_device"] == "cd";
  }, 15s)) << sim.state().dump();
  EXPECT_EQ(sim.state()["one_time_boot"], "normal");  // used up by that boot
  EXPECT_EQ(read_file(mount.path("boot")), "normal\n");
  // The simulated BIOS read the whole disc and printed its SHA-256.
  ASSERT_TRUE(wait_until([&] { return vm_state(sim)["reads_completed"] == 1; }, 30s))
      << vm_state(sim).dump();
  EXPECT_EQ(vm_state(sim)["last_read_sha256"], sha256_hex(bytes));
  EXPECT_TRUE(wait_until([&] {
    return ilo::test::state_text(sim.state()).find("SHA-256 " + sha256_hex(bytes)) !=
           std::string::npos;
  }, 10s)) << ilo::test::state_text(sim.state());

  // The next cycle boots the disk again; the disc is not read again.
  ASSERT_EQ(write_control(mount.path("power"), "cycle\n"), 0);
  ASSERT_TRUE(wait_until([&] {
    const auto s = sim.state();
    return s["boots"].get<int>() > boots + 1 && s["last_boot_device"] == "hdd" &&
           ilo::test::state_text(s).find("Booting from hard disk...") != std::string::npos;
  }, 15s)) << sim.state().dump();
  EXPECT_EQ(vm_state(sim)["reads_completed"], 1);
  EXPECT_EQ(sim.state()["one_time_boot"], "normal");
}

// A bootable installer ISO (El Torito, no emulation) made by xorriso: the simulated BIOS stops
// at its boot loader's `boot:` prompt.
std::string make_bootable_iso(const std::string& dir, const std::string& volume_id) {
  const std::string tree = dir + "/" + volume_id + "-tree";
  fsys::create_directories(tree);
  if (!write_file(tree + "/boot.img", std::string(2048, '\xEB')) ||
      !write_file(tree + "/README.txt", "installer (test)\n"))
    return {};
  const std::string iso = dir + "/" + volume_id + ".iso";
  const std::string cmd = "xorriso -as mkisofs -quiet -V " + volume_id +
                          " -b boot.img -no-emul-boot -boot-load-size 4 -o '" + iso + "' '" +
                          tree + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? iso : std::string();
}

// The README's unattended install (tools/install-from-iso, quoted there verbatim), end to end
// against an installed server (disk first): the ISO and the key go in, the CD boots once, the
// script waits on `events` for the `boot:` prompt in screen.txt and types the command line;
// the installer then reads the key.
TEST(MountInstall, ReadmeScriptInstallsFromAnIsoAndAKey) {
  const std::string script_path = std::string(ILOFS_SOURCE_ROOT) + "/tools/install-from-iso";
  const std::string script = read_file(script_path);
  ASSERT_FALSE(script.empty()) << script_path;
  EXPECT_NE(read_file(std::string(ILOFS_SOURCE_ROOT) + "/README.md")
                .find("```bash\n" + script + "```\n"),
            std::string::npos)
      << "README.md must quote tools/install-from-iso exactly, in a bash block";

  auto args = fast_sim();
  args.insert(args.end(), {"--boot-order", "hdd,cd"});
  SimProcess sim(args);
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_bootable_iso(work.path(), "ILOFS_INSTALL");
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  std::string key = "# kickstart for srv1 (test)\nrootpw --iscrypted x\n";
  key.resize(4u << 20, '\0');  // 4 MiB: a USB key, not a floppy
  const std::string key_path = work.path() + "/ks.img";
  ASSERT_TRUE(write_file(key_path, key));
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_TRUE(wait_until([&] { return first_boot_done(sim); }, 15s)) << sim.state().dump();
  ASSERT_EQ(sim.state()["last_boot_device"], "hdd");

  const std::string cmdline = "auto=true priority=critical file=/media/ks.cfg";
  const std::string run = "timeout 90 bash '" + script_path + "' '" + mount.mountpoint() +
                          "' '" + iso + "' '" + key_path + "' '" + cmdline + "'";
  ASSERT_EQ(std::system(run.c_str()), 0) << ilo::test::state_text(sim.state());

  // The command line reached the boot loader, on the CD booted once.
  ASSERT_TRUE(wait_until([&] { return sim.state()["installer_command_line"] == cmdline; }, 10s))
      << sim.state().dump();
  auto state = sim.state();
  EXPECT_EQ(state["last_boot_device"], "cd");
  EXPECT_EQ(state["one_time_boot"], "normal");
  EXPECT_EQ(state["installer_starts"], 1);
  EXPECT_EQ(vm_state(sim)["reads_completed"], 1);
  EXPECT_EQ(vm_state(sim)["last_read_sha256"], sha256_hex(read_file(iso)));
  // The installer found its key and read all of it.
  ASSERT_TRUE(wait_until([&] { return usb_state(sim)["reads_completed"] == 1; }, 20s))
      << usb_state(sim).dump();
  EXPECT_EQ(usb_state(sim)["last_read_sha256"], sha256_hex(key));
  // And screen.txt shows what a person sees. The key's line is printed when the read ends,
  // which may be after the shell has drawn its prompt (as a kernel message lands mid-line).
  EXPECT_TRUE(wait_until([&] {
    const std::string text = read_file(mount.path("screen.txt"));
    return text.find("\nboot: " + cmdline + "\nStarting the installer: " + cmdline + "\n") !=
               std::string::npos &&
           text.find("Virtual USB key: read 4194304 bytes\n") != std::string::npos;
  }, 10s)) << read_file(mount.path("screen.txt"));
}

// The iLO refuses the RIBCL login (its password was changed under the mount): EIO, and the
// reason in the log and in `status`; the password is in neither.
TEST(MountBoot, RefusedRibclLoginIsEioWithAMessage) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_EQ(sim.post("/sim/password", R"({"password":"changed-by-the-admin"})"), 200);
  EXPECT_EQ(write_control(mount.path("boot"), "cd\n"), EIO);
  EXPECT_EQ(sim.state()["one_time_boot"], "normal");
  EXPECT_LT(::open(mount.path("boot").c_str(), O_RDONLY), 0);
  EXPECT_EQ(errno, EIO);
  const auto status = mount.status();
  ASSERT_TRUE(status.is_object());
  const std::string error = status["boot"]["last_error"].is_string()
                                ? status["boot"]["last_error"].get<std::string>()
                                : std::string();
  EXPECT_NE(error.find("refused the RIBCL login"), std::string::npos) << status.dump();
  EXPECT_NE(error.find("Login failed"), std::string::npos) << status.dump();
  EXPECT_EQ(status["boot"]["failures"], 2);
  EXPECT_NE(status["errors"].dump().find("refused the RIBCL login"), std::string::npos);
  const std::string log = mount.log();
  EXPECT_NE(log.find("refused the RIBCL login"), std::string::npos) << log;
  EXPECT_EQ(log.find(SimProcess::password()), std::string::npos);
  EXPECT_EQ(status.dump().find(SimProcess::password()), std::string::npos);
  // The web session is untouched: the console and drives keep working.
  EXPECT_EQ(status["connections"]["web"]["state"], "up");
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
  ASSERT_TRUE(console_up(mount, 15s));
  // Type once the simulated machine has booted to its prompt (keys typed during POST would be
  // mixed into the banner, as on a real server).
  ASSERT_TRUE(wait_until([&] { return at_prompt(sim); }, 15s));

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

// screen.txt on the simulator, at several screen sizes: after typing, it is exactly the text
// rows /sim/state reports (status bar last), and no cell is unknown.
class MountScreenText : public ::testing::TestWithParam<const char*> {};

TEST_P(MountScreenText, EqualsTheSimulatorsTextRows) {
  auto args = fast_sim();
  args.insert(args.end(), {"--resolution", GetParam()});
  SimProcess sim(args);
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 15s));
  ASSERT_TRUE(wait_until([&] { return at_prompt(sim); }, 15s));
  EXPECT_EQ(write_control(mount.path("keyboard"), "echo 'screen.txt: {[(~|@#$%^&*)]}'\n"), 0);
  std::string text, expected;
  EXPECT_TRUE(wait_until([&] {
    expected = ilo::test::state_text(sim.state());
    text = read_file(mount.path("screen.txt"));
    return expected.find("# echo 'screen.txt: {[(~|@#$%^&*)]}'\n") != std::string::npos &&
           text == expected;
  }, 10s)) << "screen.txt:\n" << text << "\n/sim/state:\n" << expected;
  struct stat st {};
  ASSERT_EQ(::stat(mount.path("screen.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  EXPECT_EQ(mount.status()["screen"]["unknown_cells"], 0);
}

INSTANTIATE_TEST_SUITE_P(Resolutions, MountScreenText,
                         ::testing::Values("1024x768", "800x600", "1360x768", "640x480"));

// screen.txt on the real capture: tests/fixtures/rc-server.bin (an archiso console on an iLO 4)
// replayed by the simulator reads as a person reads it off screen.png (rows written by hand).
TEST(Mount, ScreenTxtReadsTheRealCapture) {
  SimProcess sim({"--frame-interval", "50", "--replay",
                  std::string(ILOFS_FIXTURES) + "/rc-server.bin", "--replay-key",
                  "bbAcD834680DDca9DE65269512BDdEC2"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  const std::vector<std::string> rows = {
      "--- 100.70.70.3 ping statistics ---",
      "3 packets transmitted, 0 received, 100% packet loss, time 2030ms",
      "root@archiso:/# ping 100.70.70.2",
      "PING 100.70.70.2 (100.70.70.2) 56(84) bytes of data.",
      "ping: sendmsg: Operation not permitted",
      "--- 100.70.70.2 ping statistics ---",
      "1 packets transmitted, 0 received, 100% packet loss, time 0ms",
      "root@archiso:/# iptables -t mangle -L | less",
  };
  std::string text;
  EXPECT_TRUE(wait_until([&] {
    text = read_file(mount.path("screen.txt"));
    std::vector<std::string> lines;
    for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
      lines.push_back(text.substr(at, nl - at));
    }
    return std::all_of(rows.begin(), rows.end(), [&](const std::string& row) {
      return std::find(lines.begin(), lines.end(), row) != lines.end();
    });
  }, 20s)) << text;
  EXPECT_EQ(mount.status()["screen"]["unknown_cells"], 0) << text;
}

// Keyboard layouts: text typed through the mount with -o layout=de / layout=fr appears exactly on
// a simulated console that reads keys with the same XKB layout (--layout): z/y swapped, AltGr
// characters, umlauts, dead-key accents. Latin-1 only: the simulator's font draws no more.
void type_in_layout(const std::string& layout, const std::string& text) {
  auto args = fast_sim();
  args.insert(args.end(), {"--layout", layout});
  SimProcess sim(args);
  ASSERT_EQ(sim.error(), "");
  EXPECT_EQ(sim.state()["layout"], layout);
  Mount mount(sim, {.o = {"layout=" + layout}});
  ASSERT_TRUE(console_up(mount, 15s));
  EXPECT_EQ(mount.status()["keyboard"]["layout"], layout);
  ASSERT_TRUE(wait_until([&] { return at_prompt(sim); }, 15s));
  // A character the layout cannot type: EINVAL and nothing typed at all (else the line below
  // would read "echo echo ...").
  EXPECT_EQ(write_control(mount.path("keyboard"), "echo \u4E2D\n"), EINVAL);
  EXPECT_EQ(write_control(mount.path("keyboard"), "echo " + text + "\n"), 0);
  const std::string wanted = "root@ilo-sim:~# echo " + text;
  ASSERT_TRUE(wait_until([&] {
    return ilo::test::state_text(sim.state()).find(wanted) != std::string::npos;
  }, 10s)) << ilo::test::state_text(sim.state()) << "\nwanted: " << wanted;
  EXPECT_EQ(ilo::test::state_text(sim.state()).find("\u4E2D"), std::string::npos);
  // screen.txt reads the same accented line off the pixels.
  std::string seen;
  EXPECT_TRUE(wait_until([&] {
    seen = read_file(mount.path("screen.txt"));
    return seen.find(wanted) != std::string::npos;
  }, 10s)) << seen << "\nwanted: " << wanted;
}

TEST(MountLayout, GermanTextAppearsExactly) {
  type_in_layout("de", "zy ZY @ Gr\u00FC\u00DFe \u00E4\u00F6\u00FC \u00C4\u00D6\u00DC {[]}\\ ~ | "
                       "\u00B5 \u00B2 \u00A7 \u00B0 \u00EA \u00E9 ` ^ caf\u00E9");
}

TEST(MountLayout, FrenchTextAppearsExactly) {
  type_in_layout("fr", "azqwm AZQWM @ # \u00E0\u00E9\u00E8\u00E7\u00F9 \u00EA\u00EB\u00EE "
                       "~ {[]} | \\ ^ \u00B2 \u00B5 \u00A7 1234567890 ; : ! ?");
}

// A layout XKB does not know, or a malformed name, fails the mount with a message naming it.
TEST(MountLayout, UnknownLayoutFailsTheMount) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  for (const std::string layout : {"zz", "de:nosuchvariant", "de(nodeadkeys)"}) {
    Mount mount(sim, {.o = {"layout=" + layout}, .password = SimProcess::password(), .pin = true,
                      .foreground = false});
    EXPECT_NE(mount.exit_status(), 0) << layout;
    EXPECT_FALSE(mount.is_mounted()) << layout;
    EXPECT_NE(mount.log().find("layout="), std::string::npos) << mount.log();
  }
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
  // (Under load the drive may be reconnecting when the read is asked for: ask again.)
  ASSERT_TRUE(wait_until([&] { return sim.post("/sim/vm/read-all", "{}") == 202; }, 15s))
      << vm_state(sim).dump();
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
  ASSERT_TRUE(console_up(mount, 15s));
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
  ASSERT_TRUE(console_up(mount, 15s));
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

// ---- events ----

// One open of `events`: lines read as poll() says they are there (or by blocking reads).
class EventReader {
 public:
  explicit EventReader(const std::string& path, int flags = 0)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags)) {}
  ~EventReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

  // The next line within `timeout`, parsed (null if none came, or the stream ended).
  json next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nullptr;
      pollfd p{fd_, POLLIN, 0};
      const int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return nullptr;
      char chunk[4096];
      const ssize_t got = ::read(fd_, chunk, sizeof chunk);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) return nullptr;
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
    const auto end = buffer_.find('\n');
    const std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 1);
    all_.push_back(json::parse(line, nullptr, false));
    return all_.back();
  }
  // Lines until one for which `match` is true (that one included); null if none within
  // `timeout`.
  template <typename Match>
  json until(Match match, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      json line = next(left);
      if (line.is_null()) return nullptr;
      if (match(line)) return line;
    }
    return nullptr;
  }
  [[nodiscard]] const std::vector<json>& all() const { return all_; }

 private:
  int fd_;
  std::string buffer_;
  std::vector<json> all_;
};

bool is_event(const json& j, const char* type, const char* key, const char* value) {
  return j.is_object() && j["type"] == type && j.contains(key) && j[key] == value;
}

// Every line is one object with an RFC 3339 UTC time (milliseconds) and a known type.
void expect_well_formed(const std::vector<json>& lines) {
  for (const auto& j : lines) {
    ASSERT_TRUE(j.is_object()) << j.dump();
    ASSERT_TRUE(j["time"].is_string()) << j.dump();
    const std::string t = j["time"];
    EXPECT_EQ(t.size(), 24u) << t;
    EXPECT_EQ(t[10], 'T') << t;
    EXPECT_EQ(t.back(), 'Z') << t;
    const std::string type = j["type"];
    EXPECT_TRUE(type == "power" || type == "connection" || type == "media" ||
                type == "screen" || type == "text")
        << j.dump();
  }
}

TEST(MountEvents, PowerCycleInsertReadEjectInOrderWithPoll) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_EV", 2'000'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 20s));
  ASSERT_TRUE(wait_until([&] { return read_file(mount.path("power")) == "on\n"; }, 15s));

  EventReader events(mount.path("events"), O_NONBLOCK);
  ASSERT_GE(events.fd(), 0) << std::strerror(errno);
  // Nothing has happened since the open: a non-blocking read says so.
  char byte = 0;
  EXPECT_EQ(::read(events.fd(), &byte, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
  pollfd idle{events.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&idle, 1, 0), 0);
  // A second, blocking reader sees the same lines: its reads are kept until there is one.
  EventReader blocking(mount.path("events"));
  ASSERT_GE(blocking.fd(), 0);
  std::string blocked_text;
  std::thread blocked([&] {
    char chunk[4096];
    while (blocked_text.find("\"ejected\"") == std::string::npos) {
      const ssize_t n = ::read(blocking.fd(), chunk, sizeof chunk);
      if (n <= 0) break;
      blocked_text.append(chunk, static_cast<std::size_t>(n));
    }
  });

  ASSERT_EQ(write_control(mount.path("power"), "hold\n"), 0);
  EXPECT_FALSE(events.until([](const json& j) { return is_event(j, "power", "state", "off"); },
                            15s).is_null());
  ASSERT_EQ(write_control(mount.path("power"), "press\n"), 0);
  EXPECT_FALSE(events.until([](const json& j) { return is_event(j, "power", "state", "on"); },
                            15s).is_null());

  const std::string cmd = "cp '" + iso + "' '" + mount.mountpoint() + "/'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const json inserted =
      events.until([](const json& j) { return is_event(j, "media", "event", "inserted"); }, 15s);
  ASSERT_FALSE(inserted.is_null());
  EXPECT_EQ(inserted["drive"], "cdrom");
  EXPECT_EQ(inserted["name"], "ILOFS_EV.iso");
  EXPECT_EQ(inserted["size"], fsys::file_size(iso));
  EXPECT_FALSE(events.until([](const json& j) { return is_event(j, "media", "event", "ready"); },
                            15s).is_null());
  ASSERT_EQ(sim.post("/sim/vm/read-all", "{}"), 202);
  const json done = events.until([](const json& j) {
    return is_event(j, "media", "event", "progress") && j["percent"] == 100;
  }, 30s);
  ASSERT_FALSE(done.is_null());
  EXPECT_GE(done["bytes_read"].get<std::uint64_t>(), fsys::file_size(iso));

  ASSERT_EQ(::unlink(mount.path("ILOFS_EV.iso").c_str()), 0);
  const json ejected =
      events.until([](const json& j) { return is_event(j, "media", "event", "ejected"); }, 15s);
  ASSERT_FALSE(ejected.is_null());
  EXPECT_EQ(ejected["name"], "ILOFS_EV.iso");
  EXPECT_FALSE(events.until([](const json& j) {
    return is_event(j, "connection", "link", "cdrom") && j["state"] == "down";
  }, 15s).is_null());

  // In order: power off, on, then the medium inserted, ready, read, ejected; the CD-ROM
  // connection came up in between.
  const auto& lines = events.all();
  expect_well_formed(lines);
  std::string dump;
  for (const auto& j : lines) dump += j.dump() + "\n";
  SCOPED_TRACE(dump);
  auto index = [&](auto match, long from = 0) {
    for (auto i = static_cast<std::size_t>(std::max(from, 0L)); i < lines.size(); ++i) {
      if (match(lines[i])) return static_cast<long>(i);
    }
    return -1L;
  };
  const long off = index([](const json& j) { return is_event(j, "power", "state", "off"); });
  const long on = index([](const json& j) { return is_event(j, "power", "state", "on"); }, off);
  const long in = index([](const json& j) { return is_event(j, "media", "event", "inserted"); });
  const long ready = index([](const json& j) { return is_event(j, "media", "event", "ready"); });
  const long up = index([](const json& j) {
    return is_event(j, "connection", "link", "cdrom") && j["state"] == "up";
  });
  const long out = index([](const json& j) { return is_event(j, "media", "event", "ejected"); });
  const long down = index([](const json& j) {
    return is_event(j, "connection", "link", "cdrom") && j["state"] == "down";
  }, up);
  EXPECT_GE(off, 0);  EXPECT_LT(off, on);
  EXPECT_LT(on, in);
  EXPECT_LT(in, ready);
  EXPECT_LT(in, up);
  EXPECT_LT(ready, out);
  EXPECT_LT(up, out);
  EXPECT_LT(out, down);  // the drive disconnects for the eject

  blocked.join();
  // The blocking reader got the same lines, from its own open on.
  std::vector<json> blocked_lines;
  for (std::size_t at = 0; at < blocked_text.size();) {
    const auto end = blocked_text.find('\n', at);
    if (end == std::string::npos) break;
    blocked_lines.push_back(json::parse(blocked_text.substr(at, end - at), nullptr, false));
    at = end + 1;
  }
  expect_well_formed(blocked_lines);
  ASSERT_LE(blocked_lines.size(), lines.size());
  ASSERT_FALSE(blocked_lines.empty());
  for (std::size_t i = 0; i < blocked_lines.size(); ++i) {
    EXPECT_EQ(blocked_lines[i], lines[i]) << i;
  }
}

// A read kept waiting does not keep the mount: SIGTERM ends it (EOF or an error), ilofs
// unmounts and exits. The reader is a child process, so a read that never returned cannot hang
// the test.
TEST(MountEvents, TerminateWhileAReaderWaitsEndsTheRead) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  const int fd = ::open(mount.path("events").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const pid_t child = ::fork();
  if (child == 0) {
    char chunk[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0) {
    }  // connection lines may come first; then the read waits
    ::_exit(n == 0 ? 0 : 1);  // 0: EOF, 1: an error
  }
  ASSERT_GT(child, 0);
  // Nothing left to read: the child's read is (or will be) waiting. Then the mount ends.
  EXPECT_TRUE(wait_until([&] {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }, 15s));
  EXPECT_TRUE(mount.terminate());
  const auto status = ilo::test::wait_child_or_kill(child, 10s);
  EXPECT_TRUE(status) << "the waiting read did not return";
  EXPECT_TRUE(status && WIFEXITED(*status));
  ::close(fd);
}

void on_alarm(int) {}

// A signal interrupts a waiting read (FUSE_INTERRUPT): read(2) fails with EINTR, and the
// stream goes on. The reader is a child process with a SIGALRM handler without SA_RESTART.
TEST(MountEvents, ASignalInterruptsAWaitingRead) {
  SimProcess sim(fast_sim());
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 20s));
  const pid_t child = ::fork();
  if (child == 0) {
    struct sigaction action {};
    action.sa_handler = on_alarm;
    ::sigaction(SIGALRM, &action, nullptr);
    const int fd = ::open(mount.path("events").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) ::_exit(2);
    char chunk[4096];
    for (int attempt = 0; attempt < 20; ++attempt) {  // an event may come first: read again
      ::alarm(1);
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) ::_exit(0);
      if (n <= 0) ::_exit(3);
    }
    ::_exit(4);
  }
  ASSERT_GT(child, 0);
  const auto status = ilo::test::wait_child_or_kill(child, 30s);
  ASSERT_TRUE(status) << "the interrupted read did not return";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << "2: no open, 3: EOF or another error, 4: never waited";
}

// The value at a JSON pointer ("/a/b"), or null where there is none.
json at(const json& j, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return j.is_object() && j.contains(p) ? j[p] : json();
}

// ---- Fault campaign (seeded) ----
// The seeds each campaign runs: 1, 2 and 3, or the one in ILOFS_FAULT_SEED (to replay a
// failure, or to run a longer campaign from a script).
std::vector<std::uint64_t> fault_seeds() {
  if (const char* s = std::getenv("ILOFS_FAULT_SEED"); s && *s)
    return {std::strtoull(s, nullptr, 10)};
  return {1, 2, 3};
}

// During a whole-disc read through the mount and a series of writes to the USB key, the
// simulator drops the CD's connection twice, stalls it, drops the key's connection and resets
// the console, each at a seeded random byte: the mount stays up, the read completes with the
// right SHA-256, and every write the server saw acknowledged is in the key's image.
TEST(MountFaults, SeededDropsStallsAndResetsDuringAReadAndWrites) {
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_FAULTS", 3'000'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  const std::string iso_sha = sha256_hex(read_file(iso));
  for (const std::uint64_t seed : fault_seeds()) {
    SCOPED_TRACE("ILOFS_FAULT_SEED=" + std::to_string(seed));
    std::mt19937_64 random(seed);
    const auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
      return std::uniform_int_distribution<std::uint64_t>(lo, hi)(random);
    };
    // The CD's connection carries the simulator's requests: 4 bytes of accept, about 80 of
    // enumeration, then 12 per READ (~23 for this disc) and polls; the key's carries WRITE
    // data too (8 writes of 2 KiB below).
    const std::vector<std::string> faults = {
        "drop:vm:" + std::to_string(pick(60, 330)),
        "stall:vm:" + std::to_string(pick(60, 330)) + ":1500",
        "drop:vm:" + std::to_string(pick(60, 330)),
        "drop:usb:" + std::to_string(pick(200, 14'000)),
        "drop:rc:" + std::to_string(pick(2'000, 40'000)),
    };
    std::vector<std::string> args = {"--frame-interval", "50", "--seed", std::to_string(seed)};
    for (const auto& f : faults) args.insert(args.end(), {"--fault", f});
    SimProcess sim(args);
    ASSERT_EQ(sim.error(), "");
    std::string key = random_bytes(4 << 20, seed);
    const std::string key_path = work.path() + "/key.img";
    ASSERT_TRUE(write_file(key_path, key));
    Mount mount(sim, {});
    ASSERT_TRUE(mount.mounted()) << mount.error();
    ASSERT_EQ(::symlink(iso.c_str(), mount.path("faults.iso").c_str()), 0);
    ASSERT_EQ(::symlink(key_path.c_str(), mount.path("key.img").c_str()), 0);
    // (A drop may fall in the enumeration: the read starts once the drive is back.)
    ASSERT_TRUE(wait_until([&] { return sim.post("/sim/vm/read-all", "{}") == 202; }, 20s))
        << vm_state(sim).dump();

    // Eight writes of 4 blocks at distinct places; each is retried until acknowledged (the
    // connection comes back after a drop) or 20 s pass.
    int acknowledged = 0;
    for (int w = 0; w < 8; ++w) {
      const std::uint64_t lba = 64 + static_cast<std::uint64_t>(w) * 512;
      const std::string data = random_bytes(4 * 512, seed * 100 + static_cast<std::uint64_t>(w));
      std::string body;
      const bool ok = wait_until([&] { return usb_write(sim, lba, data, &body) == 200; }, 20s);
      if (ok) {
        key.replace(lba * 512, data.size(), data);
        ++acknowledged;
      }
    }
    EXPECT_EQ(acknowledged, 8) << usb_state(sim).dump();
    ASSERT_TRUE(wait_until([&] { return vm_state(sim)["last_read_sha256"].is_string(); }, 60s))
        << vm_state(sim).dump();
    EXPECT_EQ(vm_state(sim)["last_read_sha256"], iso_sha);
    EXPECT_TRUE(read_file(key_path) == key) << "an acknowledged write is missing from key.img";
    // The server reads the whole key back through the protocol and sees the same bytes.
    ASSERT_TRUE(wait_until([&] { return sim.post("/sim/usb/read-all", "{}") == 202; }, 20s));
    EXPECT_TRUE(wait_until([&] {
      return usb_state(sim)["last_read_sha256"] == sha256_hex(key);
    }, 30s)) << usb_state(sim).dump();
    EXPECT_GE(vm_state(sim)["connections"].get<int>(), 3) << vm_state(sim).dump();
    // The console came back from its reset, and nothing crashed.
    EXPECT_TRUE(wait_until([&] { return console_ready(mount); }, 20s)) << mount.status().dump();
    const auto status = mount.status();
    ASSERT_TRUE(status.is_object());
    EXPECT_EQ(status["companion"]["restarts"], 0) << status.dump();
    EXPECT_TRUE(mount.terminate()) << "ilofs did not end by itself on SIGTERM";
  }
}

// Each of ilofs's peers turned to garbage on its first two connections, from a seeded byte
// inside what that connection sends first (the handshake, the first records or requests): no
// process crashes or hangs, the mount answers throughout, status reports the broken
// connections, and once the peer sends sense again the link comes back by itself and works
// (the console shows the screen; the drives serve a whole read with the right SHA-256).
TEST(MountFaults, GarbageFromEveryPeerNeverCrashesOrHangs) {
  TempDir work;
  const std::string iso = make_iso(work.path(), "ILOFS_GARBAGE", 200'000);
  ASSERT_FALSE(iso.empty()) << "xorriso failed";
  const std::string iso_sha = sha256_hex(read_file(iso));
  const std::string key = random_bytes(1 << 20, 3);
  const std::string key_path = work.path() + "/key.img";
  ASSERT_TRUE(write_file(key_path, key));
  struct Round {
    const char* channel;  // the simulator's
    const char* link;     // status's
    std::uint64_t lo, hi;  // where garbage may start: inside the connection's first bytes
    const char* frame_interval;
  };
  // Server-to-client bytes of one connection: console: hello, status byte (granted at 2), then
  // the first frame; command: hello, status, then 12-byte records (the first ones within 0.2 s
  // at a 10 ms frame interval); CD and key: the 4-byte connect response, then the
  // enumeration's 12-byte requests. Garbage in the console's stream or in the CD's requests is
  // not detectable as such (any bytes decode, or are answered with sense data, or may even be
  // an eject), so those rounds garble the handshakes (hello, status byte, the connect
  // response's first byte), which used to stop the link for good.
  const Round rounds[] = {{"rc", "console", 0, 1, "50"},
                          {"cmd", "command", 2, 40, "10"},
                          {"vm", "cdrom", 0, 0, "50"},
                          {"usb", "usb", 0, 0, "50"}};
  constexpr int kGarbled = 2;  // connections of the channel that get garbage
  std::mt19937_64 random(fault_seeds().front());
  for (const Round& r : rounds) {
    const std::uint64_t from =
        std::uniform_int_distribution<std::uint64_t>(r.lo, r.hi)(random);
    const std::string fault = "garbage:" + std::string(r.channel) + ":" + std::to_string(from) +
                              ":" + std::to_string(kGarbled);
    SCOPED_TRACE(fault);
    SimProcess sim({"--frame-interval", r.frame_interval, "--fault", fault});
    ASSERT_EQ(sim.error(), "");
    Mount mount(sim, {});
    ASSERT_TRUE(mount.mounted()) << mount.error();
    ASSERT_EQ(::symlink(iso.c_str(), mount.path("g.iso").c_str()), 0);
    ASSERT_EQ(::symlink(key_path.c_str(), mount.path("key.img").c_str()), 0);
    const std::string link = r.link;
    // The connections the simulator accepted on the channel.
    const auto connections = [&] {
      const json st = sim.state();
      const json commands = at(st, "/console/counters/command_sessions");
      const json n = link == "console"   ? at(st, "/console/counters/accepted")
                     : link == "command" ? commands
                     : link == "cdrom"   ? at(st, "/vm/connections")
                                         : at(st, "/usb/connections");
      if (!n.is_number() || !commands.is_number()) return 0;
      // The console port accepts the command connections too.
      return n.get<int>() - (link == "console" ? commands.get<int>() : 0);
    };
    // Reported: a command connection that was granted and then broke counts as a reconnect
    // when it comes back; the console's and a drive's failed attempts are warnings in status's
    // errors.
    const auto reported = [&](const json& st) {
      if (link == "command") {
        const json n = at(st, "/connections/" + link + "/reconnects");
        return n.is_number() && n.get<int>() >= kGarbled;
      }
      int warnings = 0;
      for (const auto& e : at(st, "/errors")) {
        if (e.is_object() && e.value("text", "").find(link + ": connection ended") != std::string::npos)
          ++warnings;
      }
      return warnings >= kGarbled;
    };
    // Recovered: the garbled connections and a clean one came, the link is up and said so.
    json st;
    EXPECT_TRUE(wait_until([&] {
      st = mount.status();
      return st.is_object() && at(st, "/connections/" + link + "/state") == "up" &&
             connections() > kGarbled && reported(st);
    }, 20s)) << "connections " << connections() << ": " << st.dump() << "\nsim: "
             << sim.state().dump();
    // It works again, and everything else answers.
    if (link == "console") {
      EXPECT_TRUE(console_up(mount, 10s));
    }
    if (link == "cdrom") {
      ASSERT_TRUE(wait_until([&] { return sim.post("/sim/vm/read-all", "{}") == 202; }, 10s));
      EXPECT_TRUE(wait_until([&] { return vm_state(sim)["last_read_sha256"] == iso_sha; }, 20s))
          << vm_state(sim).dump();
    }
    if (link == "usb") {
      ASSERT_TRUE(wait_until([&] { return sim.post("/sim/usb/read-all", "{}") == 202; }, 10s));
      EXPECT_TRUE(wait_until([&] {
        return usb_state(sim)["last_read_sha256"] == sha256_hex(key);
      }, 20s)) << usb_state(sim).dump();
    }
    st = mount.status();
    ASSERT_TRUE(st.is_object()) << read_file(mount.path("status"));
    EXPECT_EQ(st["companion"]["restarts"], 0) << st.dump();
    read_file(mount.path("screen.ppm"));
    read_file(mount.path("power"));
    EXPECT_TRUE(fsys::exists(mount.path("g.iso")));
    EXPECT_TRUE(mount.is_mounted());
    EXPECT_TRUE(mount.terminate()) << "ilofs did not end by itself on SIGTERM";
  }
}

// The web API turned to garbage: at mount time the mount fails with a message (no crash, no
// hang); under a live mount a RIBCL request is EIO with a message, a renewal fails and is
// retried, and the mount stays up and unmounts cleanly.
TEST(MountFaults, GarbageFromTheWebApi) {
  {
    SimProcess sim({"--frame-interval", "50", "--fault", "garbage:web:0"});
    ASSERT_EQ(sim.error(), "");
    Mount::Options options;
    options.foreground = false;
    Mount mount(sim, options);
    EXPECT_EQ(mount.exit_status(), 1) << mount.log();  // an error exit, not a signal
    EXPECT_FALSE(mount.is_mounted());
    EXPECT_NE(mount.log().find("ilofs: "), std::string::npos) << mount.log();
  }
  // The console's connection drops after 9000 bytes (typing below makes them).
  SimProcess sim({"--frame-interval", "50", "--fault", "drop:rc:9000"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 15s));
  std::string body;
  EXPECT_EQ(sim.post("/sim/fault", R"({"spec":"garbage:vm:x"})", &body), 400) << body;
  ASSERT_EQ(sim.post("/sim/fault", R"({"spec":"garbage:web:0"})", &body), 200) << body;
  EXPECT_EQ(write_control(mount.path("boot"), "cd\n"), EIO);
  EXPECT_TRUE(at(mount.status(), "/boot/last_error").is_string()) << mount.status().dump();
  // The sessions end; the console's reconnect needs a login, whose replies are garbage.
  ASSERT_EQ(sim.post("/sim/sessions/expire", "{}"), 200);
  for (int i = 0; i < 6; ++i)
    write_control(mount.path("keyboard"), "echo the quick brown fox jumps over the lazy dog\n");
  EXPECT_TRUE(wait_until([&] {
    return at(mount.status(), "/connections/web/state") == "down";
  }, 20s)) << mount.status().dump();
  EXPECT_TRUE(at(mount.status(), "/connections/web/error").is_string());
  EXPECT_TRUE(mount.is_mounted());
  EXPECT_EQ(mount.status()["companion"]["restarts"], 0);
  EXPECT_TRUE(mount.terminate()) << "ilofs did not end by itself on SIGTERM";
}

// The password changed under a live mount and every web session gone: the next login is
// refused. status says so clearly, the refused password is not tried again (a directory
// account would lock), nothing crashes; once the password file has the new password, the mount
// logs in by itself and everything comes back.
TEST(MountFaults, LoginRefusedMidSessionIsClearAndRetriedWithTheNewPassword) {
  SimProcess sim({"--frame-interval", "50", "--fault", "drop:rc:9000"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(console_up(mount, 15s));
  const std::string changed = "changed-by-the-admin";
  ASSERT_EQ(sim.post("/sim/password", json{{"password", changed}}.dump()), 200);
  ASSERT_EQ(sim.post("/sim/sessions/expire", "{}"), 200);
  // Typing makes console bytes: the connection drops at 9000 and its reconnect needs a login.
  for (int i = 0; i < 6; ++i)
    write_control(mount.path("keyboard"), "echo the quick brown fox jumps over the lazy dog\n");
  std::string web_error;
  ASSERT_TRUE(wait_until([&] {
    const auto st = mount.status();
    const json error = at(st, "/connections/web/error");
    if (!error.is_string()) return false;
    web_error = error.get<std::string>();
    return at(st, "/connections/web/state") == "down";
  }, 20s)) << mount.status().dump();
  EXPECT_NE(web_error.find("refused the login"), std::string::npos) << web_error;
  EXPECT_EQ(web_error.find(SimProcess::password()), std::string::npos);
  EXPECT_TRUE(mount.is_mounted());
  // The refused password is not tried again, however long.
  const int failed = sim.state()["web"]["failed_logins"].get<int>();
  EXPECT_GE(failed, 1);
  std::this_thread::sleep_for(3s);  // what is checked is that nothing happens meanwhile
  EXPECT_EQ(sim.state()["web"]["failed_logins"].get<int>(), failed);
  EXPECT_NE(mount.log().find("waiting for the password file to change"), std::string::npos);
  // The user puts the new password in the file: the mount logs in and comes back.
  ASSERT_TRUE(write_file(mount.passfile(), changed + "\n", 0600));
  EXPECT_TRUE(wait_until([&] {
    const auto st = mount.status();
    return at(st, "/connections/web/state") == "up" &&
           at(st, "/connections/console/state") == "up";
  }, 30s)) << mount.status().dump();
  EXPECT_EQ(sim.state()["web"]["failed_logins"].get<int>(), failed);
  EXPECT_EQ(mount.status()["companion"]["restarts"], 0);
  EXPECT_EQ(mount.log().find(changed), std::string::npos);
}

// ---- a real machine behind the simulator: ilo-sim --machine qemu ----

bool on_path(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// A GRUB ISO (grub-mkrescue, BIOS only) whose menu is drawn in VGA text mode and whose first
// entry is titled `marker`; it waits at the menu (no timeout).
std::string make_grub_iso(const std::string& dir, const std::string& marker) {
  const std::string tree = dir + "/grub-tree";
  fsys::create_directories(tree + "/boot/grub");
  const std::string cfg = "set timeout=-1\nterminal_output console\n"
                          "menuentry '" + marker + "' { true }\n"
                          "menuentry 'second entry' { true }\n";
  if (!write_file(tree + "/boot/grub/grub.cfg", cfg)) return {};
  const std::string iso = dir + "/grub.iso";
  const std::string cmd = "grub-mkrescue -o '" + iso + "' '" + tree + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? iso : std::string();
}

json machine_state(const SimProcess& sim) {
  const auto s = sim.state();
  return s.is_object() ? s["machine"] : json();
}

// screen.ppm's pixels hashed as /sim/state hashes its own.
std::string screen_sha(const Mount& mount) {
  int w = 0, h = 0;
  return sha256_hex(ppm_pixels(read_file(mount.path("screen.ppm")), w, h));
}

// Waits for GRUB's next prompt after typing `command` (one at a time: keys typed
// while GRUB reads from the disc overflow the guest's keyboard buffer, as on a real PC).
bool grub_run(const Mount& mount, const std::string& command, std::chrono::seconds limit) {
  const auto prompts = [&] {
    const std::string t = read_file(mount.path("screen.txt"));
    std::size_t n = 0;
    for (auto at = t.find("grub>"); at != std::string::npos; at = t.find("grub>", at + 1)) ++n;
    return n;
  };
  const std::size_t before = prompts();
  if (const int e = write_control(mount.path("keyboard"), command + "\n"); e != 0) {
    ADD_FAILURE() << "keyboard: " << std::strerror(e);
    return false;
  }
  return wait_until([&] { return prompts() > before; }, limit);
}

// The issue's CI test: cp a GRUB ISO into the mount, power on, the real BIOS boots it from the
// virtual CD (every read a SCSI READ over virtual media to the mount), the menu is read through
// screen.txt, keys move it and type at its prompt, the pixels agree, then eject and power off.
TEST(MountQemu, GrubIsoBootsFromTheMountAndTakesKeys) {
  for (const char* tool : {"qemu-system-x86_64", "grub-mkrescue", "mformat", "xorriso"}) {
    if (!on_path(tool)) GTEST_SKIP() << tool << " not installed (tools/deps installs it)";
  }
  TempDir work;
  // SeaBIOS's VGA font draws 0 M T V W X Y Z m v w x | eight pixels wide; no Debian console
  // font has those glyphs (they read '?'), so the markers use none of them.
  const std::string marker = "ILOFS-GRUB-PAGE-4815";
  const std::string iso = make_grub_iso(work.path(), marker);
  ASSERT_FALSE(iso.empty()) << "grub-mkrescue failed";
  SimProcess sim({"--machine", "qemu", "--frame-interval", "100", "--ping-interval", "300"});
  ASSERT_EQ(sim.error(), "");
  ASSERT_TRUE(machine_state(sim).is_object());
  EXPECT_EQ(machine_state(sim)["kind"], "qemu");
  EXPECT_EQ(sim.state()["power"], "off");  // a real machine waits for its power button
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();

  ASSERT_EQ(std::system(("cp '" + iso + "' '" + mount.mountpoint() + "/'").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return machine_state(sim)["cd"]["inserted"] == true; }, 15s))
      << sim.state().dump();
  // The power button goes over the console connection (no video yet: the machine is off).
  ASSERT_TRUE(wait_until([&] {
    const auto s = mount.status();
    return s.is_object() && s["connections"]["console"]["state"] == "up";
  }, 15s));
  ASSERT_EQ(write_control(mount.path("power"), "press"), 0);
  ASSERT_TRUE(wait_until([&] { return sim_power_is(sim, "on"); }, 5s));

  std::string text;
  ASSERT_TRUE(wait_until([&] {
    text = read_file(mount.path("screen.txt"));
    return text.find(marker) != std::string::npos;
  }, 30s)) << "screen.txt:\n" << text << "\n" << sim.state()["machine"].dump();
  EXPECT_NE(text.find("GNU GRUB"), std::string::npos) << text;
  const auto booted = machine_state(sim);
  EXPECT_GT(booted["cd"]["nbd_reads"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(booted["cd"]["nbd_errors"], 0);
  EXPECT_EQ(vm_state(sim)["violations"], 0) << vm_state(sim).dump();

  // screen.ppm is the simulator's picture exactly (the menu is still: no countdown).
  std::string sha;
  EXPECT_TRUE(wait_until([&] {
    sha = screen_sha(mount);
    return sha == sim.state()["screen"]["sha256"];
  }, 5s)) << sim.state()["screen"].dump();

  // <Down> moves the selection: the picture changes.
  ASSERT_EQ(write_control(mount.path("keyboard"), "<Down>"), 0);
  EXPECT_TRUE(wait_until([&] { return screen_sha(mount) != sha; }, 10s));
  // 'c' opens GRUB's command line, and what is typed there runs.
  ASSERT_EQ(write_control(mount.path("keyboard"), "c"), 0);
  ASSERT_TRUE(wait_until([&] {
    text = read_file(mount.path("screen.txt"));
    return text.find("grub>") != std::string::npos;
  }, 10s)) << "screen.txt:\n" << text;
  ASSERT_EQ(write_control(mount.path("keyboard"), "echo ILOFS-ECHO-2468\n"), 0);
  EXPECT_TRUE(wait_until([&] {
    text = read_file(mount.path("screen.txt"));
    return text.find("grub> echo ILOFS-ECHO-2468\nILOFS-ECHO-2468\n") != std::string::npos;
  }, 10s)) << "screen.txt:\n" << text;
  EXPECT_GE(sim.state()["keys_typed"].get<std::uint64_t>(), 22u);

  // A mode change: GRUB's graphical terminal at 640x480; the client follows, pixel for pixel.
  // One command at a time, each after GRUB's next prompt: keys typed while GRUB reads modules
  // from the disc overflow the guest's keyboard buffer, as on a real PC.
  for (const char* command : {"insmod all_video", "loadfont unicode", "set gfxmode=640x480"}) {
    ASSERT_TRUE(grub_run(mount, command, 15s)) << command << "\n"
                                               << read_file(mount.path("screen.txt"));
  }
  ASSERT_EQ(write_control(mount.path("keyboard"), "terminal_output gfxterm\n"), 0);
  EXPECT_TRUE(wait_until([&] {
    const auto s = mount.status();
    return sim.state()["screen"]["width"] == 640 && s.is_object() &&
           s["screen"]["width"] == 640 && s["screen"]["height"] == 480;
  }, 10s)) << sim.state()["screen"].dump() << "\n" << read_file(mount.path("screen.txt"));
  EXPECT_TRUE(wait_until([&] { return screen_sha(mount) == sim.state()["screen"]["sha256"]; },
                         5s));

  // The mouse: an absolute tablet, scaled from iLO's 0..3000 back to the same pixel.
  ASSERT_EQ(write_control(mount.path("mouse"), "move 320 200\n"), 0);
  EXPECT_TRUE(wait_until([&] {
    const auto p = sim.state()["pointer"];
    return p["x"] == 320 && p["y"] == 200;
  }, 5s)) << sim.state()["pointer"].dump();

  // The ACPI power button: GRUB ignores it, as on a real machine. GRUB's halt powers the
  // guest off: the machine is off ("no video").
  ASSERT_EQ(write_control(mount.path("power"), "press"), 0);
  ASSERT_EQ(write_control(mount.path("keyboard"), "halt\n"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }, 10s));
  EXPECT_TRUE(wait_until([&] { return read_file(mount.path("power")) == "off\n"; }, 5s));
  EXPECT_EQ(machine_state(sim)["guest_shutdowns"], 1);

  // On again: the BIOS boots the disc anew. rm ejects (the guest's drive loses its medium);
  // hold powers off at once.
  ASSERT_EQ(write_control(mount.path("power"), "press"), 0);
  EXPECT_TRUE(wait_until([&] {
    return read_file(mount.path("screen.txt")).find(marker) != std::string::npos;
  }, 30s));
  ASSERT_EQ(::unlink(mount.path("grub.iso").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return machine_state(sim)["cd"]["inserted"] == false; }, 10s))
      << machine_state(sim).dump();
  ASSERT_EQ(write_control(mount.path("power"), "hold"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }, 5s));
  EXPECT_TRUE(wait_until([&] { return read_file(mount.path("power")) == "off\n"; }, 5s));
  EXPECT_EQ(vm_state(sim)["violations"], 0) << vm_state(sim).dump();
  EXPECT_EQ(machine_state(sim)["error"], nullptr);
  EXPECT_EQ(machine_state(sim)["qmp"]["errors"], 0) << machine_state(sim).dump();
}

// A FAT key image (4 MiB, no partition table, as mformat makes it) with /ilofs-key holding
// `marker` and an empty GRUB environment block /grubenv; empty on failure.
std::string make_key_image(const std::string& dir, const std::string& marker) {
  const std::string img = dir + "/key.img", txt = dir + "/marker.txt", env = dir + "/grubenv";
  if (!write_file(txt, marker + "\n")) return {};
  const std::string cmd = "truncate -s 4M '" + img + "' && mformat -i '" + img +
                          "' -t 8 -h 64 -s 16 :: && mcopy -i '" + img + "' '" + txt +
                          "' ::/ilofs-key && grub-editenv '" + env + "' create && mcopy -i '" +
                          img + "' '" + env + "' ::/grubenv";
  return std::system(cmd.c_str()) == 0 ? img : std::string();
}


// Copies `files` (quoted, space-separated) into the mount, then waits for the guest's CD and for
// the console connection (the power button goes over it).
void copy_in(const SimProcess& sim, const Mount& mount, const std::string& files) {
  ASSERT_EQ(std::system(("cp " + files + " '" + mount.mountpoint() + "/'").c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return machine_state(sim)["cd"]["inserted"] == true; }, 30s))
      << sim.state().dump();
  ASSERT_TRUE(wait_until([&] {
    const auto s = mount.status();
    return s.is_object() && s["connections"]["console"]["state"] == "up";
  }, 15s));
}

// Boots the GRUB ISO from the mount until its menu (marker) shows; then 'c' for the prompt.
void boot_to_grub_prompt(const SimProcess& sim, const Mount& mount, const std::string& marker) {
  ASSERT_EQ(write_control(mount.path("power"), "press"), 0);
  ASSERT_TRUE(wait_until([&] {
    return read_file(mount.path("screen.txt")).find(marker) != std::string::npos;
  }, 30s)) << read_file(mount.path("screen.txt")) << "\n" << machine_state(sim).dump();
  ASSERT_EQ(write_control(mount.path("keyboard"), "c"), 0);
  ASSERT_TRUE(wait_until([&] {
    return read_file(mount.path("screen.txt")).find("grub>") != std::string::npos;
  }, 10s)) << read_file(mount.path("screen.txt"));
}

// The USB key: a FAT image copied into the mount beside the GRUB ISO is a USB storage device in
// the guest; GRUB lists it and reads its file (READ(10)s to the mount), and its save_env writes
// the environment block in place (WRITE(10)s that land in the mount's key.img).
TEST(MountQemu, UsbKeyFromTheMountIsReadAndWrittenByTheGuest) {
  for (const char* tool :
       {"qemu-system-x86_64", "grub-mkrescue", "mformat", "mcopy", "grub-editenv", "xorriso"}) {
    if (!on_path(tool)) GTEST_SKIP() << tool << " not installed (tools/deps installs it)";
  }
  TempDir work;
  const std::string marker = "ILOFS-GRUB-PAGE-4815", key_marker = "ILOFS-USB-DISK-2651";
  const std::string iso = make_grub_iso(work.path(), marker);
  ASSERT_FALSE(iso.empty()) << "grub-mkrescue failed";
  const std::string key = make_key_image(work.path(), key_marker);
  ASSERT_FALSE(key.empty()) << "mtools or grub-editenv failed";
  SimProcess sim({"--machine", "qemu", "--frame-interval", "100", "--ping-interval", "300"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_NO_FATAL_FAILURE(copy_in(sim, mount, "'" + iso + "' '" + key + "'"));
  // A BIOS enumerates USB at power-on: the key is plugged in before.
  ASSERT_TRUE(wait_until([&] { return machine_state(sim)["usb"]["inserted"] == true; }, 15s))
      << sim.state().dump();
  EXPECT_EQ(machine_state(sim)["usb"]["read_only"], false);
  ASSERT_NO_FATAL_FAILURE(boot_to_grub_prompt(sim, mount, marker));

  // Under SeaBIOS GRUB names the IDE disk hd0 and the USB key hd1 (the CD it booted is cd).
  ASSERT_TRUE(grub_run(mount, "ls", 15s)) << read_file(mount.path("screen.txt"));
  std::string text = read_file(mount.path("screen.txt"));
  EXPECT_NE(text.find("(hd1)"), std::string::npos) << text;
  const auto reads_before = machine_state(sim)["usb"]["nbd_reads"].get<std::uint64_t>();
  // (The file's name avoids the glyphs screen.txt cannot read.) GRUB reads about 800 KiB of
  // the key for this: a few seconds here, about 40 s under ASan, hence the generous limit.
  ASSERT_TRUE(grub_run(mount, "cat (hd1)/ilofs-key", 120s))
      << read_file(mount.path("screen.txt")) << machine_state(sim).dump() << "\n"
      << sim.state()["usb"].dump();
  text = read_file(mount.path("screen.txt"));
  EXPECT_NE(text.find("grub> cat (hd1)/ilofs-key\n" + key_marker), std::string::npos) << text;
  const auto usb = machine_state(sim)["usb"];
  EXPECT_GT(usb["nbd_reads"].get<std::uint64_t>(), reads_before) << usb.dump();
  EXPECT_GT(sim.state()["usb"]["bytes_read"].get<std::uint64_t>(), 0u) << sim.state()["usb"];

  // save_env rewrites the 1 KiB block in place: WRITE(10) to the mount, then in key.img.
  ASSERT_TRUE(grub_run(mount, "set ILOFS=PASSED", 10s));
  ASSERT_TRUE(grub_run(mount, "save_env -f (hd1)/grubenv ILOFS", 120s))
      << read_file(mount.path("screen.txt"));
  EXPECT_TRUE(wait_until([&] {
    return read_file(mount.path("key.img")).find("ILOFS=PASSED\n") != std::string::npos;
  }, 10s)) << read_file(mount.path("screen.txt")) << machine_state(sim)["usb"].dump();
  const auto written = machine_state(sim)["usb"];
  EXPECT_GE(written["nbd_writes"].get<std::uint64_t>(), 1u) << written.dump();
  EXPECT_EQ(written["nbd_errors"], 0) << written.dump();
  EXPECT_GE(sim.state()["usb"]["writes_completed"].get<std::uint64_t>(), 1u);

  // rm unplugs it from the guest; a read-only file is plugged in as a read-only device.
  ASSERT_EQ(::unlink(mount.path("key.img").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return machine_state(sim)["usb"]["inserted"] == false; }, 10s))
      << machine_state(sim).dump();
  ASSERT_EQ(::chmod(key.c_str(), 0444), 0);
  ASSERT_EQ(::symlink(key.c_str(), mount.path("ro.img").c_str()), 0) << std::strerror(errno);
  EXPECT_TRUE(wait_until([&] {
    const auto u = machine_state(sim)["usb"];
    return u["inserted"] == true && u["read_only"] == true;
  }, 15s)) << machine_state(sim).dump();
  ASSERT_EQ(write_control(mount.path("power"), "hold"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }, 5s));
  EXPECT_EQ(vm_state(sim)["violations"], 0) << vm_state(sim).dump();
  EXPECT_EQ(sim.state()["usb"]["violations"], 0) << sim.state()["usb"].dump();
  EXPECT_EQ(machine_state(sim)["error"], nullptr);
  EXPECT_EQ(machine_state(sim)["qmp"]["errors"], 0) << machine_state(sim).dump();
}

// Boot order hdd,cd: "an installed server" boots its disk (whose boot sector says no OS is
// installed) although a disc is in; `echo cd > boot` and a power cycle boot the CD once, and
// the next boot is the disk's again.
TEST(MountQemu, OneTimeBootBootsTheCdOnceWithBootOrderHddFirst) {
  for (const char* tool : {"qemu-system-x86_64", "grub-mkrescue", "mformat", "xorriso"}) {
    if (!on_path(tool)) GTEST_SKIP() << tool << " not installed (tools/deps installs it)";
  }
  TempDir work;
  const std::string marker = "ILOFS-GRUB-PAGE-4815", disk = "Hard disk: no OS installed";
  const std::string iso = make_grub_iso(work.path(), marker);
  ASSERT_FALSE(iso.empty()) << "grub-mkrescue failed";
  SimProcess sim({"--machine", "qemu", "--boot-order", "hdd,cd", "--frame-interval", "100",
                  "--ping-interval", "300"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_NO_FATAL_FAILURE(copy_in(sim, mount, "'" + iso + "'"));
  const auto screen_shows = [&](const std::string& what) {
    return wait_until([&] {
      return read_file(mount.path("screen.txt")).find(what) != std::string::npos;
    }, 30s);
  };

  ASSERT_EQ(write_control(mount.path("power"), "press"), 0);
  ASSERT_TRUE(screen_shows(disk)) << read_file(mount.path("screen.txt"));
  EXPECT_EQ(machine_state(sim)["boot_order"], "cd");  // SeaBIOS's letters: disk, then CD

  ASSERT_EQ(write_control(mount.path("boot"), "cd\n"), 0);
  EXPECT_EQ(sim.state()["one_time_boot"], "cd");
  ASSERT_EQ(write_control(mount.path("power"), "cycle"), 0);
  ASSERT_TRUE(screen_shows(marker)) << read_file(mount.path("screen.txt"))
                                    << machine_state(sim).dump();
  EXPECT_EQ(machine_state(sim)["boot_order"], "dc");
  EXPECT_EQ(sim.state()["one_time_boot"], "normal");  // used up by that boot
  EXPECT_EQ(read_file(mount.path("boot")), "normal\n");

  ASSERT_EQ(write_control(mount.path("power"), "cycle"), 0);
  ASSERT_TRUE(screen_shows(disk)) << read_file(mount.path("screen.txt"));
  EXPECT_EQ(machine_state(sim)["boot_order"], "cd");
  EXPECT_EQ(machine_state(sim)["boots"], 3);
  ASSERT_EQ(write_control(mount.path("power"), "hold"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }, 5s));
  EXPECT_EQ(machine_state(sim)["error"], nullptr);
  EXPECT_EQ(machine_state(sim)["qmp"]["errors"], 0) << machine_state(sim).dump();
}

// The slow test outside CI (suite qemu_slow, see the README): the Debian netboot installer's
// kernel and initrd (debian-installer-12-netboot-amd64; tools/deps --with-qemu-slow) packed into
// a GRUB ISO at test time boot from the mount to the installer's first screen.
TEST(MountQemuSlow, DebianNetbootInstallerReachesSelectALanguage) {
  const std::string di = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";
  if (!fsys::exists(di + "/linux") || !fsys::exists(di + "/initrd.gz"))
    GTEST_SKIP() << "debian-installer-12-netboot-amd64 not installed (tools/deps --with-qemu-slow)";
  for (const char* tool : {"qemu-system-x86_64", "grub-mkrescue", "mformat", "xorriso"}) {
    if (!on_path(tool)) GTEST_SKIP() << tool << " not installed (tools/deps installs it)";
  }
  TempDir work;
  const std::string tree = work.path() + "/di-tree";
  fsys::create_directories(tree + "/boot/grub");
  fsys::copy_file(di + "/linux", tree + "/linux");
  fsys::copy_file(di + "/initrd.gz", tree + "/initrd.gz");
  // VGA text (no framebuffer): screen.txt reads the installer's newt screens.
  ASSERT_TRUE(write_file(tree + "/boot/grub/grub.cfg",
                         "set timeout=0\nterminal_output console\n"
                         "menuentry 'install' { linux /linux vga=normal nomodeset --- quiet\n"
                         "  initrd /initrd.gz }\n"));
  const std::string iso = work.path() + "/di.iso";
  ASSERT_EQ(std::system(("grub-mkrescue -o '" + iso + "' '" + tree + "' >/dev/null 2>&1").c_str()),
            0);
  // Less than about 1 GiB puts the installer in its low memory mode, which skips the language.
  SimProcess sim({"--machine", "qemu", "--memory", "1024", "--frame-interval", "200"});
  ASSERT_EQ(sim.error(), "");
  Mount mount(sim, {});
  ASSERT_TRUE(mount.mounted()) << mount.error();
  ASSERT_NO_FATAL_FAILURE(copy_in(sim, mount, "'" + iso + "'"));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(write_control(mount.path("power"), "press"), 0);
  std::string text;
  ASSERT_TRUE(wait_until([&] {
    text = read_file(mount.path("screen.txt"));
    return text.find("Select a language") != std::string::npos;
  }, 240s)) << "screen.txt:\n" << text << "\n" << machine_state(sim).dump();
  std::printf("the installer's language screen %.1f s after power-on; %s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              machine_state(sim)["cd"].dump().c_str());
  EXPECT_EQ(vm_state(sim)["violations"], 0) << vm_state(sim).dump();
  EXPECT_EQ(machine_state(sim)["cd"]["nbd_errors"], 0);
  ASSERT_EQ(write_control(mount.path("power"), "hold"), 0);
  EXPECT_TRUE(wait_until([&] { return sim_power_is(sim, "off"); }, 5s));
}

}  // namespace

int main(int argc, char** argv) {
  return ilo::test::run_mount_tests(argc, argv, /*needs_xorriso=*/true);
}
