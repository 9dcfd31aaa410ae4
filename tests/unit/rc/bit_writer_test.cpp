// Tests of the DVC bit writer (docs/rc-video.md#bit-writer): stream bit order, alignment, the
// trailing zero-bit count, take() and marks. Expected bytes are written as stream-order bit
// strings so they can be checked against docs/rc-video.md by eye.
#include "rc/bit_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "video_test_support.hpp"

namespace ilo::rc {
namespace {

using test::pack;

std::vector<std::uint8_t> all(BitWriter& w) { return w.take(); }

TEST(BitWriter, FieldsAreMsbFirstBytesLsbFirst) {
  BitWriter w;
  w.put(0x80, 8);  // #bit-order: bytes 01 00 hold the 8-bit field 0x80 at bit 0
  w.put(0, 8);
  EXPECT_EQ(all(w), (std::vector<std::uint8_t>{0x01, 0x00}));
}

TEST(BitWriter, WorkedExamplePrologue) {
  // #the-capture-byte-by-byte: command 13 (0, 1, 7, 9), FRAME_END: 1d 20 60 f0 90 61 b5.
  BitWriter w;
  w.put(0b10111, 5);
  for (std::uint32_t b : {0U, 1U, 7U, 9U}) {
    w.put(b, 8);
    w.put_bit(true);
  }
  w.put(13, 8);
  w.put_bit(false);
  w.put(0b101101, 6);
  EXPECT_TRUE(w.aligned());
  EXPECT_EQ(all(w), (std::vector<std::uint8_t>{0x1d, 0x20, 0x60, 0xf0, 0x90, 0x61, 0xb5}));
}

TEST(BitWriter, MatchesBitStringForRandomFields) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    BitWriter w;
    std::string bits;
    const int fields = static_cast<int>(rng() % 40);
    for (int f = 0; f < fields; ++f) {
      const int k = static_cast<int>(rng() % 33);
      const auto v = static_cast<std::uint32_t>(rng());
      w.put(v, k);
      for (int i = k - 1; i >= 0; --i) bits += ((v >> i) & 1U) ? '1' : '0';
    }
    EXPECT_EQ(w.bit_position(), bits.size());
    w.align();
    EXPECT_EQ(all(w), pack(bits)) << "round " << round;
  }
}

TEST(BitWriter, HighBitsOfValueAreIgnored) {
  BitWriter w;
  w.put(0xFFFFFFF5, 3);  // only 101
  w.align();
  EXPECT_EQ(all(w), pack("101"));
}

TEST(BitWriter, AlignPadsWithZerosOnlyWhenNeeded) {
  BitWriter w;
  w.align();
  EXPECT_EQ(w.bit_position(), 0U);
  w.put(1, 1);
  EXPECT_FALSE(w.aligned());
  w.align();
  EXPECT_TRUE(w.aligned());
  EXPECT_EQ(w.bit_position(), 8U);
  EXPECT_EQ(w.trailing_zeros(), 7U);
  w.align();
  EXPECT_EQ(w.bit_position(), 8U);
}

TEST(BitWriter, TrailingZerosSpanFieldsAndBytes) {
  BitWriter w;
  EXPECT_EQ(w.trailing_zeros(), 0U);
  w.put(0b100, 3);
  EXPECT_EQ(w.trailing_zeros(), 2U);
  w.put(0, 8);
  EXPECT_EQ(w.trailing_zeros(), 10U);
  w.put(0, 0);
  EXPECT_EQ(w.trailing_zeros(), 10U);
  w.put(0b0010, 4);  // two more leading zeros, then a 1, then one zero
  EXPECT_EQ(w.trailing_zeros(), 1U);
  w.put(0, 32);
  EXPECT_EQ(w.trailing_zeros(), 33U);
  (void)w.take();  // taking bytes does not reset the stream's zero run
  EXPECT_EQ(w.trailing_zeros(), 33U);
  w.put(1, 1);
  EXPECT_EQ(w.trailing_zeros(), 0U);
}

TEST(BitWriter, TakeHandsOutCompleteBytesOnly) {
  BitWriter w;
  w.put(0xABC, 12);
  EXPECT_EQ(w.pending().size(), 1U);
  auto first = w.take();
  EXPECT_EQ(first.size(), 1U);
  EXPECT_EQ(w.bytes_taken(), 1U);
  EXPECT_EQ(w.bit_position(), 12U);
  EXPECT_TRUE(w.pending().empty());
  w.put(0xF, 4);
  auto second = w.take();
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(first, pack("101010111100 1111"));
  EXPECT_EQ(w.byte_position(), 2U);
}

TEST(BitWriter, RewindRestoresBitsAndTrailingZeros) {
  BitWriter w;
  w.put(0b101, 3);
  const auto m = w.mark();
  EXPECT_EQ(m.bit, 3U);
  EXPECT_EQ(m.trailing, 0U);
  w.put(0, 20);
  w.put(0xFFFF, 16);
  ASSERT_TRUE(w.rewind(m));
  EXPECT_EQ(w.bit_position(), 3U);
  EXPECT_EQ(w.trailing_zeros(), 0U);
  w.put(0b11, 2);
  w.align();
  EXPECT_EQ(all(w), pack("101 11"));
}

TEST(BitWriter, RewindWithinPartialByteAndToByteBoundary) {
  BitWriter w;
  w.put(0xFF, 8);
  const auto at8 = w.mark();
  w.put(0b11, 2);
  const auto at10 = w.mark();
  w.put(0b111, 3);
  ASSERT_TRUE(w.rewind(at10));
  w.put(0, 6);
  EXPECT_EQ(w.pending().size(), 2U);
  ASSERT_TRUE(w.rewind(at10));
  EXPECT_EQ(w.pending().size(), 1U);
  w.align();
  EXPECT_EQ(all(w), pack("11111111 11"));
  // A mark inside bytes already taken cannot be restored.
  EXPECT_FALSE(w.rewind(at8));
  EXPECT_EQ(w.bit_position(), 16U);
}

TEST(BitWriter, RewindRejectsFutureMark) {
  BitWriter a, b;
  b.put(0, 20);
  EXPECT_FALSE(a.rewind(b.mark()));
  EXPECT_EQ(a.bit_position(), 0U);
}

}  // namespace
}  // namespace ilo::rc
