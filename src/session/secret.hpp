// A secret string (password, session key, enc_key text) that is wiped (OPENSSL_cleanse) when
// dropped, and the one way ilofs reads the iLO password: a file that only its owner can read,
// or the ILOFS_PASSWORD environment variable. No stream or format support: a Secret cannot
// end up in a log line by accident.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace ilo::session {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string_view text) : text_(text) {}
  Secret(const Secret& other) : text_(other.text_) {}
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  [[nodiscard]] std::string_view view() const noexcept { return text_; }
  [[nodiscard]] bool empty() const noexcept { return text_.empty(); }
  void clear() noexcept;  // wipes, then empties

 private:
  std::string text_;
};

// Wipes the bytes of `s` (all of its capacity) and empties it.
void wipe(std::string& s) noexcept;

// The password: from `passfile` if not empty (its first line, without the line end; refused
// if the file is group- or world-readable, is not a regular file, or is empty), else from the
// environment variable ILOFS_PASSWORD (which is then removed from this process's environment
// so no child inherits it). `error` is a one-line message for the user, never the password.
std::error_code read_password(const std::string& passfile, Secret& password, std::string& error);

}  // namespace ilo::session
