// The mount's tree (FUSE low-level API, docs/architecture.md#the-fuse-tree): a fixed inode
// table of control files (power, screen.ppm, screen.png, screen.txt, keyboard, mouse, status,
// boot, events) and one inode per image (NAME.iso for the CD-ROM, NAME.img for the USB key: a
// file copied into the cache directory or a symlink to a file elsewhere). Handlers are small and
// reply exactly once; screens and status are snapshots taken at open(), `events` keeps a read
// until an event. It does not talk to the iLO itself: the CD-ROM drive, the companion and the
// session owner do.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <memory>
#include <string>

struct fuse_lowlevel_ops;

namespace ilo::session {
class SessionOwner;
}
namespace ilo::rcd {
class Companion;
struct FrameSnapshot;
}
namespace ilo::rc {
class KeyLayout;
}

namespace ilo::fs {

class BootFile;
class CdromDrive;
class ScreenTextFile;

struct FilesystemContext {
  session::SessionOwner* owner = nullptr;
  rcd::Companion* companion = nullptr;  // null: no console (screens ENODATA, power ENOTCONN)
  CdromDrive* cdrom = nullptr;
  CdromDrive* usb = nullptr;            // the floppy/USB-key drive (NAME.img); null: none
  BootFile* boot = nullptr;             // null: `boot` answers ENOTCONN
  ScreenTextFile* screen_text = nullptr;  // null: screen.txt reads empty
  // The server's layout for `keyboard` text (-o layout=); null: the built-in US table.
  std::shared_ptr<const rc::KeyLayout> layout;
  std::string layout_name = "us";       // as given (NAME or NAME:VARIANT), for `status`
  std::string cache_dir;                // exists, mode 0700
  uid_t uid = 0;
  gid_t gid = 0;
};

class Filesystem {
 public:
  explicit Filesystem(FilesystemContext context);
  ~Filesystem();
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;

  // Images left in the cache by an earlier mount appear again; the first .iso and the first
  // .img are inserted.
  void load_cache();

  // `events` starts reporting (after the mount, before serving): the state watcher runs and
  // every new frame is read by `screen_reader` (empty: no `text` events).
  void start_events(std::function<std::string(const rcd::FrameSnapshot&)> screen_reader = {});
  // Before the session ends: the watcher stops, waiting `events` reads get EOF.
  void stop_events();

  // The operations table; pass `this` as the session's userdata.
  static const fuse_lowlevel_ops& operations() noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::fs
