// Command-line parsing of ilofs (see mount_options.hpp), with fuse_opt_parse.
#include "fs/mount_options.hpp"

#define FUSE_USE_VERSION 35
#include <arpa/inet.h>
#include <fuse_lowlevel.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "http/web_client.hpp"

namespace ilo::fs {
namespace {

// Filled by fuse_opt_parse: strings are malloc'ed by libfuse and freed here.
struct RawOptions {
  char* user = nullptr;
  char* passfile = nullptr;
  char* cafile = nullptr;
  char* fingerprint = nullptr;
  char* tls = nullptr;
  char* cache = nullptr;
  char* fonts = nullptr;
  char* busy = nullptr;
  char* layout = nullptr;
  char* vnc = nullptr;
  char* vncpassfile = nullptr;
  char* password = nullptr;  // refused: only here to give a clear message
  int insecure = 0;
  int ro = 0;
  int help = 0;
  int version = 0;
  int nonopts = 0;
  std::string* host = nullptr;
  ~RawOptions() {
    for (char* s : {user, passfile, cafile, fingerprint, tls, cache, busy, layout, password, fonts,
                     vnc, vncpassfile})
      std::free(s);
  }
};

enum Key { kHelp = 1, kVersion, kReadOnly, kDiscard };

// FUSE_OPT_KEY typed for C++: the macro puts -1U (an unsigned int) in fuse_opt's unsigned long
// offset, which clang's -Wimplicit-int-conversion rejects. libfuse compares the offset with
// that same -1U, so the value is kept exactly (widened, not ULONG_MAX).
constexpr fuse_opt key_option(const char* templ, Key key) {
  return {templ, static_cast<unsigned long>(-1U), key};
}

#define ILOFS_OPT(t, p) {t, offsetof(RawOptions, p), 1}
const fuse_opt kSpecs[] = {
    ILOFS_OPT("user=%s", user),
    ILOFS_OPT("passfile=%s", passfile),
    ILOFS_OPT("cafile=%s", cafile),
    ILOFS_OPT("fingerprint=%s", fingerprint),
    ILOFS_OPT("tls=%s", tls),
    ILOFS_OPT("cache=%s", cache),
    ILOFS_OPT("fonts=%s", fonts),
    ILOFS_OPT("busy=%s", busy),
    ILOFS_OPT("layout=%s", layout),
    ILOFS_OPT("vnc=%s", vnc),
    ILOFS_OPT("vncpassfile=%s", vncpassfile),
    ILOFS_OPT("password=%s", password),
    ILOFS_OPT("insecure", insecure),
    key_option("ro", kReadOnly),
    key_option("-h", kHelp),
    key_option("--help", kHelp),
    key_option("-V", kVersion),
    key_option("--version", kVersion),
    // Options of mount(8) and fstab that mean nothing to a FUSE file system.
    key_option("_netdev", kDiscard),
    key_option("nofail", kDiscard),
    key_option("auto", kDiscard),
    key_option("noauto", kDiscard),
    key_option("user", kDiscard),
    key_option("users", kDiscard),
    key_option("nouser", kDiscard),
    FUSE_OPT_END,
};
#undef ILOFS_OPT

int on_option(void* data, const char* arg, int key, fuse_args* /*outargs*/) {
  auto& raw = *static_cast<RawOptions*>(data);
  switch (key) {
    case FUSE_OPT_KEY_NONOPT:
      if (raw.nonopts++ == 0) {  // HOST[:PORT]; the mount point stays for fuse_parse_cmdline
        *raw.host = arg;
        return 0;
      }
      return 1;
    case kHelp: raw.help = 1; return 0;
    case kVersion: raw.version = 1; return 0;
    case kReadOnly: raw.ro = 1; return 1;  // FUSE must see it too (read-only mount)
    case kDiscard: return 0;
    default: return 1;
  }
}

bool split_host_port(const std::string& text, MountOptions& options, std::string& error) {
  std::string host = text, port;
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    const auto close = host.find(']');
    if (close == std::string::npos) {
      error = "bad host '" + text + "': missing ']'";
      return false;
    }
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') {
        error = "bad host '" + text + "'";
        return false;
      }
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    const auto colon = host.find(':');
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  if (host.empty()) {
    error = "bad host '" + text + "': empty name";
    return false;
  }
  if (!port.empty() || text.back() == ':') {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      error = "bad port in '" + text + "'";
      return false;
    }
    options.https_port = static_cast<std::uint16_t>(value);
  }
  options.host = host;
  return true;
}

