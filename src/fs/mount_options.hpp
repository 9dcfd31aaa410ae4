// The command line of `ilofs` in the FUSE tools' conventions (as sshfs):
//   ilofs [-f] [-d] [-o OPT[,OPT...]] HOST[:PORT] MOUNTPOINT
// parsed with libfuse's own option parser; the options FUSE knows (allow_other, ro, ...) are
// left in the argument list for fuse_session_new. No password is ever accepted here.
#pragma once

#include <cstdint>
#include <string>

#include "keymap/xkb_keymap.hpp"
#include "net/busy_policy.hpp"

struct fuse_args;

namespace ilo::fs {

struct MountOptions {
  std::string host;                // name, IPv4 or IPv6 address (brackets removed)
  std::uint16_t https_port = 443;
  std::string mountpoint;
  std::string user = "Administrator";
  std::string passfile;
  std::string cafile;
  std::string fingerprint;         // as given; WebClient accepts colons or none
  bool insecure = false;
  bool tls_legacy = false;
  std::string cache_dir;           // resolved (see default_cache_dir)
  std::string fonts_dir;           // console fonts for screen.txt (default: Debian's)
  net::BusyPolicy busy = net::BusyPolicy::fail;
  bool foreground = false;
  bool debug = false;
  bool read_only = false;          // -o ro
  keymap::LayoutName layout;       // -o layout=NAME[:VARIANT], default us
  // -o vnc=ADDR:PORT (a VNC server in the companion; empty: none), vncpassfile=FILE.
  std::string vnc_address;         // numeric IPv4 or IPv6 (brackets removed)
  std::uint16_t vnc_port = 0;
  std::string vnc_passfile;
  // FUSE's own loop options (-s, -o clone_fd, -o max_idle_threads=N); 0: ilofs's default.
  bool single_thread = false;
  bool clone_fd = false;
  unsigned max_idle_threads = 0;
  bool show_help = false, show_version = false;
};

// Parses argv. Returns 0 on success (fuse_args then holds what FUSE itself must see), 2 for
// bad usage with `error` set to a one-line message. --help/--version only set the flags.
int parse_mount_options(fuse_args& args, MountOptions& options, std::string& error);

// True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z (numeric addresses only).
bool is_loopback_address(const std::string& address);

// $XDG_CACHE_HOME/ilofs/HOST, else ~/.cache/ilofs/HOST; /var/cache/ilofs/HOST for root.
std::string default_cache_dir(const std::string& host);

// The usage text of --help (FUSE's own options are listed after it by the caller).
const char* usage_text() noexcept;

}  // namespace ilo::fs
