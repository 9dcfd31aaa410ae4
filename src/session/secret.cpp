// Secret (wiped on drop) and read_password (see secret.hpp). The password is copied only into
// the Secret; the buffers it passed through are wiped, and no message ever contains it.
#include "session/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <openssl/crypto.h>

namespace ilo::session {
namespace {

constexpr const char* kEnvName = "ILOFS_PASSWORD";
constexpr std::size_t kMaxFileBytes = 4096;  // a password file is one short line

std::string octal_mode(mode_t mode) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return text.data();
}

// The first line of `text` without its "\n" or "\r\n".
std::string_view first_line(std::string_view text) {
  const auto end = text.find('\n');
  if (end != std::string_view::npos) text = text.substr(0, end);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

std::error_code from_file(const std::string& path, Secret& password, std::string& error) {
  // O_NONBLOCK: a FIFO must not hang the mount; fstat on the open file decides, not the name.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    const std::error_code ec(errno, std::generic_category());
    error = "cannot open password file " + path + ": " + ec.message();
    return ec;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::error_code ec(errno, std::generic_category());
    ::close(fd);
    error = "cannot read password file " + path + ": " + ec.message();
    return ec;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "password file " + path + " is not a regular file";
    return std::make_error_code(std::errc::invalid_argument);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    error = "password file " + path + " has mode " + octal_mode(st.st_mode) +
            ": others may read it; run chmod 600 " + path;
    return std::make_error_code(std::errc::permission_denied);
  }
  std::string text(kMaxFileBytes, '\0');
  std::size_t have = 0;
  std::error_code ec;
  while (have < text.size()) {
    const auto n = ::read(fd, text.data() + have, text.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      ec.assign(errno, std::generic_category());
      break;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (ec) {
    wipe(text);
    error = "cannot read password file " + path + ": " + ec.message();
    return ec;
  }
  const std::string_view line = first_line(std::string_view(text).substr(0, have));
  if (line.empty()) {
    wipe(text);
    error = "password file " + path + " is empty (its first line is the password)";
    return std::make_error_code(std::errc::invalid_argument);
  }
  password = Secret(line);
  wipe(text);
  return {};
}

}  // namespace

Secret::Secret(Secret&& other) noexcept : text_(std::move(other.text_)) { other.clear(); }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe(text_);
    text_ = other.text_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe(text_);
    text_ = std::move(other.text_);
    other.clear();
  }
  return *this;
}

Secret::~Secret() { wipe(text_); }

void Secret::clear() noexcept { wipe(text_); }

void wipe(std::string& s) noexcept {
  OPENSSL_cleanse(s.data(), s.capacity());
  s.clear();
}

std::error_code read_password(const std::string& passfile, Secret& password, std::string& error) {
  error.clear();
  if (!passfile.empty()) return from_file(passfile, password, error);
  char* value = std::getenv(kEnvName);
  if (value == nullptr || *value == '\0') {
    if (value != nullptr) ::unsetenv(kEnvName);
    error = "no password: give a password file (-o passfile=FILE, mode 600) or set ILOFS_PASSWORD";
    return std::make_error_code(std::errc::invalid_argument);
  }
  password = Secret(std::string_view(value));
  // Wipe the environment's copy in place, then drop the variable: no child inherits it.
  OPENSSL_cleanse(value, std::strlen(value));
  ::unsetenv(kEnvName);
  return {};
}

}  // namespace ilo::session
