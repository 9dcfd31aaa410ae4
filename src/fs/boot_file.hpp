// The mount's `boot` file: the server's one-time boot device over RIBCL (docs/ribcl.md).
// Writing a boot word (cd, usb, floppy, hdd, network, normal; one trailing newline allowed)
// sends SET_ONE_TIME_BOOT; anything else is EINVAL and sends nothing. Reading sends
// GET_ONE_TIME_BOOT and shows the answer in the same words. The session owner sends the XML
// (it holds the password); this class only parses words, reads replies and keeps the outcome
// for `status`. It does not touch the virtual drives or the machine's persistent boot order.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace ilo::session {
class SessionOwner;
}

namespace ilo::fs {

class BootFile {
 public:
  explicit BootFile(session::SessionOwner* owner) : owner_(owner) {}

  // 0, or EINVAL (not a boot word: nothing sent), EIO (the iLO refused: a RIBCL error status
  // or login, or an unreadable reply) or the transport's errno (ENOTCONN, EAGAIN, ...). A
  // failure is logged and kept for `status`.
  int write(std::string_view text);
  // The current one-time boot as "<word>\n" in `out`; errors as for write().
  int read(std::string& out);

  struct Status {
    std::string one_time_boot;  // the last word set or read ("" before any)
    std::string last_error;     // one line, no secret ("" after a success)
    std::uint64_t requests = 0;
    std::uint64_t failures = 0;
  };
  [[nodiscard]] Status status() const;

 private:
  int fail(int err, const std::string& text);
  void succeed(std::string_view word);

  session::SessionOwner* owner_;
  mutable std::mutex mutex_;  // guards status_ only; never held across a request
  Status status_;
};

}  // namespace ilo::fs
