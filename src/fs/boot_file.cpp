// The `boot` file (see boot_file.hpp).
#include "fs/boot_file.hpp"

#include <cerrno>

#include "fs/errno_map.hpp"
#include "fs/log.hpp"
#include "ribcl/boot_device.hpp"
#include "ribcl/ribcl_reply.hpp"
#include "ribcl/ribcl_request.hpp"
#include "session/session_owner.hpp"

namespace ilo::fs {

int BootFile::write(std::string_view text) {
  std::string_view word = text;
  if (!word.empty() && word.back() == '\n') word.remove_suffix(1);
  const auto device = ribcl::parse_boot_word(word);
  if (!device) {
    std::string shown;
    for (const char c : word.substr(0, 40))
      shown += (c >= 0x20 && c < 0x7F) ? c : '?';
    log_warning("boot: '" + shown + "' is not a boot word (cd, usb, floppy, hdd, network, "
                "normal); nothing sent");
    return EINVAL;
  }
  if (!owner_) return fail(ENOTCONN, "boot: no iLO session");
  std::string reply, error;
  const auto ec = owner_->ribcl(ribcl::set_one_time_boot(*device), reply, error);
  if (ec) return fail(ribcl_to_errno(ec), "boot " + std::string(word) + ": " + error);
  log_info("boot: the next boot is from " + std::string(word) + " (SET_ONE_TIME_BOOT " +
           std::string(ribcl::ribcl_boot_name(*device)) + ")");
  succeed(word);
  return 0;
}

int BootFile::read(std::string& out) {
  if (!owner_) return fail(ENOTCONN, "boot: no iLO session");
  std::string reply, error;
  const auto ec = owner_->ribcl(ribcl::get_one_time_boot(), reply, error);
  if (ec) return fail(ribcl_to_errno(ec), "boot: reading the one-time boot: " + error);
  auto device = ribcl::parse_one_time_boot(reply);
  if (!device) {
    return fail(EIO, "boot: reading the one-time boot: unexpected answer: " + device.detail());
  }
  const std::string_view word = ribcl::boot_word(device.value());
  succeed(word);
  out = std::string(word) + "\n";
  return 0;
}

BootFile::Status BootFile::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

int BootFile::fail(int err, const std::string& text) {
  log_error(text);
  std::lock_guard lock(mutex_);
  ++status_.requests;
  ++status_.failures;
  status_.last_error = text;
  return err;
}

void BootFile::succeed(std::string_view word) {
  std::lock_guard lock(mutex_);
  ++status_.requests;
  status_.one_time_boot = std::string(word);
  status_.last_error.clear();
}

}  // namespace ilo::fs
