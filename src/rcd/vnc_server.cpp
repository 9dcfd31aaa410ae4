// The VNC server (see vnc_server.hpp). libvncserver runs non-threaded on our one thread
// (rfbProcessEvents in a loop), so its callbacks, the framebuffer and the viewers' state are
// touched by that thread only: the frame is copied into the framebuffer between two event
// rounds, never while an update is being sent. We accept connections on our own socket (bound
// to exactly the address given) and hand them over with rfbNewClient; libvncserver listens on
// nothing itself.
#include "rcd/vnc_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

#include <openssl/crypto.h>
#include <rfb/rfb.h>

#include "rc/keysym_keyboard.hpp"
#include "rcd/frame_diff.hpp"
#include "rcd/shared_frame.hpp"

namespace ilo::rcd {
namespace {

constexpr int kInitialWidth = 640, kInitialHeight = 480;  // until the first frame
constexpr int kEventWaitUs = 10'000;  // one event round waits at most this long

// Per viewer, in rfbClientRec::clientData.
struct ViewerData {
  std::string address;
  std::int64_t since = 0;
};

std::string peer_text(int fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  if (peer.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
}

// A listening TCP socket on exactly `address`:`port`, or -1 with `error`.
int listen_on(const std::string& address, std::uint16_t port, std::string& error) {
  sockaddr_storage where{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&where);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&where);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    error = "not a numeric address: " + address;
    return -1;
  }
  const int fd = ::socket(where.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (where.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&where), len) != 0 || ::listen(fd, 8) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string endpoint_text(const std::string& address, std::uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

}  // namespace

struct VncServer::Impl {
  Impl(const VncServerOptions& o, const SharedFrameReader& f, VncInput& i)
      : frame(f), input(i), layout(o.layout), keyboard(o.layout.get()), password(o.password) {}

  ~Impl() {
    stopping = true;
    if (thread.joinable()) thread.join();
    if (screen) {
      rfbShutdownServer(screen, TRUE);
      rfbScreenCleanup(screen);  // viewers' clientGoneHook runs here (input is not called)
    }
    if (listen_fd >= 0) ::close(listen_fd);
    if (!password.empty()) OPENSSL_cleanse(password.data(), password.size());
  }

  static Impl* of(rfbClientPtr cl) { return static_cast<Impl*>(cl->screen->screenData); }

  // ---- libvncserver callbacks (VNC thread) ----
  static rfbNewClientAction on_new_client(rfbClientPtr cl) {
    auto* data = new ViewerData{peer_text(cl->sock), static_cast<std::int64_t>(std::time(nullptr))};
    cl->clientData = data;
    cl->clientGoneHook = on_client_gone;
    return RFB_CLIENT_ACCEPT;
  }
  static void on_client_gone(rfbClientPtr cl) {
    delete static_cast<ViewerData*>(cl->clientData);
    cl->clientData = nullptr;
    Impl* self = of(cl);
    if (self->stopping) return;
    // The last viewer gone: nothing stays pressed on the server.
    bool others = false;
    rfbClientIteratorPtr it = rfbGetClientIterator(cl->screen);
    while (rfbClientPtr other = rfbClientIteratorNext(it)) others |= other != cl;
    rfbReleaseClientIterator(it);
    if (others) return;
    const auto released = self->keyboard.release_all();
    if (!released.empty()) self->input.vnc_keys(released);
    if (self->buttons != 0) {
      self->buttons = 0;
      self->input.vnc_pointer(self->pointer_x, self->pointer_y, 0);
    }
  }
  static void on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl) {
    Impl* self = of(cl);
    const auto reports = self->keyboard.key(down != 0, static_cast<std::uint32_t>(keysym));
    if (!reports.empty()) self->input.vnc_keys(reports);
  }
  static void on_pointer(int mask, int x, int y, rfbClientPtr cl) {
    Impl* self = of(cl);
    // RFB: bit 0 left, bit 1 middle, bit 2 right (3 and 4: the wheel, not forwarded).
    const auto buttons = static_cast<std::uint8_t>(((mask & 1) ? rc::kButtonLeft : 0) |
                                                   ((mask & 2) ? rc::kButtonMiddle : 0) |
                                                   ((mask & 4) ? rc::kButtonRight : 0));
    x = std::clamp(x, 0, std::max(self->width - 1, 0));
    y = std::clamp(y, 0, std::max(self->height - 1, 0));
    if (x == self->pointer_x && y == self->pointer_y && buttons == self->buttons) return;
    self->pointer_x = x;
    self->pointer_y = y;
    self->buttons = buttons;
    self->input.vnc_pointer(x, y, buttons);
  }

