// ilofs: mounts an HPE iLO 4 as a directory (see mount_options.hpp for the command line).
// Start-up runs in the process that stays (after the fork, before any thread exists): read the
// password, log in, prepare the cache, mount; only then does the waiting parent exit 0, so a
// script (or mount(8)) knows the mount is usable. Any failure before that is one line on
// stderr and a non-zero exit, with nothing mounted. Then the companion and the drive start and
// FUSE serves until unmounted or signalled; teardown closes the console, sends DISCONNECT on
// the drive, unmounts and logs out.
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio.hpp>
#pragma GCC diagnostic pop

#include "fs/boot_file.hpp"
#include "fs/cdrom_drive.hpp"
#include "fs/filesystem.hpp"
#include "fs/log.hpp"
#include "fs/mount_options.hpp"
#include "fs/screen_text_file.hpp"
#include "keymap/layout_table.hpp"
#include "rcd/companion.hpp"
#include "session/secret.hpp"
#include "session/session_owner.hpp"

#ifndef ILOFS_VERSION
#define ILOFS_VERSION "unknown"
#endif
#ifndef ILOFS_RC_INSTALLED
#define ILOFS_RC_INSTALLED "/usr/local/bin/ilofs-rc"
#endif

namespace {

using namespace ilo;

// The end of start-up, told to the parent waiting in the foreground: "" means mounted.
class StartupReport {
 public:
  // Forks unless `foreground`; returns only in the process that goes on.
  explicit StartupReport(bool foreground) {
    if (foreground) return;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      std::perror("ilofs: pipe");
      std::exit(1);
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("ilofs: fork");
      std::exit(1);
    }
    if (pid > 0) {  // the parent: wait for the verdict
      ::close(fds[1]);
      std::string message;
      char buffer[512];
      ssize_t n = 0;
      while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0 ||
             (n < 0 && errno == EINTR)) {
        if (n > 0) message.append(buffer, static_cast<std::size_t>(n));
      }
      if (message == "ok") std::exit(0);
      if (message.empty()) message = "the mount process ended during start-up";
      std::fprintf(stderr, "ilofs: %s\n", message.c_str());
      std::exit(1);
    }
    ::close(fds[0]);
    fd_ = fds[1];
    ::setsid();
  }
  // Start-up failed: the parent prints `message` and exits 1.
  [[noreturn]] void fail(const std::string& message) {
    if (fd_ >= 0) {
      write_all(message);
    } else {
      std::fprintf(stderr, "ilofs: %s\n", message.c_str());
      std::fflush(stderr);
    }
    ::_exit(1);  // other threads (the owner's worker) may be running: no static teardown
  }
  // Mounted: the parent exits 0; this process detaches from the terminal.
  void succeed() {
    if (fd_ < 0) return;
    ilo::fs::Log::to_syslog();
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
    write_all("ok");
    ::close(fd_);
    fd_ = -1;
    if (::chdir("/") != 0) {
      // Not fatal: the mount works from any directory.
    }
  }

 private:
  void write_all(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }
  int fd_ = -1;
};

std::string self_dir() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  std::string p(path, static_cast<std::size_t>(n));
  return p.substr(0, p.rfind('/'));
}

// ilofs-rc: $ILOFS_RC, beside this program, the build tree's layout, or where it is installed.
// Made absolute now: a daemon changes its directory to /.
std::string companion_program() {
  if (const char* env = std::getenv("ILOFS_RC"); env && *env) {
    char resolved[PATH_MAX];
    return ::realpath(env, resolved) ? std::string(resolved) : std::string(env);
  }
  const std::string dir = self_dir();
  for (const std::string& candidate : {dir + "/ilofs-rc", dir + "/../rcd/ilofs-rc"}) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return ILOFS_RC_INSTALLED;
}

// Makes the cache directory (and its parents) private to this user.
bool prepare_cache(const std::string& dir, std::string& error) {
  std::string path;
  std::size_t start = 0;
  while (start <= dir.size()) {
    const auto slash = dir.find('/', start);
    path = dir.substr(0, slash);
    start = slash == std::string::npos ? dir.size() + 1 : slash + 1;
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      error = "cannot create the cache directory " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = "the cache " + dir + " is not a directory";
    return false;
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    error = "the cache directory " + dir + " is not writable";
    return false;
  }
  return true;
}

