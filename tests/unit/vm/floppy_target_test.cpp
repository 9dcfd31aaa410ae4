// The floppy/USB-key target per command: byte-exact CDB (and data-out) in, byte-exact reply
// out, every sense path, the WP flag, writes landing in the medium, and the stream framer fed
// whole, one byte at a time and split at every offset.
#include "vm/floppy_target.hpp"

#include <gtest/gtest.h>

#include "vm/memory_medium.hpp"
#include "vm/vm_error.hpp"
#include "vm_test_support.hpp"

namespace ilo::vm::floppy_target_test {
namespace {

using test::data_hex;
using test::header_hex;
using test::hex;
using test::req;

std::string header(Sense s, std::uint32_t length, bool wp, std::uint8_t media = 0x24) {
  ReplyHeader h;
  h.flags = wp ? kFlagWriteProtected : 0;
  h.media = media;
  h.sense = s;
  h.length = length;
  return to_hex(encode_reply_header(h));
}
std::string good(std::uint32_t n = 0, bool wp = false) { return header(sense::kGood, n, wp); }
std::string failed(Sense s, bool wp = false, std::uint8_t media = 0x24) {
  return header(s, 0, wp, media);
}

constexpr std::size_t kBlocks = 40;

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + seed);
  return v;
}

struct FloppyTargetTest : ::testing::Test {
  std::shared_ptr<MemoryWritableMedium> medium =
      std::make_shared<MemoryWritableMedium>(pattern(kBlocks * 512, 3));
  FloppyTarget target{medium};

  void settle() {
    ASSERT_EQ(header_hex(target.handle(req("00"))), failed(sense::kNotReadyToReadyChange));
  }
  Reply run(std::string_view cdb, std::span<const std::uint8_t> data = {}) {
    return target.handle(req(cdb), data);
  }
};

// ---- Device choice ----

TEST(FloppyDevice, FloppyUpTo288MbThenUsbKey) {
  EXPECT_EQ(floppy_device_for(1'474'560), DeviceType::floppy);
  EXPECT_EQ(floppy_device_for(2'949'120), DeviceType::floppy);
  EXPECT_EQ(floppy_device_for(2'949'121), DeviceType::usb_key);
}

// ---- TEST UNIT READY, READ CAPACITY, READ FORMAT CAPACITIES ----

TEST_F(FloppyTargetTest, TestUnitReadyUnitAttentionThenGood) {
  EXPECT_EQ(header_hex(run("00")), failed(sense::kNotReadyToReadyChange));
  EXPECT_EQ(header_hex(run("00")), "dec0ad0b000000002400000000000000");
  FloppyTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("00"))), failed(sense::kMediumNotPresent, true, 0));
}

TEST_F(FloppyTargetTest, ReadCapacity) {
  EXPECT_EQ(header_hex(run("25")), failed(sense::kNotReadyToReadyChange));
  const Reply r = run("25");
  EXPECT_EQ(header_hex(r), good(8));
  EXPECT_EQ(data_hex(r), "0000002700000200");  // last LBA 39, 512
}

TEST_F(FloppyTargetTest, ReadFormatCapacities) {
  // The unit attention carries no data (deviation 7), then the 20 bytes of #read-format-capacities.
  EXPECT_EQ(header_hex(run("2300000000000000fc")), failed(sense::kNotReadyToReadyChange));
  const Reply r = run("2300000000000000fc");
  EXPECT_EQ(header_hex(r), good(20));
  EXPECT_EQ(data_hex(r), "00000010" "00000028" "02000200" "00000b40" "00000200");
  EXPECT_EQ(data_hex(run("23000000000000000c")), "00000010" "00000028" "02000200");
  FloppyTarget empty;
  const Reply e = empty.handle(req("2300000000000000fc"));
  EXPECT_EQ(header_hex(e), header(sense::kGood, 20, true, 0));
  EXPECT_EQ(data_hex(e), "00000010" "00000000" "02000000" "00000b40" "00000200");
}

TEST_F(FloppyTargetTest, PartialFinalBlockIsCounted) {
  FloppyTarget t(std::make_shared<MemoryWritableMedium>(pattern(1000, 1)));
  (void)t.handle(req("00"));
  EXPECT_EQ(data_hex(t.handle(req("25"))), "0000000100000200");  // 2 blocks (deviation 4)
  const Reply r = t.handle(req("28000000000100000100"));
  ASSERT_EQ(header_hex(r), good(512));
  Bytes tail(512);
  ASSERT_FALSE(reply_data(r, tail));
  const auto image = pattern(1000, 1);
  EXPECT_EQ(Bytes(tail.begin(), tail.begin() + 488), Bytes(image.begin() + 512, image.end()));
  EXPECT_EQ(tail[488], 0);
}

