// The CD-ROM target per command: byte-exact CDB in, byte-exact reply out, every sense path,
// the media/attention/event state machine (NEW MEDIA exactly once in any order), eject and
// insert on a live connection, and hostile requests.
#include "vm/cdrom_target.hpp"

#include <random>

#include <gtest/gtest.h>

#include "vm/memory_medium.hpp"
#include "vm/vm_error.hpp"
#include "vm_test_support.hpp"

namespace ilo::vm::cdrom_target_test {
namespace {

using test::data_hex;
using test::header_hex;
using test::req;

// Headers of the CD model: GOOD with data length n, and the failures.
std::string good(std::uint32_t n, std::uint8_t media = 1) {
  ReplyHeader h;
  h.media = media;
  h.length = n;
  return to_hex(encode_reply_header(h));
}
std::string failed(Sense s, std::uint8_t media = 1) {
  ReplyHeader h;
  h.media = media;
  h.sense = s;
  return to_hex(encode_reply_header(h));
}

constexpr std::size_t kBlocks = 20;

struct Fixture : ::testing::Test {
  std::vector<std::uint8_t> image = test::make_iso(kBlocks, "TEST", 7);
  std::shared_ptr<const Medium> medium = test::medium_of(image);
  CdromTarget target{medium};

  // Lets the insertion's unit attention go by (first request after insertion).
  void settle() {
    ASSERT_EQ(header_hex(target.handle(req("00"))), failed(sense::kNotReadyToReadyChange));
  }
  Reply run(std::string_view cdb) { return target.handle(req(cdb)); }
};

using CdromTargetTest = Fixture;

// ---- TEST UNIT READY ----

TEST_F(CdromTargetTest, TestUnitReadyUnitAttentionThenGood) {
  EXPECT_EQ(header_hex(run("00")), failed(sense::kNotReadyToReadyChange));
  EXPECT_EQ(header_hex(run("00")), good(0));
  EXPECT_EQ(header_hex(run("00")), good(0));
}

TEST_F(CdromTargetTest, TestUnitReadyWithoutMedium) {
  CdromTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("00"))), failed(sense::kMediumNotPresent, 0));
  CdromTarget zero(test::medium_of({}));  // a 0-byte image is no medium
  EXPECT_FALSE(zero.medium_present());
  EXPECT_EQ(header_hex(zero.handle(req("00"))), failed(sense::kMediumNotPresent, 0));
}

TEST_F(CdromTargetTest, UnitAttentionOnlyForTheFirstRequest) {
  // As Java: a first request that does not report it lets the unit attention expire.
  EXPECT_EQ(header_hex(run("120000002400")), failed(sense::kInvalidFieldInCdb));
  EXPECT_EQ(header_hex(run("00")), good(0));
}

// ---- READ CAPACITY(10) ----

TEST_F(CdromTargetTest, ReadCapacity) {
  EXPECT_EQ(header_hex(run("25")), failed(sense::kNotReadyToReadyChange));
  const Reply r = run("25");
  EXPECT_EQ(header_hex(r), good(8));
  EXPECT_EQ(data_hex(r), "0000001300000800");  // last LBA 19, 2048
  CdromTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("25"))), failed(sense::kMediumNotPresent, 0));
}

TEST_F(CdromTargetTest, PartialFinalBlockIsCountedAndPadded) {
  // Deviation 6: 2.5 blocks are 3 blocks; the last one ends in zeros.
  auto bytes = test::make_iso(2, "", 3, 1024);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  CdromTarget t(test::medium_of(bytes));
  t.handle(req("00"));
  EXPECT_EQ(data_hex(t.handle(req("25"))), "0000000200000800");
  const Reply r = t.handle(req("28000000000200000100"));
  ASSERT_EQ(header_hex(r), good(2048));
  Bytes data(2048);
  ASSERT_FALSE(reply_data(r, data));
  EXPECT_TRUE(std::equal(data.begin(), data.begin() + 1024, bytes.begin() + 4096));
  EXPECT_TRUE(std::all_of(data.begin() + 1024, data.end(), [](auto b) { return b == 0; }));
  EXPECT_EQ(header_hex(t.handle(req("28000000000200000200"))), failed(sense::kLbaOutOfRange));
}

