// ByteReader / ByteWriter: endianness, sticky overflow, no out-of-bounds access.
#include "bytes/byte_reader.hpp"
#include "bytes/byte_writer.hpp"

#include <array>

#include <gtest/gtest.h>

namespace ilo {
namespace {

TEST(ByteReader, ReadsBothEndiannesses) {
  const std::array<std::uint8_t, 10> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A};
  ByteReader r(data);
  EXPECT_EQ(r.u16le(), 0x0201);
  EXPECT_EQ(r.u16be(), 0x0304);
  EXPECT_EQ(r.u32le(), 0x08070605u);
  EXPECT_EQ(r.u8(), 0x09);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_TRUE(r.ok());
}

TEST(ByteReader, OverflowIsStickyAndReturnsZero) {
  const std::array<std::uint8_t, 3> data{0xFF, 0xFF, 0xFF};
  ByteReader r(data);
  EXPECT_EQ(r.u32be(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);  // even though bytes were left before the failed read
  EXPECT_TRUE(r.bytes(1).empty());
  EXPECT_FALSE(r.has(0));
}

TEST(ByteReader, BytesAndSkip) {
  const std::array<std::uint8_t, 5> data{1, 2, 3, 4, 5};
  ByteReader r(data);
  r.skip(1);
  auto b = r.bytes(3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], 2);
  EXPECT_EQ(r.rest().size(), 1u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteWriter, WritesAndRefusesOverflow) {
  std::array<std::uint8_t, 7> out{};
  ByteWriter w(out);
  w.u32le(0x0BADC0DE).u16be(0x1234);
  EXPECT_TRUE(w.ok());
  w.u16le(0xFFFF);  // does not fit: nothing written
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 6u);
  EXPECT_EQ(out[0], 0xDE);
  EXPECT_EQ(out[3], 0x0B);
  EXPECT_EQ(out[4], 0x12);
  EXPECT_EQ(out[6], 0x00);
}

}  // namespace
}  // namespace ilo
