// The companion's VNC server (libvncserver): one thread that accepts viewers on the address
// it was given, serves them the published frame (only the tiles that changed since the last
// frame it sent; a new screen size through the desktop-size extension, viewers without it
// are disconnected and reconnect), and turns their keys and pointer into console input
// through a callback. It does not talk to the console and knows nothing of the parent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "rc/input_messages.hpp"
#include "rc/key_layout.hpp"

namespace ilo::rcd {

class SharedFrameReader;

// Where viewer input goes (called on the VNC thread; must not block for long).
class VncInput {
 public:
  virtual ~VncInput() = default;
  virtual void vnc_keys(const std::vector<rc::KeyboardReport>& reports) = 0;
  // Screen pixels of the frame the viewers see; rc::kButton* bits.
  virtual void vnc_pointer(int x, int y, std::uint8_t buttons) = 0;
};

struct VncServerOptions {
  std::string address;   // numeric IPv4 or IPv6
  std::uint16_t port = 0;
  std::string password;  // empty: no authentication; copied, then wiped by the caller
  std::shared_ptr<const rc::KeyLayout> layout;  // null: US
  bool debug = false;    // libvncserver's own log lines (on stderr); no secret in them
};

struct VncViewer {
  std::string address;      // "127.0.0.1:43210", "[::1]:43210"
  std::int64_t since = 0;   // Unix time the viewer connected
};

class VncServer {
 public:
  // Listens and starts the thread; nullptr with `error` (one line, no secret) if the address
  // cannot be listened on. `frame` is read on the VNC thread only; it and `input` must
  // outlive the server.
  static std::unique_ptr<VncServer> start(const VncServerOptions& options,
                                          const SharedFrameReader& frame, VncInput& input,
                                          std::string& error);
  ~VncServer();  // disconnects every viewer and joins the thread
  VncServer(const VncServer&) = delete;
  VncServer& operator=(const VncServer&) = delete;

  // Viewers past authentication, oldest first. Any thread.
  [[nodiscard]] std::vector<VncViewer> viewers() const;
  // The address it listens on, as "127.0.0.1:5901" / "[::1]:5901".
  [[nodiscard]] const std::string& listening() const;

 private:
  struct Impl;
  explicit VncServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilo::rcd