// ---- READ ----

TEST_F(FloppyTargetTest, ReadSkipsUnitAttentionAndReturnsBlocks) {
  const Reply r = run("28000000000200000300");  // LBA 2, 3 blocks, first request
  ASSERT_EQ(header_hex(r), good(3 * 512));
  EXPECT_EQ(r.extent, (MediumExtent{1024, 1536}));
  Bytes data(1536);
  ASSERT_FALSE(reply_data(r, data));
  EXPECT_EQ(data, Bytes(medium->bytes().begin() + 1024, medium->bytes().begin() + 2560));
}

TEST_F(FloppyTargetTest, ReadRangeAndLimits) {
  settle();
  EXPECT_EQ(header_hex(run("28000000002800000100")), failed(sense::kLbaOutOfRange));  // LBA 40
  EXPECT_EQ(header_hex(run("28000000002700000200")), failed(sense::kLbaOutOfRange));  // past end
  EXPECT_EQ(header_hex(run("2800ffffffff00000100")), failed(sense::kLbaOutOfRange));
  EXPECT_EQ(header_hex(run("28000000000000000000")), good(0));  // zero blocks
  FloppyTarget big(std::make_shared<MemoryWritableMedium>(std::vector<std::uint8_t>(600 * 512)));
  EXPECT_EQ(header_hex(big.handle(req("28000000000000010000"))), good(256 * 512));
  EXPECT_EQ(header_hex(big.handle(req("28000000000000010100"))),
            failed(sense::kInvalidFieldInCdb));  // 257 blocks (deviation 5)
  FloppyTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("28000000000000000100"))),
            failed(sense::kMediumNotPresent, true, 0));  // deviation 6
}

TEST_F(FloppyTargetTest, Read12TakesBytes6To9) {
  settle();
  EXPECT_EQ(header_hex(run("a8000000000100000002")), good(1024));  // deviation 3
}

TEST_F(FloppyTargetTest, ReadOfAFailingMediumIsAMediumError) {
  settle();
  medium->set_failing(true);
  const Reply r = run("28000000000000000100");
  Bytes data(r.data_length);
  ASSERT_TRUE(reply_data(r, data));
  EXPECT_EQ(header_hex(medium_error_reply(r)), failed(sense::kIdCrcOrEccError));
}

// ---- WRITE ----

TEST_F(FloppyTargetTest, WriteLandsInTheMedium) {
  const auto data = pattern(1024, 99);
  const Reply r = run("2a000000000500000200", data);  // first request: no unit attention
  EXPECT_EQ(header_hex(r), good(0));
  EXPECT_EQ(Bytes(medium->bytes().begin() + 2560, medium->bytes().begin() + 3584), data);
  EXPECT_EQ(target.bytes_written(), 1024u);
  EXPECT_TRUE(target.dirty());
  EXPECT_FALSE(target.flush());
  EXPECT_EQ(medium->flushes(), 1u);
  EXPECT_FALSE(target.dirty());
  EXPECT_FALSE(target.flush());  // nothing new: no second flush
  EXPECT_EQ(medium->flushes(), 1u);
  // WRITE AND VERIFY(10) and WRITE(12) (count in bytes 6-9, deviation 3) write too.
  EXPECT_EQ(header_hex(run("2e000000000000000100", pattern(512, 5))), good(0));
  EXPECT_EQ(header_hex(run("aa000000000100000001", pattern(512, 6))), good(0));
  EXPECT_EQ(Bytes(medium->bytes().begin(), medium->bytes().begin() + 1024),
            [] {
              auto a = pattern(512, 5);
              const auto b = pattern(512, 6);
              a.insert(a.end(), b.begin(), b.end());
              return a;
            }());
}

TEST_F(FloppyTargetTest, WriteRefusals) {
  settle();
  const auto one = pattern(512, 1);
  EXPECT_EQ(header_hex(run("2a000000002800000100", one)), failed(sense::kLbaOutOfRange));
  EXPECT_EQ(header_hex(run("2a000000000000000200", one)),
            failed(sense::kInvalidFieldInCdb));  // data-out of the wrong size
  medium->set_failing(true);
  EXPECT_EQ(header_hex(run("2a000000000000000100", one)), failed(sense::kIdCrcOrEccError));
  EXPECT_EQ(target.write_errors(), 1u);
  FloppyTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("2a000000000000000100"), one)),
            failed(sense::kMediumNotPresent, true, 0));
}

