// The shared frame's seqlock under contention: a writer thread publishes frames whose every
// byte is N % 251 at sizes that change (0x0 and the largest included) while readers copy from
// another thread and from a forked process through the memfd; no copy may be torn. Also: a
// memfd that is not a frame (wrong size, wrong magic, unsealed) is refused.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rc/framebuffer.hpp"
#include "rcd/shared_frame.hpp"

namespace ilo::rcd {
namespace {

using namespace std::chrono_literals;
using rc::Framebuffer;

struct Size {
  int width, height;
};
// Sizes the writer cycles through: small, the sim's, no video, the largest, odd ones.
const std::vector<Size> kSizes = {
    {64, 32}, {1024, 768}, {0, 0},    {Framebuffer::kMaxWidth, Framebuffer::kMaxHeight},
    {16, 1},  {800, 600},  {2032, 1}, {1, 2047}};

// Frame N has the size kSizes[N % size] and every byte N % 251.
Size size_of(std::uint64_t n) { return kSizes[n % kSizes.size()]; }

// Returns "" if `s` is a whole frame of the writer's, else what is wrong with it.
std::string check(const FrameSnapshot& s) {
  if (s.sequence == 0 || (s.sequence & 1) != 0) return "bad sequence";
  if (std::size_t(s.width) * s.height * 3 != s.pixels.size()) return "size mismatch";
  const std::uint64_t n = s.sequence / 2 - 1;  // the frame number
  const Size expect = size_of(n);
  if (expect.width != s.width || expect.height != s.height) {
    return "size does not match the sequence";
  }
  if (s.pixels.empty()) return "";
  const std::uint8_t v = s.pixels[0];
  if (n % 251 != v) return "pixel value does not match the sequence";
  for (std::size_t i = 0; i < s.pixels.size(); ++i) {
    if (s.pixels[i] != v) return "torn frame at byte " + std::to_string(i);
  }
  return "";
}

// Publishes frames 0, 1, 2, ... until `stop`.
void write_frames(SharedFrameWriter& w, std::atomic<bool>& stop,
                  std::atomic<std::uint64_t>& count) {
  std::vector<std::uint8_t> pixels;
  for (std::uint64_t n = 0; !stop.load(); ++n) {
    const Size sz = size_of(n);
    pixels.assign(std::size_t(sz.width) * sz.height * 3, std::uint8_t(n % 251));
    ASSERT_TRUE(w.publish(sz.width, sz.height, pixels));
    count.store(n + 1);
  }
}

// A new writer, and a reader on a duplicate of its descriptor (as the mount gets it); the
// failure names the one that could not be opened.
::testing::AssertionResult open_both(SharedFrameWriter& w, SharedFrameReader& r) {
  std::error_code ec;
  w = SharedFrameWriter::create(ec);
  if (ec) return ::testing::AssertionFailure() << "writer: " << ec.message();
  r = SharedFrameReader::open(::dup(w.fd()), ec);
  if (ec) return ::testing::AssertionFailure() << "reader: " << ec.message();
  return ::testing::AssertionSuccess();
}

TEST(SharedFrame, NothingPublishedYet) {
  SharedFrameWriter w;
  SharedFrameReader r;
  ASSERT_TRUE(open_both(w, r));
  FrameSnapshot s;
  EXPECT_FALSE(r.snapshot(s));
  EXPECT_EQ(r.sequence(), 0u);
  const std::vector<std::uint8_t> px(64 * 32 * 3, 7);
  ASSERT_TRUE(w.publish(64, 32, px));
  ASSERT_TRUE(r.snapshot(s));
  EXPECT_EQ(s.sequence, 2u);
  EXPECT_EQ(r.sequence(), 2u);
  EXPECT_EQ(s.pixels, px);
  ASSERT_TRUE(w.publish(0, 0, {}));
  ASSERT_TRUE(r.snapshot(s));
  EXPECT_EQ(s.width, 0);
  EXPECT_TRUE(s.pixels.empty());
  // Sizes beyond the mapping or not matching the pixels are refused, nothing published.
  const std::vector<std::uint8_t> too_wide((Framebuffer::kMaxWidth + 16) * 3);
  EXPECT_FALSE(w.publish(Framebuffer::kMaxWidth + 16, 1, too_wide));
  EXPECT_FALSE(w.publish(64, 32, std::span<const std::uint8_t>(px).first(10)));
  EXPECT_FALSE(w.publish(-1, 2, {}));
  EXPECT_EQ(w.sequence(), 4u);
}

// Copying only the changed rows: readers still see whole frames; a size change copies all.
TEST(SharedFrame, PublishRowsCopiesOnlyTheGivenRows) {
  SharedFrameWriter w;
  SharedFrameReader r;
  ASSERT_TRUE(open_both(w, r));
  const int width = 32, height = 20;
  const std::size_t stride = width * 3;
  std::vector<std::uint8_t> px(stride * height, 1);
  ASSERT_TRUE(w.publish_rows(width, height, px, 5, 1));  // first publish: all of it
  FrameSnapshot s;
  ASSERT_TRUE(r.snapshot(s));
  EXPECT_EQ(s.pixels, px);
  // Rows 10-12 change and are published; a change in row 0 that is not is not seen.
  std::fill(px.begin() + 10 * stride, px.begin() + 13 * stride, std::uint8_t{2});
  px[0] = 9;
  ASSERT_TRUE(w.publish_rows(width, height, px, 10, 3));
  ASSERT_TRUE(r.snapshot(s));
  auto expect = px;
  expect[0] = 1;
  EXPECT_EQ(s.pixels, expect);
  // Rows beyond the screen are clamped, not copied.
  ASSERT_TRUE(w.publish_rows(width, height, px, 18, 1000));
  ASSERT_TRUE(w.publish_rows(width, height, px, -5, 2));
  ASSERT_TRUE(r.snapshot(s));
  EXPECT_EQ(s.pixels, expect);
  // Another size: the whole frame whatever rows are named.
  std::vector<std::uint8_t> other(16 * 8 * 3, 4);
  ASSERT_TRUE(w.publish_rows(16, 8, other, 0, 0));
  ASSERT_TRUE(r.snapshot(s));
  EXPECT_EQ(s.pixels, other);
  EXPECT_EQ(s.sequence, 10u);  // five publishes
}

TEST(SharedFrame, ThreadReaderNeverSeesATornFrame) {
  SharedFrameWriter w;
  SharedFrameReader r;
  ASSERT_TRUE(open_both(w, r));
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> written{0};
  std::thread writer([&] { write_frames(w, stop, written); });
  FrameSnapshot s;
  std::uint64_t reads = 0, last = 0, sizes_seen = 0;
  // Reads until the counts checked below are reached: how long that takes is the machine's
  // business, not the seqlock's. At most 60 s, so a stuck writer fails rather than hangs.
  const auto limit = std::chrono::steady_clock::now() + 60s;
  while ((reads <= 50 || sizes_seen <= 10 || written.load() <= 20) &&
         std::chrono::steady_clock::now() < limit) {
    if (!r.snapshot(s)) continue;
    const auto problem = check(s);
    ASSERT_EQ(problem, "") << "sequence " << s.sequence;
    ASSERT_GE(s.sequence, last);  // never goes back
    if (s.sequence != last) ++sizes_seen;
    last = s.sequence;
    ++reads;
  }
  stop = true;
  writer.join();
  EXPECT_GT(reads, 50u);
  EXPECT_GT(sizes_seen, 10u);
  EXPECT_GT(written.load(), 20u);
}

TEST(SharedFrame, ForkedReaderThroughTheFd) {
  std::error_code ec;
  auto w = SharedFrameWriter::create(ec);
  ASSERT_FALSE(ec);
  const int fd = ::dup(w.fd());
  // The forked reader gets only the descriptor (as the mount does over SCM_RIGHTS).
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::error_code child_ec;
    auto r = SharedFrameReader::open(fd, child_ec);
    if (child_ec) ::_exit(2);
    FrameSnapshot s;
    std::uint64_t good = 0, last = 0;
    const auto limit = std::chrono::steady_clock::now() + 60s;  // as in the test above
    while (good <= 50 && std::chrono::steady_clock::now() < limit) {
      if (!r.snapshot(s)) continue;
      if (!check(s).empty()) ::_exit(3);
      if (s.sequence < last) ::_exit(4);
      last = s.sequence;
      ++good;
    }
    ::_exit(good > 50 ? 0 : 5);
  }
  ::close(fd);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> written{0};
  std::thread writer([&] { write_frames(w, stop, written); });
  // A reader thread here at the same time as the forked one.
  std::atomic<std::uint64_t> thread_good{0}, thread_torn{0};
  std::thread reader([&] {
    std::error_code reader_ec;
    auto r = SharedFrameReader::open(::dup(w.fd()), reader_ec);
    FrameSnapshot s;
    const auto limit = std::chrono::steady_clock::now() + 60s;
    while ((!stop.load() || thread_good.load() <= 50) && std::chrono::steady_clock::now() < limit) {
      if (!r.snapshot(s)) continue;
      ++(check(s).empty() ? thread_good : thread_torn);
    }
  });
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  stop = true;
  writer.join();
  reader.join();
  EXPECT_EQ(thread_torn.load(), 0u);
  EXPECT_GT(thread_good.load(), 50u);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: open failed, 3: torn frame, 4: went back, 5: too few";
}

// A memfd of the right size and seals but foreign content, and others that are wrong.
int make_memfd(std::size_t size, bool seal, std::uint32_t magic) {
  const int fd = ::memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return fd;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return -1;
  if (::pwrite(fd, &magic, sizeof magic, 0) != sizeof magic) return -1;
  if (seal) ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
  return fd;
}

TEST(SharedFrame, ForeignMemfdIsRefused) {
  std::error_code ec;
  auto good = SharedFrameWriter::create(ec);
  ASSERT_FALSE(ec);
  struct stat st {};
  ASSERT_EQ(::fstat(good.fd(), &st), 0);
  const auto size = std::size_t(st.st_size);

  auto r = SharedFrameReader::open(make_memfd(size, true, 0x12345678), ec);  // wrong magic
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_FALSE(r.valid());
  r = SharedFrameReader::open(make_memfd(size - 4096, true, 0x4652434c), ec);  // too small
  EXPECT_EQ(ec, std::errc::invalid_argument);
  r = SharedFrameReader::open(make_memfd(size, false, 0x4652434c), ec);  // could shrink
  EXPECT_EQ(ec, std::errc::invalid_argument);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ::close(pipe_fds[1]);
  r = SharedFrameReader::open(pipe_fds[0], ec);  // not a file at all
  EXPECT_TRUE(ec);
  r = SharedFrameReader::open(-1, ec);
  EXPECT_TRUE(ec);
  r = SharedFrameReader::open(::dup(good.fd()), ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(r.valid());
}

}  // namespace
}  // namespace ilo::rcd
