// fs::to_errno(), the one translation of any error into a FUSE reply: every code of every
// product category, system and generic codes, and a category it has never heard of; and
// fs::ribcl_to_errno(), its one exception (a failed RIBCL exchange).
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "every_code.hpp"
#include "fs/errno_map.hpp"
#include "ribcl/ribcl_error.hpp"
#include "session/session_owner.hpp"

namespace ilo::test {
namespace {

TEST(ToErrno, EveryCodeOfEveryCategory) {
  for (const auto& row : every_code())
    EXPECT_EQ(fs::to_errno(row.code), row.errno_value)
        << row.code.category().name() << " " << row.code.value() << ": " << row.code.message();
}

TEST(ToErrno, NoErrorIsZero) { EXPECT_EQ(fs::to_errno({}), 0); }

TEST(ToErrno, SystemAndGenericCodesKeepTheirValue) {
  EXPECT_EQ(fs::to_errno({ENOENT, std::system_category()}), ENOENT);
  EXPECT_EQ(fs::to_errno({EHWPOISON, std::system_category()}), EHWPOISON);
  EXPECT_EQ(fs::to_errno(std::make_error_code(std::errc::not_connected)), ENOTCONN);
  EXPECT_EQ(fs::to_errno({-1, std::system_category()}), EIO);
}

class StrangerCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "stranger"; }
  std::string message(int) const override { return "stranger"; }
};

TEST(ToErrno, UnknownCategoryIsEio) {
  static const StrangerCategory stranger;
  EXPECT_EQ(fs::to_errno({7, stranger}), EIO);
}

// What the iLO refused or answered wrongly is EIO; not reaching it keeps its own errno.
TEST(RibclToErrno, WhatTheIloAnsweredIsEio) {
  for (const auto& row : every_code()) {
    if (row.code.category() != ribcl::ribcl_category()) continue;
    EXPECT_EQ(fs::ribcl_to_errno(row.code), EIO) << row.code.message();
  }
  EXPECT_EQ(fs::ribcl_to_errno(session::SessionError::wrong_credentials), EIO);
  EXPECT_EQ(fs::ribcl_to_errno(session::SessionError::protocol), EIO);
}

TEST(RibclToErrno, TransportFailuresKeepTheirErrno) {
  EXPECT_EQ(fs::ribcl_to_errno({}), 0);
  EXPECT_EQ(fs::ribcl_to_errno(session::SessionError::unreachable), ENOTCONN);
  EXPECT_EQ(fs::ribcl_to_errno(session::SessionError::tls_mismatch), ENOTCONN);
  EXPECT_EQ(fs::ribcl_to_errno(session::SessionError::locked_out), EAGAIN);
  EXPECT_EQ(fs::ribcl_to_errno(session::SessionError::stopped), ESHUTDOWN);
}

}  // namespace
}  // namespace ilo::test
