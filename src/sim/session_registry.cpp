// Web sessions of the simulated iLO (see session_registry.hpp).
#include "sim/session_registry.hpp"

#include <algorithm>
#include <array>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bytes/hex.hpp"
#include "rc/key_encoding.hpp"

namespace ilo::sim {

std::string random_hex_key(bool mixed_case) {
  for (;;) {
    std::array<std::uint8_t, 32> r{};
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) std::abort();
    std::string s(32, '0');
    bool upper = false, lower = false;
    for (std::size_t i = 0; i < 32; ++i) {
      char c = hex_digit(r[i]);
      if (mixed_case && c >= 'a' && (r[i] & 0x10)) c = static_cast<char>(c - 'a' + 'A');
      upper |= c >= 'A' && c <= 'F';
      lower |= c >= 'a' && c <= 'f';
      s[i] = c;
    }
    if (!mixed_case || (upper && lower)) return s;
  }
}

SessionRegistry::SessionRegistry(std::string user, std::string password, LoginPolicy policy)
    : user_(std::move(user)), password_(std::move(password)), policy_(policy) {}

void SessionRegistry::expire(TimePoint now) {
  std::erase_if(sessions_, [&](const WebSession& s) { return s.expires <= now; });
}

LoginResult SessionRegistry::verify_locked(const std::string& user, const std::string& password,
                                           TimePoint now) {
  if (refuse_logins_) return LoginResult::refused_by_fault;
  if (now < locked_until_) {
    ++failed_logins_;
    return LoginResult::locked_out;
  }
  const bool user_ok = user == user_;
  // Compare the password in constant time (lengths first: they are not secret here).
  const bool pass_ok = password.size() == password_.size() &&
                       CRYPTO_memcmp(password.data(), password_.data(), password.size()) == 0;
  if (!user_ok || !pass_ok) {
    ++failed_logins_;
    if (++consecutive_failures_ >= policy_.max_failures) {
      locked_until_ = now + policy_.lockout;
      consecutive_failures_ = 0;
    }
    return LoginResult::bad_credentials;
  }
  consecutive_failures_ = 0;
  return LoginResult::ok;
}

LoginResult SessionRegistry::check_credentials(const std::string& user,
                                               const std::string& password, TimePoint now) {
  std::lock_guard lock(mutex_);
  return verify_locked(user, password, now);
}

void SessionRegistry::set_password(std::string password) {
  std::lock_guard lock(mutex_);
  OPENSSL_cleanse(password_.data(), password_.size());
  password_ = std::move(password);
}

LoginResult SessionRegistry::login(const std::string& user, const std::string& password,
                                   TimePoint now, WebSession& out) {
  std::lock_guard lock(mutex_);
  if (const auto r = verify_locked(user, password, now); r != LoginResult::ok) return r;
  expire(now);
  if (static_cast<int>(sessions_.size()) >= policy_.max_sessions) sessions_.erase(sessions_.begin());
  WebSession s;
  s.session_key = random_hex_key(false);
  s.enc_key = fixed_enc_key_ ? *fixed_enc_key_ : random_hex_key(true);
  s.cmd_enc_key = random_hex_key(false);
  s.user = user;
  s.expires = now + policy_.idle_timeout;
  sessions_.push_back(s);
  out = std::move(s);
  return LoginResult::ok;
}

void SessionRegistry::logout(const std::string& session_key) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const WebSession& s) { return s.session_key == session_key; });
}

std::optional<WebSession> SessionRegistry::touch(const std::string& session_key, TimePoint now) {
  std::lock_guard lock(mutex_);
  expire(now);
  for (auto& s : sessions_) {
    if (s.session_key.size() == session_key.size() &&
        CRYPTO_memcmp(s.session_key.data(), session_key.data(), session_key.size()) == 0) {
      s.expires = now + policy_.idle_timeout;
      return s;
    }
  }
  return std::nullopt;
}

std::optional<WebSession> SessionRegistry::match_connect_key(
    std::span<const std::uint8_t, 32> encoded, bool xor_applied, TimePoint now) {
  std::lock_guard lock(mutex_);
  expire(now);
  for (auto& s : sessions_) {
    std::error_code ec;
    const auto expected = rc::encode_session_key(s.session_key, s.enc_key, xor_applied, ec);
    if (!ec && rc::encoded_keys_equal(expected, encoded)) {
      s.expires = now + policy_.idle_timeout;
      return s;
    }
  }
  return std::nullopt;
}

void SessionRegistry::set_fixed_enc_key(std::string enc_key) {
  std::lock_guard lock(mutex_);
  fixed_enc_key_ = std::move(enc_key);
}

std::size_t SessionRegistry::expire_all() {
  std::lock_guard lock(mutex_);
  const std::size_t n = sessions_.size();
  sessions_.clear();
  return n;
}

void SessionRegistry::set_refuse_logins(bool refuse) {
  std::lock_guard lock(mutex_);
  refuse_logins_ = refuse;
}

std::size_t SessionRegistry::live_sessions(TimePoint now) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      sessions_.begin(), sessions_.end(), [&](const WebSession& s) { return s.expires > now; }));
}

std::uint64_t SessionRegistry::failed_logins() const {
  std::lock_guard lock(mutex_);
  return failed_logins_;
}

std::chrono::seconds SessionRegistry::lockout_remaining(TimePoint now) const {
  std::lock_guard lock(mutex_);
  if (now >= locked_until_) return std::chrono::seconds{0};
  // Rounded up: a client that waits this long is let in.
  return std::chrono::ceil<std::chrono::seconds>(locked_until_ - now);
}

}  // namespace ilo::sim
