// Every product error category: each code has its own message and the portable condition the
// layer named for it, so `ec == std::errc::...` holds across layers (errors/enum_category.hpp).
#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>

#include "every_code.hpp"
#include "rc/video_encoder.hpp"

namespace ilo::test {
namespace {

TEST(EveryCategory, TableCoversEveryCode) {
  std::size_t expected = 0;
  for (const auto& cat : every_category()) {
    expected += static_cast<std::size_t>(cat.last);
    for (int v = 1; v <= cat.last; ++v) {
      const std::error_code code(v, *cat.category);
      bool found = false;
      for (const auto& row : every_code()) found = found || row.code == code;
      EXPECT_TRUE(found) << cat.category->name() << " " << v << " has no row";
    }
  }
  EXPECT_EQ(every_code().size(), expected);
}

TEST(EveryCategory, EveryCodeHasItsOwnMessage) {
  for (const auto& cat : every_category()) {
    const std::string unknown = cat.category->message(cat.last + 1);
    EXPECT_NE(unknown.find("unknown"), std::string::npos) << cat.category->name();
    std::set<std::string> seen;
    for (int v = 1; v <= cat.last; ++v) {
      const std::string text = cat.category->message(v);
      EXPECT_FALSE(text.empty()) << cat.category->name() << " " << v;
      EXPECT_NE(text, unknown) << cat.category->name() << " " << v;
      EXPECT_TRUE(seen.insert(text).second) << cat.category->name() << " repeats: " << text;
    }
  }
}

TEST(EveryCategory, ConditionIsTheNamedErrnoOrNone) {
  for (const auto& row : every_code()) {
    const auto condition = row.code.default_error_condition();
    if (condition.category() == std::generic_category()) {
      EXPECT_EQ(condition.value(), row.errno_value) << row.code.message();
      EXPECT_TRUE(row.code == std::error_condition(row.errno_value, std::generic_category()))
          << row.code.message();
    } else {
      // No portable condition: the code stands for itself, and a FUSE reply says EIO.
      EXPECT_EQ(&condition.category(), &row.code.category()) << row.code.message();
      EXPECT_EQ(condition.value(), row.code.value());
      EXPECT_EQ(row.errno_value, EIO) << row.code.message();
    }
  }
}

TEST(EveryCategory, UnknownValueIsItsOwnCondition) {
  for (const auto& cat : every_category()) {
    const std::error_code code(cat.last + 1, *cat.category);
    EXPECT_EQ(&code.default_error_condition().category(), cat.category);
    EXPECT_FALSE(code == std::errc::io_error);
  }
}

TEST(Conditions, CompareAcrossLayers) {
  EXPECT_TRUE(std::error_code(net::NetError::handshake_timeout) == std::errc::timed_out);
  EXPECT_TRUE(std::error_code(http::HttpError::timeout) == std::errc::timed_out);
  EXPECT_TRUE(std::error_code(rc::RcError::busy) == std::errc::device_or_resource_busy);
  EXPECT_TRUE(std::error_code(vm::VmError::device_busy) == std::errc::device_or_resource_busy);
  EXPECT_TRUE(std::error_code(rest::RestError::not_json) == std::errc::bad_message);
  EXPECT_TRUE(std::error_code(session::SessionError::wrong_credentials) ==
              std::errc::permission_denied);
  EXPECT_TRUE(std::error_code(crypto::CipherError::unavailable) == std::errc::not_supported);
  EXPECT_FALSE(std::error_code(net::NetError::internal) == std::errc::io_error);
  EXPECT_FALSE(std::error_code(net::NetError::stopped) == std::errc::timed_out);
  // Codes still compare by identity: a condition does not make two codes equal.
  EXPECT_NE(std::error_code(net::NetError::handshake_timeout),
            std::error_code(net::NetError::link_silent));
}

TEST(Conditions, VideoEncoderErrorsAreRemoteConsoleErrors) {
  const std::error_code code = rc::EncoderError::bad_screen_size;
  EXPECT_EQ(&code.category(), &rc::rc_category());
  EXPECT_TRUE(code == std::errc::invalid_argument);
}

}  // namespace
}  // namespace ilo::test
