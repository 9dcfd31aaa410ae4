// The floppy/USB-key initiator against the floppy target in memory: the enumeration's exact
// requests, writes (with data-out) landing in the medium, whole reads with SHA-256, refusals,
// medium changes, keep-alives, DISCONNECT, broken streams, replies fed one byte at a time.
#include "vm/floppy_initiator.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "vm/floppy_target.hpp"
#include "vm/memory_medium.hpp"
#include "vm_test_support.hpp"

namespace ilo::vm {
namespace {

using Ini = FloppyInitiator;

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 13 + seed);
  return v;
}

// Runs the initiator against the target until it is idle; replies are fed `step` bytes at a
// time. Returns the requests' opcodes in order.
std::vector<std::uint8_t> run(Ini& ini, FloppyTarget& target, std::size_t step = 1 << 20) {
  std::vector<std::uint8_t> opcodes;
  for (int guard = 0; guard < 10000 && ini.phase() == Ini::Phase::busy; ++guard) {
    auto out = ini.take_output();
    if (!out) break;
    opcodes.push_back((*out)[0]);
    std::size_t used = 0;
    while (used < out->size()) used += target.feed(std::span(*out).subspan(used));
    auto reply = target.take_reply();
    if (!reply) break;
    const Bytes bytes = test::wire(*reply);
    for (std::size_t at = 0; at < bytes.size(); at += step)
      ini.feed(std::span(bytes).subspan(at, std::min(step, bytes.size() - at)));
  }
  return opcodes;
}

struct FloppyInitiatorTest : ::testing::Test {
  std::shared_ptr<MemoryWritableMedium> medium =
      std::make_shared<MemoryWritableMedium>(pattern(600 * 512, 1));
  FloppyTarget target{medium};
  Ini ini;
};

TEST_F(FloppyInitiatorTest, EnumeratesWithTurReadFormatCapacitiesReadCapacity) {
  ASSERT_TRUE(ini.enumerate());
  EXPECT_EQ(ini.take_output(), test::hex("000000000000000000000000"));
  EXPECT_FALSE(ini.take_output());  // one at a time
  ini.feed(test::wire(target.handle(make_request(test::hex("00")))));  // 6/28/00
  EXPECT_EQ(run(ini, target), (std::vector<std::uint8_t>{0x00, 0x23, 0x25}));
  EXPECT_EQ(ini.last_result(), Ini::JobResult::done);
  EXPECT_TRUE(ini.disk().present);
  EXPECT_EQ(ini.disk().blocks, 600u);
  EXPECT_EQ(ini.disk().block_length, 512u);
  EXPECT_EQ(ini.disk().format_blocks, 600u);
  EXPECT_FALSE(ini.write_protected());
  EXPECT_EQ(ini.violations(), 0u) << ini.last_violation();
}

TEST_F(FloppyInitiatorTest, WritesThenReadsEverythingBackOneByteAtATime) {
  ASSERT_TRUE(ini.enumerate());
  run(ini, target, 1);
  const auto data = pattern(300 * 512, 77);  // two WRITE(10)s: 256 + 44 blocks
  ASSERT_TRUE(ini.write(200, data));
  EXPECT_EQ(run(ini, target, 1), (std::vector<std::uint8_t>{0x2A, 0x2A}));
  EXPECT_EQ(ini.last_result(), Ini::JobResult::done);
  EXPECT_EQ(ini.bytes_written(), data.size());
  auto expected = pattern(600 * 512, 1);
  std::copy(data.begin(), data.end(), expected.begin() + 200 * 512);
  EXPECT_EQ(medium->bytes(), expected);

  ASSERT_TRUE(ini.read_all());
  EXPECT_EQ(run(ini, target, 7), (std::vector<std::uint8_t>{0x28, 0x28, 0x28}));
  Sha256 sha;
  sha.update(expected);
  ASSERT_TRUE(ini.read_sha256());
  EXPECT_EQ(*ini.read_sha256(), sha.finish());
  EXPECT_EQ(ini.bytes_read(), expected.size());
  EXPECT_EQ(ini.violations(), 0u) << ini.last_violation();
}