// ---- READ(10) and READ(12) ----

TEST_F(CdromTargetTest, Read10DescribesMediumBytes) {
  settle();
  const Reply r = run("28000000001000000200");  // LBA 16, 2 blocks
  EXPECT_EQ(header_hex(r), good(4096));
  EXPECT_TRUE(r.from_medium);
  EXPECT_EQ(r.extent, (MediumExtent{16 * 2048, 4096}));
  EXPECT_EQ(r.medium, medium);
  Bytes data(4096);
  ASSERT_FALSE(reply_data(r, data));
  EXPECT_TRUE(std::equal(data.begin(), data.end(), image.begin() + 16 * 2048));
}

TEST_F(CdromTargetTest, Read10SensePaths) {
  EXPECT_EQ(header_hex(run("28000000001000000100")), failed(sense::kNotReadyToReadyChange));
  EXPECT_EQ(header_hex(run("28000000001300000100")), good(2048));  // the last block
  EXPECT_EQ(header_hex(run("28000000001400000100")), failed(sense::kLbaOutOfRange));
  EXPECT_EQ(header_hex(run("28000000001300000200")), failed(sense::kLbaOutOfRange));  // dev. 6
  EXPECT_EQ(header_hex(run("2800ffffffff00000100")), failed(sense::kLbaOutOfRange));
  EXPECT_EQ(header_hex(run("28000000000000000000")), good(0));  // zero blocks
  EXPECT_EQ(header_hex(run("28000000001400000000")), failed(sense::kLbaOutOfRange));
  CdromTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("28000000001000000100"))),
            failed(sense::kMediumNotPresent, 0));
}

TEST_F(CdromTargetTest, ReadLongerThanTheTransferLimit) {
  auto big = test::medium_of(test::make_iso(200, "BIG", 1));
  CdromTarget t(big);
  t.handle(req("00"));
  EXPECT_EQ(header_hex(t.handle(req("28000000000000004000"))), good(64 * 2048));
  EXPECT_EQ(header_hex(t.handle(req("28000000000000004100"))),
            failed(sense::kInvalidFieldInCdb));  // deviation 7
  CdromTarget wide(big, {.max_transfer_blocks = 100});
  wide.handle(req("00"));
  EXPECT_EQ(header_hex(wide.handle(req("28000000000000006400"))), good(100 * 2048));
}

TEST_F(CdromTargetTest, Read12TakesItsLengthFromBytes6To9) {
  settle();
  // Deviation 1: Java reads bytes 7-8 (00 00) and answers GOOD without data.
  const Reply r = run("a80000000010000000020000");
  EXPECT_EQ(header_hex(r), good(4096));
  EXPECT_EQ(r.extent, (MediumExtent{16 * 2048, 4096}));
  EXPECT_EQ(header_hex(run("a80000000000000000140000")), good(20 * 2048));
  EXPECT_EQ(header_hex(run("a80000000000ffffffff0000")), failed(sense::kLbaOutOfRange));
  EXPECT_EQ(header_hex(run("a80000000000000000ff0000")), failed(sense::kLbaOutOfRange));
  EXPECT_EQ(header_hex(run("a80000000000000000000000")), good(0));
  EXPECT_EQ(header_hex(run("a800ffffffff000000000001")), failed(sense::kLbaOutOfRange));
}

TEST_F(CdromTargetTest, Read12UnitAttentionAndNoMedium) {
  EXPECT_EQ(header_hex(run("a80000000010000000010000")), failed(sense::kNotReadyToReadyChange));
  CdromTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("a80000000010000000010000"))),
            failed(sense::kMediumNotPresent, 0));
}

