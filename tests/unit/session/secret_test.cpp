// Unit tests of session::Secret, session::wipe and session::read_password (secret.hpp): the
// password file's mode and kind checks, its first line, the ILOFS_PASSWORD fallback (removed
// afterwards), and that no message ever carries the password. Files live in a temp directory.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "session/secret.hpp"

namespace ilo::session {
namespace {

constexpr const char* kPassword = "s3cret-Pa55word";

class PasswordFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/ilofs-secret-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    ::unsetenv("ILOFS_PASSWORD");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    ::unsetenv("ILOFS_PASSWORD");
  }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string dir_;
};

TEST_F(PasswordFile, Mode0600IsAcceptedFirstLineOnly) {
  const auto path = write("pw", std::string(kPassword) + "\r\nsecond line\n", 0600);
  Secret password;
  std::string error;
  EXPECT_FALSE(read_password(path, password, error));
  EXPECT_EQ(password.view(), kPassword);
  EXPECT_EQ(error, "");
}

TEST_F(PasswordFile, NoLineEndAtAllIsFine) {
  const auto path = write("pw", kPassword, 0400);
  Secret password;
  std::string error;
  EXPECT_FALSE(read_password(path, password, error));
  EXPECT_EQ(password.view(), kPassword);
}

TEST_F(PasswordFile, Mode0644IsRefusedWithTheFixInTheMessage) {
  const auto path = write("pw", std::string(kPassword) + "\n", 0644);
  Secret password;
  std::string error;
  const auto ec = read_password(path, password, error);
  EXPECT_EQ(ec, std::errc::permission_denied);
  EXPECT_TRUE(password.empty());
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("0644"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600 " + path), std::string::npos) << error;
  EXPECT_EQ(error.find(kPassword), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST_F(PasswordFile, GroupReadableIsRefusedToo) {
  const auto path = write("pw", kPassword, 0640);
  Secret password;
  std::string error;
  EXPECT_EQ(read_password(path, password, error), std::errc::permission_denied);
  EXPECT_NE(error.find("0640"), std::string::npos) << error;
}

TEST_F(PasswordFile, EmptyFileOrEmptyFirstLineIsRefused) {
  for (const std::string text : {"", "\n", "\r\nsecond"}) {
    const auto path = write("pw", text, 0600);
    Secret password;
    std::string error;
    EXPECT_EQ(read_password(path, password, error), std::errc::invalid_argument);
    EXPECT_TRUE(password.empty());
    EXPECT_NE(error.find("empty"), std::string::npos) << error;
    EXPECT_NE(error.find(path), std::string::npos) << error;
  }
}

TEST_F(PasswordFile, DirectoryIsNotAPasswordFile) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  Secret password;
  std::string error;
  EXPECT_EQ(read_password(dir_, password, error), std::errc::invalid_argument);
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

TEST_F(PasswordFile, MissingFileNamesIt) {
  Secret password;
  std::string error;
  EXPECT_TRUE(read_password(dir_ + "/absent", password, error));
  EXPECT_NE(error.find(dir_ + "/absent"), std::string::npos) << error;
}

TEST_F(PasswordFile, EnvironmentIsTheFallbackAndIsRemoved) {
  ASSERT_EQ(::setenv("ILOFS_PASSWORD", kPassword, 1), 0);
  Secret password;
  std::string error;
  EXPECT_FALSE(read_password("", password, error));
  EXPECT_EQ(password.view(), kPassword);
  EXPECT_EQ(std::getenv("ILOFS_PASSWORD"), nullptr);
}

TEST_F(PasswordFile, FileWinsOverTheEnvironment) {
  ASSERT_EQ(::setenv("ILOFS_PASSWORD", "from-env", 1), 0);
  const auto path = write("pw", kPassword, 0600);
  Secret password;
  std::string error;
  EXPECT_FALSE(read_password(path, password, error));
  EXPECT_EQ(password.view(), kPassword);
}

TEST_F(PasswordFile, NeitherFileNorEnvironmentIsAClearError) {
  Secret password;
  std::string error;
  EXPECT_EQ(read_password("", password, error), std::errc::invalid_argument);
  EXPECT_NE(error.find("ILOFS_PASSWORD"), std::string::npos) << error;
  ASSERT_EQ(::setenv("ILOFS_PASSWORD", "", 1), 0);
  EXPECT_EQ(read_password("", password, error), std::errc::invalid_argument);
  EXPECT_EQ(std::getenv("ILOFS_PASSWORD"), nullptr);
}

TEST(Secret, CopyMoveAndClear) {
  Secret a(kPassword);
  Secret b = a;
  EXPECT_EQ(b.view(), kPassword);
  Secret c = std::move(a);
  EXPECT_EQ(c.view(), kPassword);
  EXPECT_TRUE(a.empty());  // NOLINT: moved-from is defined as empty
  Secret d("other");
  d = c;
  EXPECT_EQ(d.view(), kPassword);
  Secret e;
  e = std::move(d);
  EXPECT_EQ(e.view(), kPassword);
  EXPECT_TRUE(d.empty());  // NOLINT
  e.clear();
  EXPECT_TRUE(e.empty());
}

TEST(Wipe, ZeroesTheWholeBufferAndEmpties) {
  std::string s(100, 'x');
  s.resize(10);  // bytes past size() are still there
  const char* data = s.data();
  wipe(s);
  EXPECT_TRUE(s.empty());
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(data[i], '\0') << i;
}

}  // namespace
}  // namespace ilo::session