TEST_F(FloppyTargetTest, PartialFinalBlockKeepsWhatFits) {
  auto m = std::make_shared<MemoryWritableMedium>(pattern(1000, 1));
  FloppyTarget t(m);
  EXPECT_EQ(header_hex(t.handle(req("2a000000000100000100"), pattern(512, 9))), good(0));
  EXPECT_EQ(m->bytes().size(), 1000u);
  const auto block = pattern(512, 9);
  EXPECT_EQ(Bytes(m->bytes().begin() + 512, m->bytes().end()),
            Bytes(block.begin(), block.begin() + 488));
}

TEST(FloppyWriteProtect, ReadOnlyMediumAndOptionRefuseWritesWithTheWpFlag) {
  const auto before = pattern(8 * 512, 4);
  auto ro = std::make_shared<MemoryWritableMedium>(before, /*read_only=*/true);
  auto rw = std::make_shared<MemoryWritableMedium>(before);
  auto plain = std::make_shared<MemoryMedium>(before);  // not writable at all
  FloppyTarget a(ro);
  FloppyTarget b(rw, FloppyTargetOptions{.write_protect = true});
  FloppyTarget c(plain);
  for (FloppyTarget* t : {&a, &b, &c}) {
    EXPECT_TRUE(t->write_protected());
    EXPECT_EQ(header_hex(t->handle(req("00"))), failed(sense::kNotReadyToReadyChange, true));
    EXPECT_EQ(header_hex(t->handle(req("00"))), "dec0ad0b010000002400000000000000");
    EXPECT_EQ(header_hex(t->handle(req("2a000000000000000100"), pattern(512, 8))),
              failed(sense::kWriteProtected, true));
    EXPECT_EQ(header_hex(t->handle(req("04170000000000000c00"),
                                   hex("00a0000800000b4000000200"))),
              failed(sense::kWriteProtected, true));  // FORMAT UNIT
    // The keep-alive repeats the last reply's media and sense, with WP (and length 0).
    EXPECT_EQ(to_hex(t->keep_alive()), "dec0ad0b030000002407270000000000");
    const std::array<std::uint8_t, 8> cookie{1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(to_hex(t->handle(build_echo_request(cookie)).header),
              "dec0ad0b010000000102030405060708");
  }
  EXPECT_EQ(ro->bytes(), before);
  EXPECT_EQ(rw->bytes(), before);
  // Deviation 9: a writable medium after a read-only one is writable again.
  a.insert(rw);
  EXPECT_FALSE(a.write_protected());
}

// ---- FORMAT UNIT, START STOP, PREVENT ALLOW, SEND DIAGNOSTIC, unknown opcodes ----

TEST_F(FloppyTargetTest, FormatUnit) {
  settle();
  EXPECT_EQ(header_hex(run("04170000000000000c00", hex("00a0000800000b4000000200"))), good(0));
  EXPECT_EQ(header_hex(run("04170000000000000c00", hex("00a00008000005a000000200"))), good(0));
  EXPECT_EQ(header_hex(run("04170000000000000c00", hex("00a0000800000b4000000800"))),
            failed(sense::kInvalidFieldInParameterList));
  EXPECT_EQ(header_hex(run("04170000000000000c00", hex("00a0000800000b3f00000200"))),
            failed(sense::kInvalidFieldInParameterList));
  EXPECT_EQ(header_hex(run("04170000000000000400", hex("00a00008"))),
            failed(sense::kInvalidFieldInParameterList));
  EXPECT_EQ(medium->bytes(), pattern(kBlocks * 512, 3));  // an image is not formatted
}

TEST_F(FloppyTargetTest, StartStopPreventAllowSendDiagnostic) {
  settle();
  EXPECT_EQ(header_hex(run("1b0000000100")), good(0));  // start
  EXPECT_EQ(header_hex(run("1b0000000200")), failed(sense::kInvalidFieldInCdb));  // eject
  EXPECT_TRUE(target.medium_present());
  EXPECT_EQ(header_hex(run("1e0000000100")), failed(sense::kInvalidFieldInCdb));  // prevent
  EXPECT_EQ(header_hex(run("1e0000000000")), good(0));
  EXPECT_EQ(header_hex(run("1d0400000000")), good(0));  // deviation 2
}

TEST_F(FloppyTargetTest, UnknownOpcodesGetInvalidOperationCode) {
  settle();
  for (std::string_view cdb : {"120000002400", "030000001200", "1a003f00c000", "2f", "2b", "01",
                               "55", "15", "5a", "ff"})
    EXPECT_EQ(header_hex(run(cdb)), failed(sense::kInvalidOperationCode)) << cdb;  // dev. 1
}

TEST_F(FloppyTargetTest, EjectAndInsert) {
  settle();
  target.eject();
  EXPECT_EQ(header_hex(run("00")), failed(sense::kMediumNotPresent, true, 0));
  target.insert(medium);
  EXPECT_EQ(header_hex(run("00")), failed(sense::kNotReadyToReadyChange));
  EXPECT_EQ(header_hex(run("00")), good(0));
}

// ---- The stream: request + data-out, cut anywhere ----

// A WRITE(10) of two blocks, a READ(10) of them, a TUR, an oversized WRITE(10) whose data-out
// must be skipped, a FORMAT UNIT and an echo: the replies in order as wire bytes.
struct Stream {
  Bytes input;
  std::vector<std::string> expected;
};

Stream make_stream() {
  Stream s;
  const auto add = [&](std::string_view cdb, const std::vector<std::uint8_t>& data) {
    const auto r = req(cdb);
    s.input.insert(s.input.end(), r.begin(), r.end());
    s.input.insert(s.input.end(), data.begin(), data.end());
  };
  const auto blocks = pattern(1024, 42);
  add("2a000000000300000200", blocks);
  s.expected.push_back(good(0));
  add("28000000000300000200", {});
  s.expected.push_back(good(1024) + to_hex(blocks));
  add("00", {});
  s.expected.push_back(good(0));
  add("2a000000000000010100", std::vector<std::uint8_t>(257 * 512, 0xEE));  // 257 blocks
  s.expected.push_back(failed(sense::kInvalidFieldInCdb));
  add("04170000000000000c00", hex("00a0000800000b4000000200"));
  s.expected.push_back(good(0));
  add("fe000000a1a2a3a4a5a6a7a8", {});
  s.expected.push_back("dec0ad0b00000000a1a2a3a4a5a6a7a8");
  return s;
}

std::vector<std::string> feed_in_pieces(const Bytes& input, const std::vector<std::size_t>& cuts) {
  FloppyTarget t(std::make_shared<MemoryWritableMedium>(pattern(kBlocks * 512, 3)));
  (void)t.handle(req("00"));  // the unit attention goes by
  std::vector<std::string> out;
  std::size_t from = 0;
  auto pieces = cuts;
  pieces.push_back(input.size());
  for (const std::size_t to : pieces) {
    std::span<const std::uint8_t> piece(input.data() + from, to - from);
    while (!piece.empty()) {
      const std::size_t used = t.feed(piece);
      piece = piece.subspan(used);
      if (auto r = t.take_reply())
        out.push_back(to_hex(test::wire(*r)));
      else
        EXPECT_TRUE(piece.empty()) << "stopped without a reply";
    }
    from = to;
  }
  return out;
}

TEST(FloppyTargetStream, WholeInput) {
  const Stream s = make_stream();
  EXPECT_EQ(feed_in_pieces(s.input, {}), s.expected);
}

TEST(FloppyTargetStream, OneByteAtATime) {
  const Stream s = make_stream();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < s.input.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(feed_in_pieces(s.input, cuts), s.expected);
}

TEST(FloppyTargetStream, SplitAtEveryOffsetWhereItParses) {
  // Every offset inside the requests and around the data-outs (the long skipped data-out is
  // cut at its edges and a few inner points, not at each of its 131584 bytes).
  const Stream s = make_stream();
  const std::size_t big_from = 12 + 1024 + 12 + 12 + 12;
  const std::size_t big_to = big_from + 257 * 512;
  for (std::size_t cut = 1; cut < s.input.size(); ++cut) {
    const bool inner = cut > big_from + 16 && cut < big_to - 16 && cut % 4099 != 0;
    if (inner) continue;
    EXPECT_EQ(feed_in_pieces(s.input, {cut}), s.expected) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace ilo::vm::floppy_target_test