// Until the mount is up, an error is what start-up fails with, and StartupReport prints it
// once; a mount going to the background prints only warnings meanwhile (as sshfs: quiet
// when all is well).
std::atomic<bool> g_started{false};
bool g_foreground = false;
void log_to_fs(int priority, const std::string& text) {
  if (!g_started && (priority <= LOG_ERR || (!g_foreground && priority > LOG_WARNING))) return;
  ilo::fs::Log::write(priority, text);
}

}  // namespace

int main(int argc, char* argv[]) {
  // Memory stays flat: few malloc arenas (FUSE workers come and go), and large buffers (the
  // workers' 1 MiB request buffers, screen snapshots) always mmap'ed, so a free returns them
  // (glibc otherwise raises its mmap threshold after the first such free and keeps them).
  ::mallopt(M_ARENA_MAX, 2);
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // No core dump may carry the password or a key.
  ::prctl(PR_SET_DUMPABLE, 0);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);

  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  ilo::fs::MountOptions options;
  std::string error;
  if (const int rc = ilo::fs::parse_mount_options(args, options, error); rc != 0) {
    std::fprintf(stderr, "ilofs: %s\n", error.c_str());
    fuse_opt_free_args(&args);
    return rc;
  }
  if (options.show_version) {
    std::printf("ilofs %s (libfuse %s)\n", ILOFS_VERSION, fuse_pkgversion());
    fuse_opt_free_args(&args);
    return 0;
  }
  if (options.show_help) {
    std::fputs(ilo::fs::usage_text(), stdout);
    std::printf("\nFUSE options:\n");
    std::fflush(stdout);
    fuse_cmdline_help();
    fuse_lowlevel_help();
    fuse_opt_free_args(&args);
    return 0;
  }
  // The kernel checks every access against the files' modes (filesystem.cpp: the owner's
  // alone). Without it, `allow_other` would let any user write `power` or read the screen.
  fuse_opt_add_arg(&args, "-odefault_permissions");
  ilo::fs::Log::set_debug(options.debug);
  g_foreground = options.foreground;

  session::Secret password;
  if (session::read_password(options.passfile, password, error)) {
    std::fprintf(stderr, "ilofs: %s\n", error.c_str());
    return 1;
  }

  // The VNC viewers' password: the same rules as the iLO's password file.
  session::Secret vnc_password;
  if (!options.vnc_passfile.empty() &&
      session::read_password(options.vnc_passfile, vnc_password, error)) {
    std::fprintf(stderr, "ilofs: vncpassfile: %s\n", error.c_str());
    return 1;
  }

  StartupReport startup(options.foreground);

  session::SessionOwnerOptions owner_options;
  owner_options.host = options.host;
  owner_options.https_port = options.https_port;
  owner_options.user = options.user;
  owner_options.password = std::move(password);
  if (!options.passfile.empty()) {
    // A refused password is not tried again; a new one in the file is (see SessionOwnerOptions).
    owner_options.reread_password = [path = options.passfile](session::Secret& fresh) {
      std::string ignored;  // the file stays what it was checked to be at mount time, or not
      return !session::read_password(path, fresh, ignored);
    };
  }
  owner_options.tls.pin_sha256 = options.fingerprint;
  owner_options.tls.ca_file = options.cafile;
  owner_options.tls.insecure = options.insecure;
  owner_options.tls.legacy = options.tls_legacy;
  owner_options.log = log_to_fs;
  session::SessionOwner owner(std::move(owner_options));
  if (const auto login_error = owner.login(error); login_error) startup.fail(error);

  if (!prepare_cache(options.cache_dir, error)) startup.fail(error);

  std::shared_ptr<const ilo::rc::KeyLayout> layout;
  if (options.layout.text() != "us") {
    auto table = ilo::keymap::build_key_layout(options.layout, error);
    if (!table) startup.fail("layout=" + options.layout.text() + ": " + error);
    layout = std::make_shared<const ilo::rc::KeyLayout>(std::move(*table));
  }

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });

  ilo::fs::CdromDrive cdrom(io, options.host, owner);
  // The USB key (NAME.img) on its own connection; `ro` presents every key write-protected.
  ilo::fs::CdromDrive usb(io, options.host, owner,
                          ilo::fs::DriveKind{.usb_key = true, .write_protect = options.read_only});
  rcd::CompanionOptions companion_options;
  companion_options.program = companion_program();
  companion_options.host = options.host;
  companion_options.busy = options.busy;
  companion_options.debug = options.debug;
  companion_options.log = log_to_fs;
  companion_options.layout = layout;
  companion_options.vnc_address = options.vnc_address;
  companion_options.vnc_port = options.vnc_port;
  companion_options.vnc_password = std::string(vnc_password.view());
  vnc_password.clear();
  rcd::Companion companion(std::move(companion_options), owner);

  ilo::fs::BootFile boot(&owner);
  // Console fonts for screen.txt: one that cannot be read is a warning, never a failure.
  std::vector<std::string> font_warnings;
  ilo::fs::ScreenTextFile screen_text(options.fonts_dir, font_warnings);
  for (const auto& w : font_warnings) ilo::fs::log_warning(w);
  ilo::fs::FilesystemContext context;
  context.screen_text = &screen_text;
  context.owner = &owner;
  context.boot = &boot;
  context.companion = &companion;
  context.cdrom = &cdrom;
  context.usb = &usb;
  context.cache_dir = options.cache_dir;
  context.layout = layout;
  context.layout_name = options.layout.text();
  context.uid = ::getuid();
  context.gid = ::getgid();
  ilo::fs::Filesystem filesystem(context);

  fuse_session* se = fuse_session_new(&args, &ilo::fs::Filesystem::operations(),
                                      sizeof(fuse_lowlevel_ops), &filesystem);
  int status = 1;
  if (!se) {
    work.reset();
    io.stop();
    io_thread.join();
    startup.fail("cannot start FUSE (bad FUSE options?)");
  }
  if (fuse_set_signal_handlers(se) != 0 ||
      fuse_session_mount(se, options.mountpoint.c_str()) != 0) {
    fuse_session_destroy(se);
    work.reset();
    io.stop();
    io_thread.join();
    startup.fail("cannot mount on " + options.mountpoint +
                 " (does it exist, is it empty, is /dev/fuse usable?)");
  }
  filesystem.load_cache();
  companion.start();
  // `text` events come from the same recogniser (and fonts) as screen.txt.
  filesystem.start_events([&screen_text](const ilo::rcd::FrameSnapshot& frame) {
    const ilo::image::RgbImageView view{frame.pixels, frame.width, frame.height,
                                        static_cast<std::size_t>(frame.width) * 3};
    return screen_text.read(view, frame.sequence, ilo::text::ScreenText::Search::backoff);
  });
  g_started = true;
  startup.succeed();
  ilo::fs::log_info("mounted " + options.host + " on " + options.mountpoint);

  // Each FUSE worker keeps a request buffer of max_write (1 MiB): few idle workers keep the
  // resident memory small after a burst (a copy is one request at a time anyway).
  fuse_loop_config loop{};
  loop.clone_fd = options.clone_fd ? 1 : 0;
  loop.max_idle_threads = options.max_idle_threads ? options.max_idle_threads : 4;
  status = options.single_thread ? fuse_session_loop(se) : fuse_session_loop_mt(se, &loop);

  // Teardown: the console first, then the drives (DISCONNECT; the key's writes fsynced), then
  // the mount and the login.
  ilo::fs::log_info("unmounting " + options.mountpoint);
  filesystem.stop_events();  // waiting `events` readers get EOF, so the mount can go
  companion.stop();
  cdrom.stop();
  usb.stop();
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  fuse_opt_free_args(&args);
  work.reset();
  io.stop();
  io_thread.join();
  owner.logout();
  return status == 0 ? 0 : 1;
}