// vnc=ADDR:PORT with a numeric address ([v6]:PORT for IPv6) and a port 1..65535.
bool parse_vnc(const std::string& text, MountOptions& options, std::string& error) {
  const auto bad = [&] {
    error = "vnc=" + text + ": expected ADDR:PORT with a numeric address, e.g. " +
            "vnc=127.0.0.1:5901 or vnc=[::1]:5901";
    return false;
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  std::string address = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (address.front() == '[') {
    if (address.size() < 3 || address.back() != ']') return bad();
    address = address.substr(1, address.size() - 2);
  }
  unsigned char buffer[sizeof(in6_addr)];
  const bool v4 = ::inet_pton(AF_INET, address.c_str(), buffer) == 1;
  if (!v4 && ::inet_pton(AF_INET6, address.c_str(), buffer) != 1) return bad();
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return bad();
  }
  options.vnc_address = address;
  options.vnc_port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

bool is_loopback_address(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  // ::ffff:127.x.y.z
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

std::string default_cache_dir(const std::string& host) {
  if (::geteuid() == 0) return "/var/cache/ilofs/" + host;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') {
    return std::string(xdg) + "/ilofs/" + host;
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/ilofs/" + host;
}

int parse_mount_options(fuse_args& args, MountOptions& options, std::string& error) {
  RawOptions raw;
  std::string host_arg;
  raw.host = &host_arg;
  if (fuse_opt_parse(&args, &raw, kSpecs, on_option) != 0) {
    error = "cannot parse the options";
    return 2;
  }
  options.show_help = raw.help != 0;
  options.show_version = raw.version != 0;
  if (options.show_help || options.show_version) return 0;
  if (raw.password) {
    error = "the password is never taken on the command line: use -o passfile=FILE or "
            "ILOFS_PASSWORD";
    return 2;
  }

  fuse_cmdline_opts cmd{};
  if (fuse_parse_cmdline(&args, &cmd) != 0) {
    error = "bad FUSE options";
    return 2;
  }
  options.foreground = cmd.foreground != 0;
  options.single_thread = cmd.singlethread != 0;
  options.clone_fd = cmd.clone_fd != 0;
  if (cmd.max_idle_threads != UINT_MAX) options.max_idle_threads = cmd.max_idle_threads;
  options.debug = cmd.debug != 0;
  if (cmd.mountpoint) {
    options.mountpoint = cmd.mountpoint;
    std::free(cmd.mountpoint);
  }
  if (cmd.show_help) options.show_help = true;
  if (cmd.show_version) options.show_version = true;
  if (options.show_help || options.show_version) return 0;

  if (host_arg.empty() || options.mountpoint.empty()) {
    error = "usage: ilofs [-f] [-d] [-o OPT[,OPT...]] HOST[:PORT] MOUNTPOINT";
    return 2;
  }
  if (raw.nonopts > 2) {
    error = "too many arguments (expected HOST[:PORT] MOUNTPOINT)";
    return 2;
  }
  if (!split_host_port(host_arg, options, error)) return 2;
  if (raw.user) options.user = raw.user;
  if (options.user.empty()) {
    error = "user= must not be empty";
    return 2;
  }
  if (raw.passfile) options.passfile = raw.passfile;
  if (raw.cafile) options.cafile = raw.cafile;
  if (raw.fingerprint) options.fingerprint = raw.fingerprint;
  options.insecure = raw.insecure != 0;
  options.read_only = raw.ro != 0;
  if (raw.tls) {
    if (std::strcmp(raw.tls, "legacy") == 0) {
      options.tls_legacy = true;
    } else if (std::strcmp(raw.tls, "default") != 0) {
      error = std::string("tls=") + raw.tls + ": expected tls=legacy or tls=default";
      return 2;
    }
  }
  if (raw.busy) {
    const std::string busy = raw.busy;
    if (busy == "fail") {
      options.busy = net::BusyPolicy::fail;
    } else if (busy == "seize") {
      options.busy = net::BusyPolicy::seize;
    } else if (busy == "share") {
      options.busy = net::BusyPolicy::share;
    } else {
      error = "busy=" + busy + ": expected busy=fail, busy=seize or busy=share";
      return 2;
    }
  }
  if (raw.layout) {
    const auto layout = keymap::parse_layout_name(raw.layout);
    if (!layout) {
      error = std::string("layout=") + raw.layout +
              ": expected an XKB layout NAME or NAME:VARIANT, e.g. de, fr or de:nodeadkeys";
      return 2;
    }
    options.layout = *layout;
  }
  if (raw.vnc && !parse_vnc(raw.vnc, options, error)) return 2;
  if (raw.vncpassfile) {
    options.vnc_passfile = raw.vncpassfile;
    if (options.vnc_passfile.empty() || options.vnc_address.empty()) {
      error = "vncpassfile= needs a file name and vnc=ADDR:PORT";
      return 2;
    }
  }
  if (!options.vnc_address.empty() && options.vnc_passfile.empty() &&
      !is_loopback_address(options.vnc_address)) {
    error = "vnc=" + std::string(raw.vnc) + " listens beyond this machine without a password: " +
            "give -o vncpassfile=FILE (mode 600), or listen on 127.0.0.1";
    return 2;
  }
  if (!options.fingerprint.empty() && http::normalise_pin(options.fingerprint).empty()) {
    error = "fingerprint=" + options.fingerprint +
            ": expected the certificate's SHA-256: 64 hex digits, plain or as ab:cd:... pairs";
    return 2;
  }
  const int trust = (options.insecure ? 1 : 0) + (options.fingerprint.empty() ? 0 : 1) +
                    (options.cafile.empty() ? 0 : 1);
  if (trust > 1) {
    error = "choose one of fingerprint=, cafile= and insecure";
    return 2;
  }
  options.cache_dir = raw.cache ? raw.cache : default_cache_dir(options.host);
  options.fonts_dir = raw.fonts ? raw.fonts : "/usr/share/consolefonts";
  return 0;
}

const char* usage_text() noexcept {
  return "usage: ilofs [-f] [-d] [-o OPT[,OPT...]] HOST[:PORT] MOUNTPOINT\n"
         "\n"
         "Mounts an HPE iLO 4 as a directory: copy an ISO in to insert it as a CD-ROM, write\n"
         "power words to `power`, read the screen from `screen.ppm`/`screen.png`, type through\n"
         "`keyboard`, read `status`. The password comes from passfile= or ILOFS_PASSWORD.\n"
         "\n"
         "ilofs options:\n"
         "    -o user=NAME           iLO user (default Administrator)\n"
         "    -o passfile=FILE       file holding the password (mode 0600 or stricter)\n"
         "    -o fingerprint=HEX     pin the iLO certificate's SHA-256 (colons optional)\n"
         "    -o cafile=FILE         verify the certificate against these CAs\n"
         "    -o insecure            accept any certificate (logs a warning)\n"
         "    -o tls=legacy          allow TLS 1.0/1.1 and old ciphers (old firmware)\n"
         "    -o cache=DIR           where copied images are kept\n"
         "                           (default $XDG_CACHE_HOME/ilofs/HOST;\n"
         "                           for root /var/cache/ilofs/HOST)\n"
         "    -o fonts=DIR           console fonts screen.txt reads with, besides its own\n"
         "                           (default /usr/share/consolefonts)\n"
         "    -o busy=fail|seize|share  when another user holds the console (default fail)\n"
         "    -o layout=NAME[:VARIANT]  the server's keyboard layout for text written to\n"
         "                           `keyboard`, in XKB's names (default us; e.g. de, fr)\n"
         "    -o vnc=ADDR:PORT       serve the console to VNC viewers (e.g. 127.0.0.1:5901)\n"
         "    -o vncpassfile=FILE    their password (first line, mode 0600; VNC uses 8\n"
         "                           characters); required unless ADDR is loopback\n"
         "    -f                     stay in the foreground, log to stderr\n"
         "    -d                     debug output (implies -f; never prints a secret)\n"
         "    -h, --help             this text\n"
         "    -V, --version          the version\n";
}

}  // namespace ilo::fs