// A real guest's read (ilo-sim --machine qemu): a block range, kept, in transfers of at most
// 256 blocks; ranges off the medium are refused without a request.
TEST_F(FloppyInitiatorTest, ReadsABlockRangeAndKeepsItsData) {
  ASSERT_TRUE(ini.enumerate());
  run(ini, target);
  ASSERT_TRUE(ini.read_blocks(300, 3));
  EXPECT_EQ(run(ini, target, 5), (std::vector<std::uint8_t>{0x28}));
  EXPECT_EQ(ini.last_job(), Ini::Job::read_blocks);
  EXPECT_EQ(ini.last_result(), Ini::JobResult::done);
  const auto all = pattern(600 * 512, 1);
  EXPECT_TRUE(std::equal(ini.read_data().begin(), ini.read_data().end(),
                         all.begin() + 300 * 512, all.begin() + 303 * 512));
  EXPECT_EQ(ini.read_data().size(), 3u * 512);
  EXPECT_FALSE(ini.read_sha256());  // a range is not hashed
  EXPECT_FALSE(ini.read_blocks(598, 3));
  EXPECT_FALSE(ini.read_blocks(0, 0));
  EXPECT_FALSE(ini.read_blocks(0, 257));
  EXPECT_FALSE(ini.take_output());
  EXPECT_EQ(ini.violations(), 0u) << ini.last_violation();
}

TEST_F(FloppyInitiatorTest, WriteRefusalsCarryTheSense) {
  FloppyTarget ro(medium, FloppyTargetOptions{.write_protect = true});
  ASSERT_TRUE(ini.enumerate());
  run(ini, ro);
  EXPECT_TRUE(ini.write_protected());
  ASSERT_TRUE(ini.write(0, pattern(512, 1)));
  run(ini, ro);
  EXPECT_EQ(ini.last_result(), Ini::JobResult::refused);
  EXPECT_EQ(ini.last_sense(), sense::kWriteProtected);
  ASSERT_TRUE(ini.write(599, pattern(1024, 1)));  // past the end
  run(ini, ro);
  EXPECT_EQ(ini.last_sense(), sense::kWriteProtected);  // protection is checked first
  EXPECT_FALSE(ini.write(0, pattern(100, 1)));           // not whole blocks
  EXPECT_EQ(ini.violations(), 0u) << ini.last_violation();
}

TEST_F(FloppyInitiatorTest, PollSeesMediumChangeAndRemoval) {
  ASSERT_TRUE(ini.enumerate());
  run(ini, target);
  target.insert(std::make_shared<MemoryWritableMedium>(pattern(100 * 512, 2)));
  ASSERT_TRUE(ini.poll());
  run(ini, target);  // UNIT ATTENTION, then a new enumeration
  EXPECT_EQ(ini.last_job(), Ini::Job::enumerate);
  EXPECT_EQ(ini.disk().blocks, 100u);
  target.eject();
  ASSERT_TRUE(ini.poll());
  run(ini, target);
  EXPECT_EQ(ini.last_result(), Ini::JobResult::no_medium);
  EXPECT_FALSE(ini.disk().present);
  EXPECT_FALSE(ini.read_all());
}

TEST_F(FloppyInitiatorTest, KeepAlivesDisconnectAndBrokenStreams) {
  ASSERT_TRUE(ini.enumerate());
  run(ini, target);
  ini.feed(target.keep_alive());
  EXPECT_EQ(ini.keep_alives(), 1u);
  EXPECT_EQ(ini.phase(), Ini::Phase::idle);
  ini.feed(target.disconnect());
  EXPECT_EQ(ini.phase(), Ini::Phase::disconnected);

  Ini other;
  ASSERT_TRUE(other.enumerate());
  (void)other.take_output();
  other.feed(test::hex("00112233445566778899aabbccddeeff"));
  EXPECT_EQ(other.phase(), Ini::Phase::broken);
  EXPECT_EQ(other.violations(), 1u);
}

}  // namespace
}  // namespace ilo::vm