  // ---- the VNC thread ----
  void run() {
    const auto started = std::chrono::steady_clock::now();
    while (!stopping) {
      // The first viewers wait (in the listen queue) for the first frame, up to a second, so
      // they start at the screen's size rather than be disconnected by the first resize.
      const bool accepting =
          seen != 0 || std::chrono::steady_clock::now() - started > std::chrono::seconds{1};
      if (accepting) accept_viewers();
      if (screen->clientHead) {
        rfbProcessEvents(screen, kEventWaitUs);
      } else {
        pollfd p{listen_fd, POLLIN, 0};
        ::poll(&p, accepting ? 1 : 0, kEventWaitUs / 1000);  // not accepting: just wait
      }
      update_frame();
      publish_viewers();
    }
  }

  void accept_viewers() {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or an error on one connection: try again next round
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      rfbNewClient(screen, fd);  // closes it on failure
    }
  }

  // Copies the frame if its sequence moved: the changed tiles, or everything after a resize.
  void update_frame() {
    repaint_after_resize();
    const std::uint64_t sequence = frame.sequence();
    if (sequence == seen || !frame.snapshot(snap)) return;
    seen = snap.sequence;
    if (snap.width <= 0 || snap.height <= 0) {  // no video: black, same size
      std::fill(fb.begin(), fb.end(), char{0});
      previous.clear();
      rfbMarkRectAsModified(screen, 0, 0, width, height);
      return;
    }
    if (snap.width != width || snap.height != height) {
      resize(snap.width, snap.height);
      previous.clear();
    }
    const auto rects = changed_rects(previous, snap.pixels, width, height);
    for (const auto& r : rects) {
      copy_rect(r);
      rfbMarkRectAsModified(screen, r.x, r.y, r.x + r.width, r.y + r.height);
    }
    previous.swap(snap.pixels);  // the old buffer is reused by the next snapshot
  }

  void copy_rect(const DiffRect& r) {
    const auto* src = snap.pixels.data();
    auto* dst = reinterpret_cast<std::uint8_t*>(fb.data());
    for (int y = r.y; y < r.y + r.height; ++y) {
      const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(width);
      for (int x = r.x; x < r.x + r.width; ++x) {
        const std::size_t p = row + static_cast<std::size_t>(x);
        dst[p * 4 + 0] = src[p * 3 + 0];  // R (red shift 0 in the server's format)
        dst[p * 4 + 1] = src[p * 3 + 1];  // G
        dst[p * 4 + 2] = src[p * 3 + 2];  // B
        dst[p * 4 + 3] = 0;
      }
    }
  }

  // A new screen size: viewers without the desktop-size extension are disconnected (they
  // cannot be told; they reconnect), the others get the new size with the next update.
  void resize(int w, int h) {
    rfbClientIteratorPtr it = rfbGetClientIterator(screen);
    while (rfbClientPtr cl = rfbClientIteratorNext(it)) {
      // (Before RFB_NORMAL the size is still to be sent: it will be the new one.)
      const bool sized_later = cl->state != rfbClientRec::RFB_NORMAL;
      if (!sized_later && !cl->useNewFBSize && !cl->useExtDesktopSize) rfbCloseClient(cl);
    }
    rfbReleaseClientIterator(it);
    std::vector<char> bigger(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4, 0);
    rfbNewFramebuffer(screen, bigger.data(), w, h, 8, 3, 4);
    fb.swap(bigger);
    width = w;
    height = h;
    repaints = {std::chrono::steady_clock::now() + std::chrono::milliseconds{100},
                std::chrono::steady_clock::now() + std::chrono::milliseconds{500}};
  }

