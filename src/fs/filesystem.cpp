// The mount's tree (see filesystem.hpp). Every handler finds its node, does one small thing
// and replies once. Images: `cp` creates a file in the cache directory and writes into it; the
// last close inserts it into its drive (NAME.iso the CD-ROM, NAME.img the USB key); `rm` ejects
// (the iLO sees the medium go) before the cache file is removed; `ln -s` inserts a file where
// it is, without copying.
//
// Lock order: Impl::mutex (the image table) before the drive's and the companion's own
// locks; screen_mutex and handles_mutex are never held together with another lock.
#include "fs/filesystem.hpp"

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fs/boot_file.hpp"
#include "fs/cdrom_drive.hpp"
#include "fs/clean_text.hpp"
#include "fs/errno_map.hpp"
#include "fs/event_hub.hpp"
#include "fs/event_watcher.hpp"
#include "fs/log.hpp"
#include "fs/screen_text_file.hpp"
#include "fs/status_report.hpp"
#include "image/png_writer.hpp"
#include "rc/key_script.hpp"
#include "rcd/companion.hpp"

namespace ilo::fs {
namespace {

// Fixed inodes of the control files; images get numbers from kFirstImage on, never reused.
enum : fuse_ino_t {
  kRoot = FUSE_ROOT_ID,
  kPower,
  kScreenPpm,
  kScreenPng,
  kKeyboard,
  kMouse,
  kStatus,
  kBoot,
  kEvents,
  kScreenTxt,
  kFirstImage = 16,
};

struct ControlFile {
  fuse_ino_t ino;
  const char* name;
  mode_t mode;
};
constexpr blksize_t kPreferredIo = 1 << 20;  // = max_write (op_init)
// The largest write a control file takes as one command (about 4 minutes of typing).
constexpr std::size_t kMaxControlWrite = 16 * 1024;
static_assert(kMaxControlWrite < static_cast<std::size_t>(kPreferredIo));

// Every file is the mounting user's alone: the screen shows what the server shows (passwords
// typed at a prompt, installer secrets) and the writable files drive the server. With
// allow_other the kernel enforces these modes (default_permissions, main.cpp), so another user
// gets EACCES; the directory stays listable.
constexpr mode_t kImageMode = 0600;
constexpr std::array<ControlFile, 9> kControls = {{
    {kPower, "power", 0600},
    {kScreenPpm, "screen.ppm", 0400},
    {kScreenPng, "screen.png", 0400},
    {kScreenTxt, "screen.txt", 0400},
    {kKeyboard, "keyboard", 0200},
    {kMouse, "mouse", 0200},
    {kStatus, "status", 0400},
    {kBoot, "boot", 0600},  // size 0 in stat: reading asks the iLO (as sysfs, read to the end)
    {kEvents, "events", 0400},  // a stream: reads wait for the next event (event_hub.hpp)
}};

const ControlFile* control_by_ino(fuse_ino_t ino) {
  for (const auto& c : kControls) {
    if (c.ino == ino) return &c;
  }
  return nullptr;
}
const ControlFile* control_by_name(std::string_view name) {
  for (const auto& c : kControls) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// A plain file name ending in `ext` (".iso", case-insensitive), in UTF-8 without control
// characters (image names appear in `status` and `events`, which are JSON).
bool has_suffix(std::string_view name, std::string_view ext) {
  if (name.size() <= ext.size() || name.find('/') != std::string_view::npos) return false;
  if (!is_clean_text(name)) return false;
  std::string suffix(name.substr(name.size() - ext.size()));
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return suffix == ext && name.front() != '.';
}
// A name the CD-ROM takes: NAME.iso.
bool is_iso_name(std::string_view name) { return has_suffix(name, ".iso"); }
// A name the floppy/USB-key drive takes: NAME.img.
bool is_img_name(std::string_view name) { return has_suffix(name, ".img"); }
bool is_image_name(std::string_view name) { return is_iso_name(name) || is_img_name(name); }

struct Image {
  fuse_ino_t ino = 0;
  std::string name;
  bool symlink = false;  // a link to `path` elsewhere; else `path` is the cache file
  bool usb = false;      // NAME.img: the USB-key drive's; else the CD-ROM's
  std::string path;
  int writers = 0;       // handles open for writing
  bool dirty = false;    // written since the last insertion: insert at the last close
  int write_error = 0;   // a write into it failed (ENOSPC...): removed at the last close
};

using Bytes = std::vector<std::uint8_t>;

// What read() serves of a control file: `head` then `body`, immutable once made, so every
// handle of one screen frame shares one copy of its pixels (a PPM is its header + the frame).
struct Snapshot {
  std::string head;
  Bytes body;
  [[nodiscard]] std::size_t size() const noexcept { return head.size() + body.size(); }
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

SnapshotPtr text_snapshot(const std::string& text) {
  return std::make_shared<const Snapshot>(Snapshot{text, {}});
}

// What an open file handle holds.
struct Handle {
  SnapshotPtr data = std::make_shared<const Snapshot>();  // screens, status, power
  int fd = -1;                     // image: the cache file
  bool writer = false;
  std::uint64_t events = 0;        // `events`: the hub's reader (0: another kind of file)
  ~Handle() {
    if (fd >= 0) ::close(fd);
  }
};

// One buffer reading or writing a file descriptor at `pos` (FUSE_BUFVEC_INIT is C, not C++).
fuse_bufvec fd_bufvec(std::size_t size, int fd, off_t pos) {
  fuse_bufvec v{};
  v.count = 1;
  v.buf[0].size = size;
  v.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  v.buf[0].fd = fd;
  v.buf[0].pos = pos;
  return v;
}
fuse_bufvec mem_bufvec(std::size_t size, void* mem) {
  fuse_bufvec v{};
  v.count = 1;
  v.buf[0].size = size;
  v.buf[0].mem = mem;
  return v;
}

// Replies with up to `size` bytes of `data` from `off`, straight from the snapshot's two parts.
void reply_data(fuse_req_t req, const Snapshot& data, std::size_t size, off_t off) {
  std::array<iovec, 2> iov{};
  int count = 0;
  std::size_t at = off < 0 ? data.size() : static_cast<std::size_t>(off);
  auto take = [&](const void* bytes, std::size_t length) {
    if (size == 0 || at >= length) {
      at -= std::min(at, length);
      return;
    }
    const std::size_t n = std::min(size, length - at);
    iov[static_cast<std::size_t>(count++)] = {
        const_cast<void*>(static_cast<const void*>(static_cast<const char*>(bytes) + at)), n};
    size -= n;
    at = 0;
  };
  take(data.head.data(), data.head.size());
  take(data.body.data(), data.body.size());
  fuse_reply_iov(req, iov.data(), count);
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

struct Filesystem::Impl {
  explicit Impl(FilesystemContext c) : context(std::move(c)), mount_time(std::time(nullptr)) {}

  static Impl& of(fuse_req_t req) {
    return *static_cast<Filesystem*>(fuse_req_userdata(req))->impl_;
  }

  // ---- attributes ----

  void fill_control_attr(const ControlFile& c, struct stat& st) {
    st.st_ino = c.ino;
    st.st_mode = S_IFREG | c.mode;
    st.st_nlink = 1;
    st.st_size = static_cast<off_t>(control_size(c.ino));
    st.st_mtime = st.st_ctime = st.st_atime = mount_time;
  }

  // Caller holds mutex.
  bool fill_image_attr(const Image& image, struct stat& st) {
    st.st_ino = image.ino;
    st.st_nlink = 1;
    if (image.symlink) {
      st.st_mode = S_IFLNK | 0777;
      st.st_size = static_cast<off_t>(image.path.size());
      st.st_mtime = st.st_ctime = st.st_atime = mount_time;
      return true;
    }
    struct stat file {};
    if (::stat(image.path.c_str(), &file) != 0) return false;
    st.st_mode = S_IFREG | kImageMode;
    st.st_size = file.st_size;
    st.st_blocks = file.st_blocks;
    st.st_atim = file.st_atim;
    st.st_mtim = file.st_mtim;
    st.st_ctim = file.st_ctim;
    return true;
  }

  int attr_of(fuse_ino_t ino, struct stat& st) {
    st = {};
    st.st_uid = context.uid;
    st.st_gid = context.gid;
    // Tools size their buffers by st_blksize (cp: max(128 KiB, st_blksize)): 1 MiB, the
    // largest write FUSE takes here, makes an image copy 8 times fewer requests.
    st.st_blksize = kPreferredIo;
    if (ino == kRoot) {
      st.st_ino = kRoot;
      st.st_mode = S_IFDIR | 0755;
      st.st_nlink = 2;
      st.st_mtime = st.st_ctime = st.st_atime = mount_time;
      return 0;
    }
    if (const auto* c = control_by_ino(ino)) {
      fill_control_attr(*c, st);
      return 0;
    }
    std::lock_guard lock(mutex);
    const auto it = images.find(ino);
    if (it == images.end()) return ENOENT;
    return fill_image_attr(it->second, st) ? 0 : EIO;
  }

  // The size a fresh open would read (stat must be right for tools that trust it).
  std::size_t control_size(fuse_ino_t ino) {
    switch (ino) {
      case kPower: return power_text().size();
      case kScreenPpm:
      case kScreenPng:
      case kScreenTxt: {
        std::lock_guard lock(screen_mutex);
        refresh_screen_locked();
        if (!ppm) return 0;
        if (ino == kScreenTxt) return txt_locked()->size();
        return ino == kScreenPpm ? ppm->size() : png_locked()->size();
      }
      case kStatus: return build_status(context).size();
      default: return 0;
    }
  }

  // ---- screens ----

  // Takes a new snapshot when the companion published a newer frame: `ppm` is then the P6
  // file of it (null without video), `png` is made on demand. Holds screen_mutex.
  void refresh_screen_locked() {
    const std::uint64_t sequence = context.companion ? context.companion->frame_sequence() : 0;
    if (sequence != 0 && sequence == ppm_sequence) return;
    ppm.reset();
    png.reset();
    txt.reset();
    ppm_sequence = 0;
    rcd::FrameSnapshot frame;
    if (!context.companion || !context.companion->snapshot(frame) || frame.width <= 0 ||
        frame.height <= 0) {
      return;
    }
    ppm_sequence = frame.sequence;
    ppm = std::make_shared<const Snapshot>(
        Snapshot{"P6\n" + std::to_string(frame.width) + " " + std::to_string(frame.height) +
                     "\n255\n",
                 std::move(frame.pixels)});
    ppm_width = frame.width;
    ppm_height = frame.height;
  }

  // The PNG of the current snapshot (empty if it cannot be encoded). Holds screen_mutex.
  SnapshotPtr png_locked() {
    if (!png && ppm) {
      std::error_code ec;
      auto encoded = image::encode_png({ppm->body, ppm_width, ppm_height,
                                        static_cast<std::size_t>(ppm_width) * 3},
                                       ec);
      if (ec) {
        log_error("screen.png: " + ec.message());
        encoded.clear();
      }
      png = std::make_shared<const Snapshot>(Snapshot{{}, std::move(encoded)});
    }
    return png ? png : std::make_shared<const Snapshot>();
  }

  // The text of the current snapshot (empty when it shows none). Holds screen_mutex; takes
  // the recogniser's own lock inside it (a leaf).
  SnapshotPtr txt_locked() {
    if (!txt && ppm) {
      std::string text;
      if (context.screen_text) {
        text = context.screen_text->read(
            {ppm->body, ppm_width, ppm_height, static_cast<std::size_t>(ppm_width) * 3},
            ppm_sequence);
      }
      txt = text_snapshot(text);
    }
    return txt ? txt : std::make_shared<const Snapshot>();
  }

  int open_screen(fuse_ino_t ino, Handle& h) {
    std::lock_guard lock(screen_mutex);
    refresh_screen_locked();
    if (!ppm) return ENODATA;
    if (ino == kScreenTxt) {
      h.data = txt_locked();  // may be empty: a screen without text
      return 0;
    }
    h.data = ino == kScreenPpm ? ppm : png_locked();
    return h.data->size() == 0 ? EIO : 0;
  }

  // ---- control files ----

  std::string power_text() {
    const auto on = context.companion ? context.companion->status().power_on : std::nullopt;
    return std::string(power_word(on)) + "\n";
  }

  int write_power(std::string_view text) {
    const std::string word = trim(text);
    rc::PowerAction action{};
    if (word == "press") {
      action = rc::PowerAction::momentary_press;
    } else if (word == "hold") {
      action = rc::PowerAction::press_and_hold;
    } else if (word == "cycle") {
      action = rc::PowerAction::cold_boot;
    } else if (word == "reset") {
      action = rc::PowerAction::reset;
    } else {
      log_warning("power: '" + word.substr(0, 40) +
                  "' is not a power word (press, hold, cycle, reset)");
      return EINVAL;
    }
    if (!context.companion) return ENOTCONN;
    const auto ec = context.companion->power(action);
    if (ec) log_warning("power " + word + ": " + ec.message());
    else log_info("power: " + word);
    return to_errno(ec);
  }

  int write_keyboard(std::string_view text) {
    std::error_code ec;
    std::string detail;
    const auto reports = rc::parse_key_script(text, ec, &detail, context.layout.get());
    if (ec) {
      log_warning("keyboard: " + detail + "; nothing typed");
      return EINVAL;
    }
    if (reports.empty()) return 0;
    if (!context.companion) return ENOTCONN;
    // One write at a time: a long one goes to the companion in several messages, and another
    // writer's keys must not land between them.
    std::lock_guard lock(keyboard_mutex);
    ec = context.companion->keys(reports);
    if (ec) log_warning("keyboard: " + ec.message());
    return to_errno(ec);
  }

  int write_mouse(std::string_view text) {
    std::lock_guard lock(mouse_mutex);  // one write at a time: `held` carries between them
    std::uint8_t held = mouse_buttons;
    std::error_code ec;
    std::string detail;
    const auto actions = rc::parse_pointer_script(text, held, ec, &detail);
    if (ec) {
      log_warning("mouse: " + detail + "; nothing sent");
      return EINVAL;
    }
    if (actions.empty()) return 0;
    if (!context.companion) return ENOTCONN;
    ec = context.companion->pointer(actions);
    if (ec) {
      log_warning("mouse: " + ec.message());
      return to_errno(ec);
    }
    mouse_buttons = held;
    return 0;
  }

  // ---- images ----

  // Caller holds mutex.
  Image* image_by_name(std::string_view name) {
    for (auto& [ino, image] : images) {
      if (image.name == name) return &image;
    }
    return nullptr;
  }
  CdromDrive* drive_of(const Image& image) const {
    return image.usb ? context.usb : context.cdrom;
  }
  bool inserted(const Image& image) {
    CdromDrive* drive = drive_of(image);
    if (!drive) return false;
    const auto s = drive->status();
    return s.inserted && s.name == image.name;
  }
  // An image of the same drive as `name` (each drive takes one at a time). Caller holds mutex.
  const Image* same_drive_image(std::string_view name) const {
    for (const auto& [ino, image] : images) {
      if (image.usb == is_img_name(name)) return &image;
    }
    return nullptr;
  }
  Image& add_image(std::string name, bool symlink, std::string path) {
    const fuse_ino_t ino = next_ino++;
    Image& image = images[ino];
    image.ino = ino;
    image.name = std::move(name);
    image.symlink = symlink;
    image.usb = is_img_name(image.name);
    image.path = std::move(path);
    return image;
  }
  // Each drive takes one image at a time: says why `name` cannot be added. Holds mutex.
  int refuse_second_image(std::string_view name) {
    log_warning("cannot add " + std::string(name) + ": " + same_drive_image(name)->name +
                " is already in the " + (is_img_name(name) ? "USB-key" : "CD-ROM") +
                " drive (one image at a time; rm it first)");
    return EBUSY;
  }
  // Puts the image in its drive; a failure is logged (the file stays, not inserted).
  void insert(const Image& image) {
    CdromDrive* drive = drive_of(image);
    const std::string tag = image.usb ? "usb" : "cdrom";
    if (!drive) return;
    const auto ec = drive->insert(image.path, image.name);
    if (ec) log_error(tag + ": cannot insert " + image.name + ": " + ec.message());
    else log_info(tag + ": inserted " + image.name);
  }

  // ---- open handles ----

  // Registers a handle; its number goes into fi->fh.
  std::uint64_t add_handle(std::shared_ptr<Handle> handle) {
    std::lock_guard lock(handles_mutex);
    const std::uint64_t id = next_handle++;
    handles.emplace(id, std::move(handle));
    return id;
  }
  // The handle of an open file (null if unknown). Shared: a request being served keeps it
  // alive even if the kernel sends RELEASE meanwhile (seen under ASan: a READ reply still
  // being written on one worker while another freed the handle).
  std::shared_ptr<Handle> handle(const fuse_file_info* fi) {
    std::lock_guard lock(handles_mutex);
    const auto it = handles.find(fi->fh);
    return it == handles.end() ? nullptr : it->second;
  }
  std::shared_ptr<Handle> remove_handle(const fuse_file_info* fi) {
    std::lock_guard lock(handles_mutex);
    const auto it = handles.find(fi->fh);
    if (it == handles.end()) return nullptr;
    auto handle = std::move(it->second);
    handles.erase(it);
    return handle;
  }

  FilesystemContext context;
  std::time_t mount_time;

  std::mutex handles_mutex;  // guards handles and next_handle
  std::unordered_map<std::uint64_t, std::shared_ptr<Handle>> handles;
  std::uint64_t next_handle = 1;

  std::mutex mutex;  // guards images and next_ino
  std::map<fuse_ino_t, Image> images;
  fuse_ino_t next_ino = kFirstImage;

  std::mutex screen_mutex;  // guards ppm*, png, txt
  SnapshotPtr ppm, png, txt;  // of the last frame taken (null: none, or no video)
  std::uint64_t ppm_sequence = 0;
  int ppm_width = 0, ppm_height = 0;

  std::mutex mouse_mutex;  // guards mouse_buttons
  std::uint8_t mouse_buttons = 0;

  std::mutex keyboard_mutex;  // held while one keyboard write is sent (they never interleave)

  // ---- events ----
  // A read with nothing pending is kept (never blocking a worker) and answered by the hub's
  // listener, an interrupt (EINTR) or the end of the mount (EOF). Lock order: events_mutex
  // before the hub's own lock; the hub calls its listener with no lock held.

  struct EventWaiter {
    fuse_req_t read = nullptr;          // a kept read (null: none)
    std::size_t size = 0;
    fuse_pollhandle* poll = nullptr;    // a poll to notify (null: none)
  };

  void events_read(fuse_req_t req, std::uint64_t reader, std::size_t size, bool nonblock) {
    // Registered before the read is kept, without events_mutex: libfuse calls the function
    // with its request lock held, and it takes events_mutex.
    if (!nonblock) fuse_req_interrupt_func(req, &Impl::events_interrupted, this);
    std::lock_guard lock(events_mutex);
    const std::string data = hub.take(reader, size);
    if (!data.empty() || events_stopped) {
      fuse_reply_buf(req, data.data(), data.size());  // "" after the end: EOF
    } else if (nonblock) {
      fuse_reply_err(req, EAGAIN);
    } else if (fuse_req_interrupted(req) || waiters[reader].read) {
      fuse_reply_err(req, fuse_req_interrupted(req) ? EINTR : EBUSY);
    } else {
      waiters[reader].read = req;
      waiters[reader].size = size;
    }
  }

  static void events_interrupted(fuse_req_t req, void* data) {
    auto& fs = *static_cast<Impl*>(data);
    std::lock_guard lock(fs.events_mutex);
    for (auto& [reader, waiter] : fs.waiters) {
      if (waiter.read == req) {
        waiter.read = nullptr;
        fuse_reply_err(req, EINTR);
        return;
      }
    }
  }

  unsigned events_poll(std::uint64_t reader, fuse_pollhandle* ph) {
    std::lock_guard lock(events_mutex);
    const bool ready = events_stopped || hub.pending(reader);
    if (ph) {
      auto& waiter = waiters[reader];
      if (waiter.poll) fuse_pollhandle_destroy(waiter.poll);
      waiter.poll = nullptr;
      if (ready) fuse_pollhandle_destroy(ph);
      else waiter.poll = ph;
    }
    return ready ? POLLIN | POLLRDNORM : 0;
  }

  // The hub's listener (any thread): answers kept reads that now have data, wakes polls.
  void events_wake() {
    std::lock_guard lock(events_mutex);
    for (auto& [reader, waiter] : waiters) {
      if (waiter.read) {
        const std::string data = hub.take(reader, waiter.size);
        if (!data.empty()) {
          fuse_reply_buf(waiter.read, data.data(), data.size());
          waiter.read = nullptr;
        }
      }
      if (waiter.poll && (events_stopped || hub.pending(reader))) {
        fuse_lowlevel_notify_poll(waiter.poll);
        fuse_pollhandle_destroy(waiter.poll);
        waiter.poll = nullptr;
      }
    }
  }

  void events_release(std::uint64_t reader) {
    std::lock_guard lock(events_mutex);
    const auto it = waiters.find(reader);
    if (it != waiters.end()) {
      if (it->second.read) fuse_reply_err(it->second.read, EBADF);
      if (it->second.poll) fuse_pollhandle_destroy(it->second.poll);
      waiters.erase(it);
    }
    hub.close_reader(reader);
  }

  // The end of the mount: kept reads get EOF, polls wake, later reads get EOF.
  void events_stop() {
    watcher.stop();
    std::lock_guard lock(events_mutex);
    events_stopped = true;
    for (auto& [reader, waiter] : waiters) {
      if (waiter.read) fuse_reply_buf(waiter.read, nullptr, 0);
      waiter.read = nullptr;
      if (waiter.poll) {
        fuse_lowlevel_notify_poll(waiter.poll);
        fuse_pollhandle_destroy(waiter.poll);
        waiter.poll = nullptr;
      }
    }
  }

  EventHub hub;
  std::mutex events_mutex;  // guards waiters, events_stopped
  std::map<std::uint64_t, EventWaiter> waiters;  // by hub reader
  bool events_stopped = false;
  // Last: destroyed (its thread joined) before what its listener uses.
  EventWatcher watcher{context, hub};
};

namespace {

using Impl = Filesystem::Impl;
constexpr double kTimeout = 0.0;  // attributes change behind the kernel's back: never cache

// Names exist only in the root directory: replies ENOENT (and returns false) for any other.
bool in_root(fuse_req_t req, fuse_ino_t parent) {
  if (parent == kRoot) return true;
  fuse_reply_err(req, ENOENT);
  return false;
}

// What create and symlink may add: an image name, else EPERM and the rule in the log.
bool image_name_or_refuse(fuse_req_t req, std::string_view verb, const char* name) {
  if (is_image_name(name)) return true;
  log_warning("cannot " + std::string(verb) + " " + name +
              ": only NAME.iso (CD-ROM) and NAME.img (USB key) images, named in UTF-8, can be "
              "put here");
  fuse_reply_err(req, EPERM);
  return false;
}

void reply_entry(fuse_req_t req, Impl& fs, fuse_ino_t ino) {
  fuse_entry_param e{};
  const int err = fs.attr_of(ino, e.attr);
  if (err) {
    fuse_reply_err(req, err);
    return;
  }
  e.ino = ino;
  e.attr_timeout = kTimeout;
  e.entry_timeout = kTimeout;
  fuse_reply_entry(req, &e);
}

void op_init(void* /*userdata*/, fuse_conn_info* conn) {
  // Large writes: `cp` of an image moves 1 MiB per request instead of 128 KiB (measured: 3x
  // faster). Splicing requests in (SPLICE_READ) and the kernel's writeback cache were both
  // measured slower for `cp` here (1.15 s and 0.95 s against 0.76 s per GiB), so they stay off;
  // replies of image reads are spliced from the cache file.
  conn->max_write = static_cast<unsigned>(kPreferredIo);
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_SPLICE_READ | FUSE_CAP_WRITEBACK_CACHE);
  if (conn->capable & FUSE_CAP_SPLICE_WRITE) conn->want |= FUSE_CAP_SPLICE_WRITE;
  if (conn->capable & FUSE_CAP_SPLICE_MOVE) conn->want |= FUSE_CAP_SPLICE_MOVE;
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_HANDLE_KILLPRIV);
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto& fs = Impl::of(req);
  if (!in_root(req, parent)) return;
  if (const auto* c = control_by_name(name)) {
    reply_entry(req, fs, c->ino);
    return;
  }
  fuse_ino_t ino = 0;
  {
    std::lock_guard lock(fs.mutex);
    if (const auto* image = fs.image_by_name(name)) ino = image->ino;
  }
  if (ino == 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  reply_entry(req, fs, ino);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  auto& fs = Impl::of(req);
  struct stat st {};
  const int err = fs.attr_of(ino, st);
  if (err) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_attr(req, &st, kTimeout);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                fuse_file_info* fi) {
  auto& fs = Impl::of(req);
  if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    fuse_reply_err(req, EPERM);
    return;
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    if (control_by_ino(ino)) {
      // `echo word > power` opens with O_TRUNC: nothing to truncate in a control file.
    } else {
      std::lock_guard lock(fs.mutex);
      const auto it = fs.images.find(ino);
      if (it == fs.images.end()) {
        fuse_reply_err(req, ENOENT);
        return;
      }
      if (it->second.symlink || fs.inserted(it->second)) {
        fuse_reply_err(req, EBUSY);
        return;
      }
      const auto handle = fi ? fs.handle(fi) : nullptr;
      const int rc = handle && handle->fd >= 0
                         ? ::ftruncate(handle->fd, attr->st_size)
                         : ::truncate(it->second.path.c_str(), attr->st_size);
      if (rc != 0) {
        fuse_reply_err(req, errno);
        return;
      }
      it->second.dirty = true;
    }
  }
  // Modes and times (cp -p, touch) are accepted and not kept: modes here are fixed by kind
  // and a cache file has its own times.
  op_getattr(req, ino, fi);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  auto& fs = Impl::of(req);
  std::string target;
  {
    std::lock_guard lock(fs.mutex);
    const auto it = fs.images.find(ino);
    if (it == fs.images.end() || !it->second.symlink) {
      fuse_reply_err(req, EINVAL);
      return;
    }
    target = it->second.path;
  }
  fuse_reply_readlink(req, target.c_str());
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (ino != kRoot) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  fuse_reply_open(req, fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* /*fi*/) {
  auto& fs = Impl::of(req);
  if (ino != kRoot) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  struct Entry {
    std::string name;
    fuse_ino_t ino;
    mode_t type;
  };
  std::vector<Entry> entries = {{".", kRoot, S_IFDIR}, {"..", kRoot, S_IFDIR}};
  for (const auto& c : kControls) entries.push_back({c.name, c.ino, S_IFREG});
  {
    std::lock_guard lock(fs.mutex);
    for (const auto& [i, image] : fs.images) {
      entries.push_back({image.name, i, static_cast<mode_t>(image.symlink ? S_IFLNK : S_IFREG)});
    }
  }
  std::vector<char> buffer(size);
  std::size_t used = 0;
  for (std::size_t i = static_cast<std::size_t>(std::max<off_t>(off, 0)); i < entries.size();
       ++i) {
    struct stat st {};
    st.st_ino = entries[i].ino;
    st.st_mode = entries[i].type;
    const std::size_t need =
        fuse_add_direntry(req, buffer.data() + used, size - used, entries[i].name.c_str(), &st,
                          static_cast<off_t>(i + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

int open_control(Impl& fs, fuse_ino_t ino, int flags, Handle& h) {
  const int access = flags & O_ACCMODE;
  const bool reads = access == O_RDONLY || access == O_RDWR;
  const bool writes = access == O_WRONLY || access == O_RDWR;
  switch (ino) {
    case kPower:
      if (reads) {
        const auto text = fs.power_text();
        h.data = text_snapshot(text);
      }
      return 0;
    case kScreenPpm:
    case kScreenPng:
    case kScreenTxt:
      if (writes) return EACCES;
      return fs.open_screen(ino, h);
    case kStatus: {
      if (writes) return EACCES;
      const auto text = build_status(fs.context);
      h.data = text_snapshot(text);
      return 0;
    }
    case kKeyboard:
    case kMouse: return reads ? EACCES : 0;
    case kEvents:
      if (writes) return EACCES;
      h.events = fs.hub.open_reader();
      return 0;
    case kBoot: {
      if (!reads) return 0;
      if (!fs.context.boot) return ENOTCONN;
      std::string text;
      if (const int err = fs.context.boot->read(text)) return err;
      h.data = text_snapshot(text);
      return 0;
    }
    default: return ENOENT;
  }
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto& fs = Impl::of(req);
  auto handle = std::make_unique<Handle>();
  const int access = fi->flags & O_ACCMODE;
  if (control_by_ino(ino)) {
    const int err = open_control(fs, ino, fi->flags, *handle);
    if (err) {
      fuse_reply_err(req, err);
      return;
    }
    fi->direct_io = 1;  // sizes change from one open to the next
    fi->nonseekable =
        ino == kKeyboard || ino == kMouse || ino == kPower || ino == kBoot || ino == kEvents ? 1
                                                                                           : 0;
  } else {
    std::lock_guard lock(fs.mutex);
    const auto it = fs.images.find(ino);
    if (it == fs.images.end()) {
      fuse_reply_err(req, ENOENT);
      return;
    }
    Image& image = it->second;
    const bool writes = access != O_RDONLY || (fi->flags & O_TRUNC);
    if (writes && (image.symlink || fs.inserted(image))) {
      log_warning(image.name + " is in a drive and read-only through the mount; rm it first");
      fuse_reply_err(req, EBUSY);
      return;
    }
    handle->fd = ::open(image.path.c_str(),
                        (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC | (fi->flags & O_TRUNC));
    if (handle->fd < 0) {
      fuse_reply_err(req, errno);
      return;
    }
    if (writes) {
      handle->writer = true;
      ++image.writers;
      image.dirty = image.dirty || (fi->flags & O_TRUNC);
      if (fi->flags & O_TRUNC) image.write_error = 0;  // written anew
    }
    // The iLO writes a key's file behind the kernel's back: no cached pages for it.
    fi->keep_cache = writes || image.usb ? 0 : 1;
  }
  const std::uint64_t reader = handle->events;
  fi->fh = fs.add_handle(std::move(handle));
  if (fuse_reply_open(req, fi) == -ENOENT) {  // interrupted: the kernel will not release it
    fs.remove_handle(fi);
    if (reader) fs.events_release(reader);
  }
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t /*mode*/,
               fuse_file_info* fi) {
  auto& fs = Impl::of(req);
  if (!in_root(req, parent)) return;
  if (control_by_name(name)) {  // O_CREAT on an existing control file
    op_open(req, control_by_name(name)->ino, fi);
    return;
  }
  if (!image_name_or_refuse(req, "create", name)) return;
  auto handle = std::make_unique<Handle>();
  fuse_ino_t ino = 0;
  {
    std::lock_guard lock(fs.mutex);
    if (auto* existing = fs.image_by_name(name)) {  // O_CREAT of an existing image: open it
      ino = existing->ino;
    } else {
      if (fs.same_drive_image(name)) {
        fuse_reply_err(req, fs.refuse_second_image(name));
        return;
      }
      const std::string path = fs.context.cache_dir + "/" + name;
      handle->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (handle->fd < 0) {
        const int err = errno;
        log_error("cannot create " + path + ": " + std::strerror(err));
        fuse_reply_err(req, err);
        return;
      }
      Image& image = fs.add_image(name, false, path);
      image.writers = 1;
      image.dirty = true;
      handle->writer = true;
      ino = image.ino;
    }
  }
  if (handle->fd < 0) {  // an existing image
    fi->flags |= O_CREAT;
    op_open(req, ino, fi);
    return;
  }
  fuse_entry_param e{};
  if (const int err = fs.attr_of(ino, e.attr)) {
    fuse_reply_err(req, err);
    return;
  }
  e.ino = ino;
  fi->fh = fs.add_handle(std::move(handle));
  if (fuse_reply_create(req, &e, fi) == -ENOENT) fs.remove_handle(fi);
}

void op_read(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t off, fuse_file_info* fi) {
  const auto handle = Impl::of(req).handle(fi);
  if (!handle) {
    fuse_reply_err(req, EBADF);
    return;
  }
  Handle& h = *handle;
  if (h.events) {
    Impl::of(req).events_read(req, h.events, size, (fi->flags & O_NONBLOCK) != 0);
    return;
  }
  if (h.fd >= 0) {
    // Zero-copy where the kernel allows: the reply is spliced from the cache file.
    fuse_bufvec buf = fd_bufvec(size, h.fd, off);
    fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
    return;
  }
  reply_data(req, *h.data, size, off);
}

void write_control(fuse_req_t req, Impl& fs, fuse_ino_t ino, std::string_view text) {
  int err = 0;
  switch (ino) {
    case kPower: err = fs.write_power(text); break;
    case kKeyboard: err = fs.write_keyboard(text); break;
    case kMouse: err = fs.write_mouse(text); break;
    case kBoot: err = fs.context.boot ? fs.context.boot->write(text) : ENOTCONN; break;
    default: err = EACCES; break;
  }
  if (err) fuse_reply_err(req, err);
  else fuse_reply_write(req, text.size());
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* in, off_t off,
                  fuse_file_info* fi) {
  auto& fs = Impl::of(req);
  const auto handle = fs.handle(fi);
  if (!handle) {
    fuse_reply_err(req, EBADF);
    return;
  }
  Handle& h = *handle;
  const std::size_t size = fuse_buf_size(in);
  if (h.fd >= 0) {
    if (!h.writer) {
      fuse_reply_err(req, EBADF);
      return;
    }
    fuse_bufvec out = fd_bufvec(size, h.fd, off);
    const ssize_t n = fuse_buf_copy(&out, in, FUSE_BUF_SPLICE_NONBLOCK);
    if (n < 0 || static_cast<std::size_t>(n) < size) {  // short: the disk is full
      std::lock_guard lock(fs.mutex);
      const auto it = fs.images.find(ino);
      if (it != fs.images.end()) it->second.write_error = n < 0 ? static_cast<int>(-n) : ENOSPC;
    }
    if (n < 0) fuse_reply_err(req, static_cast<int>(-n));
    else fuse_reply_write(req, static_cast<size_t>(n));
    return;
  }
  // A control file: the whole command in memory, parsed before anything is done. A write(2)
  // larger than max_write reaches us in pieces, each of which would be taken as a command of
  // its own (half a script typed): anything above kMaxControlWrite, which is below max_write,
  // is refused, so the first piece of such a write fails and nothing of it is done.
  if (size > kMaxControlWrite) {
    log_warning(std::string(control_by_ino(ino) ? control_by_ino(ino)->name : "?") + ": a " +
                std::to_string(size) + "-byte write is above the limit of " +
                std::to_string(kMaxControlWrite) + " bytes; nothing done (write it in pieces)");
    fuse_reply_err(req, EINVAL);
    return;
  }
  std::vector<char> text(size);
  fuse_bufvec mem = mem_bufvec(size, text.data());
  const ssize_t n = fuse_buf_copy(&mem, in, static_cast<fuse_buf_copy_flags>(0));
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
    return;
  }
  write_control(req, fs, ino, std::string_view(text.data(), static_cast<std::size_t>(n)));
}

void op_fsync(fuse_req_t req, fuse_ino_t /*ino*/, int datasync, fuse_file_info* fi) {
  const auto h = Impl::of(req).handle(fi);
  if (h && h->fd >= 0 && (datasync ? ::fdatasync(h->fd) : ::fsync(h->fd)) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  fuse_reply_err(req, 0);
}

// Only `events` waits for data; every other file is always readable.
void op_poll(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi, fuse_pollhandle* ph) {
  auto& fs = Impl::of(req);
  const auto h = fs.handle(fi);
  if (!h || !h->events) {
    if (ph) fuse_pollhandle_destroy(ph);
    fuse_reply_poll(req, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
    return;
  }
  fuse_reply_poll(req, fs.events_poll(h->events, ph));
}

void op_flush(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* /*fi*/) {
  fuse_reply_err(req, 0);
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto& fs = Impl::of(req);
  auto h = fs.remove_handle(fi);
  if (h && h->events) fs.events_release(h->events);
  if (h && h->writer) {
    std::lock_guard lock(fs.mutex);
    const auto it = fs.images.find(ino);
    if (it != fs.images.end() && --it->second.writers == 0 && it->second.dirty) {
      Image& image = it->second;
      image.dirty = false;
      h.reset();  // closed (unless a request still holds it) before the drive opens it
      if (image.write_error) {
        // Half an image would boot half an installer, now or at the next mount (which inserts
        // what the cache holds): what was written is removed, nothing is inserted.
        log_error("removed " + image.name + ": a write into it failed (" +
                  std::strerror(image.write_error) + "); nothing inserted, copy it again");
        if (!image.symlink) ::unlink(image.path.c_str());
        fs.images.erase(it);
      } else {
        fs.insert(image);
      }
    }
  }
  fuse_reply_err(req, 0);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto& fs = Impl::of(req);
  if (!in_root(req, parent)) return;
  if (control_by_name(name)) {
    fuse_reply_err(req, EPERM);
    return;
  }
  fuse_ino_t ino = 0;
  CdromDrive* eject = nullptr;
  {
    std::lock_guard lock(fs.mutex);
    const Image* image = fs.image_by_name(name);
    if (!image) {
      fuse_reply_err(req, ENOENT);
      return;
    }
    ino = image->ino;
    if (fs.inserted(*image)) eject = fs.drive_of(*image);
  }
  // The iLO sees the medium go before the file does (a key's writes fsynced first). The
  // eject waits for the drive's connection to close (up to seconds), so the image table is
  // not locked meanwhile.
  if (eject) {
    eject->eject();
    log_info(std::string(is_img_name(name) ? "usb" : "cdrom") + ": ejected " + name);
  }
  std::lock_guard lock(fs.mutex);
  const auto it = fs.images.find(ino);
  if (it == fs.images.end()) {  // removed meanwhile by another unlink
    fuse_reply_err(req, ENOENT);
    return;
  }
  if (!it->second.symlink && ::unlink(it->second.path.c_str()) != 0 && errno != ENOENT) {
    const int err = errno;
    log_error("cannot remove " + it->second.path + ": " + std::strerror(err));
    fuse_reply_err(req, err);
    return;
  }
  fs.images.erase(it);
  fuse_reply_err(req, 0);
}

void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  auto& fs = Impl::of(req);
  if (!in_root(req, parent)) return;
  if (control_by_name(name)) {
    fuse_reply_err(req, EEXIST);
    return;
  }
  if (!image_name_or_refuse(req, "link", name)) return;
  if (link[0] != '/') {
    log_warning(std::string("cannot link ") + name + " to '" + link +
                "': give an absolute path (ln -s /path/to/image.iso MOUNTPOINT/)");
    fuse_reply_err(req, EINVAL);
    return;
  }
  struct stat st {};
  if (::stat(link, &st) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    log_warning(std::string("cannot link ") + name + ": " + link + " is not a regular file");
    fuse_reply_err(req, EINVAL);
    return;
  }
  fuse_ino_t ino = 0;
  {
    std::lock_guard lock(fs.mutex);
    if (fs.image_by_name(name)) {
      fuse_reply_err(req, EEXIST);
      return;
    }
    if (fs.same_drive_image(name)) {
      fuse_reply_err(req, fs.refuse_second_image(name));
      return;
    }
    Image& image = fs.add_image(name, true, link);
    ino = image.ino;
    fs.insert(image);
  }
  reply_entry(req, fs, ino);
}

void op_statfs(fuse_req_t req, fuse_ino_t /*ino*/) {
  auto& fs = Impl::of(req);
  struct statvfs st {};
  if (::statvfs(fs.context.cache_dir.c_str(), &st) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  st.f_namemax = 255;
  fuse_reply_statfs(req, &st);
}

void op_refuse(fuse_req_t req) { fuse_reply_err(req, EPERM); }
void op_mkdir(fuse_req_t req, fuse_ino_t, const char*, mode_t) { op_refuse(req); }
void op_mknod(fuse_req_t req, fuse_ino_t, const char*, mode_t, dev_t) { op_refuse(req); }
void op_rmdir(fuse_req_t req, fuse_ino_t, const char*) { op_refuse(req); }
void op_link(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { op_refuse(req); }
void op_rename(fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned) {
  op_refuse(req);
}

fuse_lowlevel_ops make_operations() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.readlink = op_readlink;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.open = op_open;
  ops.create = op_create;
  ops.read = op_read;
  ops.write_buf = op_write_buf;
  ops.fsync = op_fsync;
  ops.flush = op_flush;
  ops.poll = op_poll;
  ops.release = op_release;
  ops.unlink = op_unlink;
  ops.symlink = op_symlink;
  ops.statfs = op_statfs;
  ops.mkdir = op_mkdir;
  ops.mknod = op_mknod;
  ops.rmdir = op_rmdir;
  ops.link = op_link;
  ops.rename = op_rename;
  return ops;
}

}  // namespace

Filesystem::Filesystem(FilesystemContext context)
    : impl_(std::make_unique<Impl>(std::move(context))) {}

Filesystem::~Filesystem() = default;

const fuse_lowlevel_ops& Filesystem::operations() noexcept {
  static const fuse_lowlevel_ops ops = make_operations();
  return ops;
}

void Filesystem::start_events(std::function<std::string(const rcd::FrameSnapshot&)> reader) {
  auto& fs = *impl_;
  fs.hub.set_screen_reader(std::move(reader));
  fs.hub.set_listener([&fs] { fs.events_wake(); });
  fs.watcher.start();
}

void Filesystem::stop_events() { impl_->events_stop(); }

void Filesystem::load_cache() {
  auto& fs = *impl_;
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(fs.context.cache_dir.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      if (is_image_name(entry->d_name)) names.emplace_back(entry->d_name);
    }
    ::closedir(dir);
  }
  std::sort(names.begin(), names.end());
  std::lock_guard lock(fs.mutex);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string path = fs.context.cache_dir + "/" + names[i];
    if (fs.same_drive_image(names[i])) {  // one image a drive: later ones are only reported
      log_warning("cache: ignoring " + path + " (another image is already in the drive)");
      continue;
    }
    log_info("cache: " + names[i] + " from an earlier mount is inserted again");
    fs.insert(fs.add_image(names[i], false, path));
  }
}

}  // namespace ilo::fs