// A medium whose backing store fails.
class FailingMedium final : public Medium {
 public:
  std::uint64_t size() const noexcept override { return 40 * 2048; }
  MediumRead read(std::span<std::uint8_t>, std::uint64_t) const noexcept override {
    return {0, make_error_code(VmError::medium_io)};
  }
};

TEST_F(CdromTargetTest, FailingMediumBecomesMediumError) {
  CdromTarget t(std::make_shared<FailingMedium>());
  t.handle(req("00"));
  const Reply r = t.handle(req("28000000000000000100"));
  ASSERT_EQ(header_hex(r), good(2048));
  Bytes data(2048, 0xEE);
  EXPECT_EQ(reply_data(r, data), VmError::medium_io);
  const Reply e = medium_error_reply(r);
  EXPECT_EQ(header_hex(e), failed(sense::kIdCrcOrEccError));
  EXPECT_EQ(e.data_length, 0u);
  Bytes wrong_size(10);
  EXPECT_EQ(reply_data(r, wrong_size), VmError::medium_io);
}

// ---- READ TOC ----

TEST_F(CdromTargetTest, ReadTocFormat0) {
  settle();
  Reply r = run("430000000000000014000000");
  EXPECT_EQ(header_hex(r), good(20));
  EXPECT_EQ(data_hex(r), "0012010100140100000000000014aa0000000014");
  r = run("430200000000000014000000");  // MSF: lead-out 20 + 150 = 170 frames = 00:02:20
  EXPECT_EQ(data_hex(r), "0012010100140100000002000014aa0000000214");
  r = run("43000000000000000c000000");  // allocation 12
  EXPECT_EQ(data_hex(r), "001201010014010000000000");
  EXPECT_EQ(header_hex(run("430000000000000000000000")), good(0));
  // Allocation above 412: the data padded with zeros to exactly 412 bytes.
  r = run("43000000000000ffff000000");
  EXPECT_EQ(header_hex(r), good(412));
  EXPECT_EQ(data_hex(r), "0012010100140100000000000014aa0000000014" + std::string(392 * 2, '0'));
  // The MMC format field (byte 2) is ignored: the format is bits 7-6 of byte 9.
  EXPECT_EQ(data_hex(run("430002000000000014000000")),
            "0012010100140100000000000014aa0000000014");
}

TEST_F(CdromTargetTest, ReadTocOtherFormats) {
  settle();
  EXPECT_EQ(data_hex(run("43000000000000000c400000")), "000a01010014010000000000");
  EXPECT_EQ(data_hex(run("43020000000000000c400000")), "000a01010014010000000200");
  EXPECT_EQ(data_hex(run("43000000000000000c800000")), std::string(24, '0'));
  EXPECT_EQ(data_hex(run("43000000000000000cc00000")), std::string(24, '0'));
}

TEST_F(CdromTargetTest, ReadTocNoUnitAttentionButNeedsMedium) {
  EXPECT_EQ(header_hex(run("430000000000000014000000")), good(20));  // first request: as Java
  CdromTarget empty;
  // Deviation 9: Java answers GOOD with lead-out 0.
  EXPECT_EQ(header_hex(empty.handle(req("430000000000000014000000"))),
            failed(sense::kMediumNotPresent, 0));
}

TEST(MmcData, ExactMsf) {
  EXPECT_EQ(mmc::msf_from_lba(0), (mmc::Msf{0, 2, 0}));
  EXPECT_EQ(mmc::msf_from_lba(1), (mmc::Msf{0, 2, 1}));  // Java: 00:02:00
  EXPECT_EQ(mmc::msf_from_lba(1648), (mmc::Msf{0, 23, 73}));  // Java: 00:23:72
  EXPECT_EQ(mmc::msf_from_lba(4350), (mmc::Msf{1, 0, 0}));
  EXPECT_EQ(mmc::msf_from_lba(449849), (mmc::Msf{99, 59, 74}));
  EXPECT_EQ(mmc::msf_from_lba(~std::uint64_t{0} / 2).m, 0xFF);
  EXPECT_EQ(to_hex(mmc::read_capacity_data(0)), "0000000000000800");
  EXPECT_EQ(to_hex(mmc::read_capacity_data(std::uint64_t{1} << 40)), "ffffffff00000800");
}

