// A GoogleTest fixture for tests that run a session::SessionOwner against ilo-sim: options
// pinned to the simulator's certificate, every log line and error text collected, and at the end
// a check that no secret the test saw appears in any of them. It starts no simulator itself.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "session/session_owner.hpp"
#include "sim_process.hpp"

namespace ilo::test {

class SessionLogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
      for (const auto& secret : secrets_)
        EXPECT_EQ(line.find(secret), std::string::npos) << "a secret in: " << line;
    }
  }

  // A session owner's options for `sim` with `password` (remembered as a secret); its log
  // lines go to on_log().
  session::SessionOwnerOptions options_for(const SimProcess& sim,
                                           const std::string& password = SimProcess::password()) {
    using namespace std::chrono_literals;
    session::SessionOwnerOptions o;
    o.host = "127.0.0.1";
    o.https_port = sim.https_port();
    o.password = session::Secret(password);
    o.tls.pin_sha256 = sim.fingerprint();
    o.connect_timeout = 2s;
    o.request_timeout = 5s;
    remember_secret(password);
    o.log = [this](int priority, const std::string& text) { on_log(priority, text); };
    return o;
  }
  virtual void on_log(int /*priority*/, const std::string& text) { remember_text(text); }

  void remember_secret(const std::string& secret) {
    std::lock_guard lock(mutex_);
    secrets_.push_back(secret);
  }
  void remember_text(const std::string& text) {
    std::lock_guard lock(mutex_);
    lines_.push_back(text);
  }

  std::mutex mutex_;  // guards lines_ and secrets_ (and what subclasses keep beside them)
  std::vector<std::string> lines_, secrets_;
};

}  // namespace ilo::test