  // A viewer resizes its own picture when the size change reaches it, and may have drawn
  // rectangles sent before then at the old size (libvncclient does): the whole picture is
  // sent again twice shortly after a resize, so every viewer ends up with the new one.
  void repaint_after_resize() {
    const auto now = std::chrono::steady_clock::now();
    while (!repaints.empty() && repaints.front() <= now) {
      repaints.erase(repaints.begin());
      rfbMarkRectAsModified(screen, 0, 0, width, height);
    }
  }

  void publish_viewers() {
    std::vector<VncViewer> now;
    rfbClientIteratorPtr it = rfbGetClientIterator(screen);
    while (rfbClientPtr cl = rfbClientIteratorNext(it)) {
      const auto* data = static_cast<const ViewerData*>(cl->clientData);
      if (data && cl->state == rfbClientRec::RFB_NORMAL) {
        now.push_back({data->address, data->since});
      }
    }
    rfbReleaseClientIterator(it);
    std::lock_guard lock(viewers_mutex);
    viewers.swap(now);
  }

  const SharedFrameReader& frame;
  VncInput& input;
  std::shared_ptr<const rc::KeyLayout> layout;  // kept alive for `keyboard`
  rc::KeysymKeyboard keyboard;
  std::string password;
  char* passwords[2] = {nullptr, nullptr};  // rfbCheckPasswordByList's list
  std::string endpoint;
  int listen_fd = -1;
  rfbScreenInfoPtr screen = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // VNC thread only (after start).
  std::vector<char> fb;  // RGBX, what libvncserver sends from
  int width = kInitialWidth, height = kInitialHeight;
  std::uint64_t seen = 0;
  FrameSnapshot snap;
  std::vector<std::uint8_t> previous;  // the last frame copied (RGB), empty: none
  int pointer_x = 0, pointer_y = 0;
  std::uint8_t buttons = 0;
  std::vector<std::chrono::steady_clock::time_point> repaints;  // after a resize

  // Leaf lock.
  mutable std::mutex viewers_mutex;
  std::vector<VncViewer> viewers;
};

std::unique_ptr<VncServer> VncServer::start(const VncServerOptions& options,
                                            const SharedFrameReader& frame, VncInput& input,
                                            std::string& error) {
  auto impl = std::make_unique<Impl>(options, frame, input);
  impl->endpoint = endpoint_text(options.address, options.port);
  std::string why;
  impl->listen_fd = listen_on(options.address, options.port, why);
  if (impl->listen_fd < 0) {
    error = "cannot listen for VNC viewers on " + impl->endpoint + ": " + why;
    return nullptr;
  }
  rfbLogEnable(options.debug ? 1 : 0);  // its lines go to our stderr: the mount's log
  int argc = 1;
  char name[] = "ilofs-rc";
  char* argv[] = {name, nullptr};
  impl->fb.assign(static_cast<std::size_t>(kInitialWidth) * kInitialHeight * 4, 0);
  rfbScreenInfoPtr s = rfbGetScreen(&argc, argv, kInitialWidth, kInitialHeight, 8, 3, 4);
  if (!s) {
    error = "cannot set up the VNC server";
    return nullptr;
  }
  impl->screen = s;
  s->frameBuffer = impl->fb.data();
  s->screenData = impl.get();
  s->desktopName = "ilofs";
  s->port = 0;  // we listen ourselves (exactly the given address)
  s->ipv6port = 0;
  s->autoPort = FALSE;
  s->httpPort = 0;
  s->alwaysShared = TRUE;  // several viewers see the same screen
  s->cursor = nullptr;     // the server's own pointer is in the picture already
  s->newClientHook = Impl::on_new_client;
  s->kbdAddEvent = Impl::on_key;
  s->ptrAddEvent = Impl::on_pointer;
  if (!impl->password.empty()) {
    impl->passwords[0] = impl->password.data();
    s->authPasswdData = impl->passwords;
    s->passwordCheck = rfbCheckPasswordByList;
  }
  rfbInitServer(s);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<VncServer>(new VncServer(std::move(impl)));
}

VncServer::VncServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VncServer::~VncServer() = default;

std::vector<VncViewer> VncServer::viewers() const {
  std::lock_guard lock(impl_->viewers_mutex);
  return impl_->viewers;
}

const std::string& VncServer::listening() const { return impl_->endpoint; }

}  // namespace ilo::rcd