// ---- GET EVENT STATUS NOTIFICATION ----

TEST_F(CdromTargetTest, GesnNewMediaOnceThenNoEvent) {
  Reply r = run("4a0100001000000008000000");
  EXPECT_EQ(header_hex(r), good(8));
  EXPECT_EQ(data_hex(r), "0006041004020000");
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041000020000");
}

TEST_F(CdromTargetTest, GesnNewMediaEvenWhenNotTheFirstRequest) {
  // Deviation 5: Java reports NEW MEDIA only if GESN is the very first request.
  run("00");
  run("00");
  run("25");
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041004020000");
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041000020000");
}

TEST_F(CdromTargetTest, GesnShortAllocationDoesNotConsumeTheEvent) {
  Reply r = run("4a0100001000000004000000");
  EXPECT_EQ(header_hex(r), good(4));
  EXPECT_EQ(data_hex(r), "00060410");
  EXPECT_EQ(header_hex(run("4a0100001000000000000000")), good(0));
  EXPECT_EQ(data_hex(run("4a01000010000000ffff0000")), "0006041004020000");
  EXPECT_EQ(data_hex(run("4a0100001000000005000000")), "0006041000");
}

TEST_F(CdromTargetTest, GesnWithoutPolledGetsOneErrorReply) {
  // Deviation 2: Java sends this error and then a second reply with the event.
  EXPECT_EQ(header_hex(run("4a0000001000000008000000")), failed(sense::kInvalidFieldInCdb));
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041004020000");  // not consumed
}

TEST_F(CdromTargetTest, GesnOtherClasses) {
  EXPECT_EQ(data_hex(run("4a0100000200000008000000")), "00028010");
  EXPECT_EQ(data_hex(run("4a0100000000000002000000")), "0002");
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041004020000");  // still pending
}

TEST_F(CdromTargetTest, GesnWithoutMediumAndAfterRemoval) {
  CdromTarget empty;
  Reply r = empty.handle(req("4a0100001000000008000000"));
  EXPECT_EQ(header_hex(r), good(8, 0));
  EXPECT_EQ(data_hex(r), "0006041000000000");
  run("00");
  target.eject();
  r = run("4a0100001000000008000000");
  EXPECT_EQ(header_hex(r), good(8, 0));
  EXPECT_EQ(data_hex(r), "0006041003000000");  // media removal, once
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041000000000");
}

// NEW MEDIA is reported exactly once after an insertion whatever the order of requests.
TEST_F(CdromTargetTest, NewMediaExactlyOnceInAnyOrder) {
  const std::vector<std::string> pool = {
      "00", "25", "28000000001000000100", "120000002400", "4a0100001000000004000000",
      "4a0000001000000008000000", "5a003f000000000008000000", "430000000000000014000000",
      "fe0000000102030405060708", "1e0000000100", "4a0100000200000008000000"};
  const std::string gesn = "4a0100001000000008000000";
  auto count_new_media = [&](CdromTarget& t, const std::vector<std::size_t>& order) {
    int n = 0;
    auto check = [&](const Reply& r) {
      Bytes d(r.data_length);
      EXPECT_FALSE(reply_data(r, d));
      if (d.size() >= 6 && d[2] == 0x04 && d[4] == 0x04) ++n;
    };
    for (std::size_t i : order) check(t.handle(req(pool[i])));
    check(t.handle(req(gesn)));
    check(t.handle(req(gesn)));
    return n;
  };
  // Every sequence of up to three requests from the pool, before two full GESNs.
  std::vector<std::vector<std::size_t>> orders = {{}};
  for (int len = 1; len <= 3; ++len) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& o : orders) {
      if (static_cast<int>(o.size()) != len - 1) continue;
      for (std::size_t i = 0; i < pool.size(); ++i) {
        auto p = o;
        p.push_back(i);
        next.push_back(p);
      }
    }
    orders.insert(orders.end(), next.begin(), next.end());
  }
  for (const auto& o : orders) {
    CdromTarget fresh(medium);
    ASSERT_EQ(count_new_media(fresh, o), 1);
    // And after a change of medium on a live connection.
    fresh.insert(test::medium_of(test::make_iso(30, "OTHER", 9)));
    ASSERT_EQ(count_new_media(fresh, o), 1);
    fresh.eject();
    fresh.insert(medium);
    ASSERT_EQ(count_new_media(fresh, o), 1);
  }
}

// ---- MODE SENSE(10), PREVENT ALLOW, SEND DIAGNOSTIC, START STOP UNIT ----

TEST_F(CdromTargetTest, ModeSense10) {
  Reply r = run("5a003f000000000008000000");
  EXPECT_EQ(header_hex(r), good(8));
  EXPECT_EQ(data_hex(r), "0008010000000000");
  // Deviation 8: cut to the allocation length (Java always sends 8 bytes).
  EXPECT_EQ(data_hex(run("5a003f000000000004000000")), "00080100");
  EXPECT_EQ(header_hex(run("5a003f000000000000000000")), good(0));
  EXPECT_EQ(header_hex(run("5a003f0000000000ff000000")), good(8));
  CdromTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("5a003f000000000008000000"))), good(8, 0));
}

TEST_F(CdromTargetTest, PreventAllowIsIgnored) {
  EXPECT_EQ(header_hex(run("1e0000000100")), good(0));
  EXPECT_EQ(header_hex(run("1e0000000000")), good(0));
  EXPECT_EQ(header_hex(run("00")), good(0));  // the attention expired on the first request
  CdromTarget empty;
  EXPECT_EQ(header_hex(empty.handle(req("1e0000000100"))), good(0, 0));
}

TEST_F(CdromTargetTest, SendDiagnosticGetsGood) {
  // Deviation 3: Java sends no reply at all.
  EXPECT_EQ(header_hex(run("1d0400000000")), good(0));
}

TEST_F(CdromTargetTest, StartStopUnit) {
  settle();
  for (std::string_view cdb : {"1b0000000000", "1b0000000100", "1b0000000300"}) {
    const Reply r = run(cdb);
    EXPECT_EQ(header_hex(r), good(0)) << cdb;
    EXPECT_EQ(r.event, TargetEvent::none);
    EXPECT_TRUE(target.medium_present());
  }
  const Reply r = run("1b0000000200");  // LoEj=1 Start=0
  EXPECT_EQ(header_hex(r), good(0));    // media byte of the state before the eject
  EXPECT_EQ(r.event, TargetEvent::eject_requested);
  EXPECT_FALSE(target.medium_present());
  EXPECT_EQ(header_hex(run("00")), failed(sense::kMediumNotPresent, 0));
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041003000000");
  target.insert(medium);
  EXPECT_EQ(header_hex(run("00")), failed(sense::kNotReadyToReadyChange));
  EXPECT_EQ(header_hex(run("00")), good(0));
  EXPECT_EQ(data_hex(run("4a0100001000000008000000")), "0006041004020000");
}

// ---- Unknown opcodes, echo, keep-alive ----

TEST_F(CdromTargetTest, UnknownOpcodesGetInvalidFieldInCdb) {
  // As Java (SCSI would say 5/20/00), with or without a medium, after the attention too.
  for (std::string_view cdb : {"120000002400", "030000001200", "1a003f000c00", "150000000000",
                               "550000000000000000000000", "be0000000000000000000000",
                               "b90000000000000000000000", "bd0000000000000000000000",
                               "2b0000000000000000000000", "2f0000000000000000000000",
                               "2a0000000000000001000000", "ff0000000000000000000000"}) {
    EXPECT_EQ(header_hex(run(cdb)), failed(sense::kInvalidFieldInCdb)) << cdb;
    CdromTarget empty;
    EXPECT_EQ(header_hex(empty.handle(req(cdb))), failed(sense::kInvalidFieldInCdb, 0)) << cdb;
  }
}

TEST_F(CdromTargetTest, EchoTouchesNoState) {
  const Reply r = run("fe0000000102030405060708");
  EXPECT_EQ(header_hex(r), "dec0ad0b000000000102030405060708");
  EXPECT_EQ(r.data_length, 0u);
  EXPECT_EQ(target.media_state(), CdromTarget::MediaState::unseen);
  EXPECT_EQ(header_hex(run("00")), failed(sense::kNotReadyToReadyChange));  // still first
}

TEST_F(CdromTargetTest, KeepAliveAndDisconnectFollowTheLastReply) {
  run("00");
  run("00");
  run("4a0100001000000008000000");
  EXPECT_EQ(to_hex(target.keep_alive()), "dec0ad0b020000000100000000000000");
  EXPECT_EQ(to_hex(target.disconnect()), "dec0ad0b040000000100000000000000");
  run("28000000009900000100");
  EXPECT_EQ(to_hex(target.keep_alive()), "dec0ad0b020000000105210000000000");
}

// ---- Hostile input ----

TEST_F(CdromTargetTest, HostileRequestsNeverOverRead) {
  std::mt19937 rng(12345);
  std::array<std::shared_ptr<const Medium>, 3> media = {
      medium, test::medium_of(Bytes(5000, 0xAB)), nullptr};
  Bytes buffer;
  for (int round = 0; round < 60000; ++round) {
    CdromTarget& t = target;
    if (round % 5000 == 0) t.insert(media[static_cast<std::size_t>(round / 5000) % 3]);
    Request r{};
    for (auto& b : r) b = static_cast<std::uint8_t>(rng());
    // Bias towards the commands with length fields, and towards extreme values.
    static constexpr std::uint8_t kOps[] = {0x28, 0xA8, 0x43, 0x4A,
                                            0x5A, 0x25, 0x1B, 0x00};
    if (round % 2 == 0) r[0] = kOps[rng() % std::size(kOps)];
    if (round % 3 == 0) {
      for (std::size_t i = 2; i < 12; ++i)
        r[i] = rng() % 2 ? std::uint8_t{0xFF} : std::uint8_t{0x00};
    }
    const Reply reply = t.handle(r);
    ASSERT_LE(reply.data_length, 64u * 2048u);
    if (!reply.from_medium) {
      ASSERT_LE(reply.data_length, kInlineDataCapacity);
    }
    std::error_code ec;
    auto h = parse_reply_header(reply.header, ec);
    ASSERT_TRUE(h);
    if (r[0] != kEchoOpcode) {
      ASSERT_EQ(h->length, reply.data_length);
      if (!h->sense.good()) {
        ASSERT_EQ(reply.data_length, 0u);
      }
    }
    if (reply.from_medium) {
      ASSERT_NE(reply.medium, nullptr);
      ASSERT_LE(reply.extent.offset + reply.extent.length,
                (reply.medium->size() + 2047) / 2048 * 2048);
    }
    buffer.resize(reply.data_length);
    ASSERT_FALSE(reply_data(reply, buffer));
  }
}

TEST_F(CdromTargetTest, AllOpcodesWithExtremeFields) {
  for (int op = 0; op < 256; ++op) {
    for (int fill : {0x00, 0xFF}) {
      Request r{};
      r.fill(static_cast<std::uint8_t>(fill));
      r[0] = static_cast<std::uint8_t>(op);
      const Reply reply = target.handle(r);
      Bytes data(reply.data_length);
      ASSERT_FALSE(reply_data(reply, data)) << op;
      ASSERT_LE(reply.data_length, 64u * 2048u);
    }
  }
}

}  // namespace
}  // namespace ilo::vm::cdrom_target_test
