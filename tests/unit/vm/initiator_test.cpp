// The initiator against the CD-ROM target in memory: enumeration (whole, per byte, every
// split), the ISO 9660 volume identifier, whole-disc SHA-256, eject and re-insert mid-session,
// keep-alives and DISCONNECT, and a violation for every corrupted reply.
#include "vm/initiator.hpp"

#include <gtest/gtest.h>

#include "vm/cdrom_target.hpp"
#include "vm/iso9660.hpp"
#include "vm/memory_medium.hpp"
#include "vm/sha256.hpp"
#include "vm_test_support.hpp"

namespace ilo::vm {
namespace {

using test::hex;
using Result = Initiator::JobResult;
using Job = Initiator::Job;

constexpr std::size_t kWhole = 0;
constexpr std::size_t kPerByte = SIZE_MAX;

// Carries requests from the initiator to the target and replies back, each reply fed whole,
// one byte at a time, or cut in two at `cut`.
struct Link {
  Link(Initiator& i, CdromTarget& t, std::size_t c = kWhole) : ini(i), target(t), cut(c) {}
  Initiator& ini;
  CdromTarget& target;
  std::size_t cut = kWhole;
  bool keep_alive_between = false;  // a Java-style keep-alive (bogus length) before each reply
  std::vector<Request> sent;
  std::vector<TargetEvent> events;

  void feed(const Bytes& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      std::size_t n = bytes.size() - at;
      if (cut == kPerByte) n = 1;
      else if (cut != kWhole && at < cut) n = std::min(n, cut - at);
      ASSERT_EQ(ini.feed(std::span(bytes).subspan(at, n)), n);
      at += n;
    }
  }
  // One request/reply round; false if the initiator had nothing to send.
  bool step() {
    const auto r = ini.take_request();
    if (!r) return false;
    sent.push_back(*r);
    const Reply reply = target.handle(*r);
    events.push_back(reply.event);
    if (keep_alive_between) {
      auto ka = target.keep_alive();
      ka[12] = 0x08;  // Java repeats the previous length; no data follows
      feed(Bytes(ka.begin(), ka.end()));
    }
    feed(test::wire(reply));
    return true;
  }
  void run() {
    for (int i = 0; i < 100000 && step();) ++i;
  }
  std::string opcodes() const {
    std::string s;
    for (const auto& r : sent) s += to_hex(std::span(r).first(1)) + " ";
    return s;
  }
};

std::shared_ptr<const MemoryMedium> iso(std::size_t blocks, std::string_view id,
                                        std::uint32_t seed) {
  return std::make_shared<MemoryMedium>(test::make_iso(blocks, id, seed));
}

// A target holding a medium, an initiator and the link between them, enumerated once.
struct Enumerated {
  explicit Enumerated(std::shared_ptr<const Medium> medium) : target(std::move(medium)) {
    ini.enumerate();
    link.run();
  }
  CdromTarget target;
  Initiator ini;
  Link link{ini, target};
};

Sha256::Digest sha_of(const MemoryMedium& m) { return Sha256::of(m.bytes()); }

TEST(VmSha256, KnownVector) {
  const std::string abc = "abc";
  EXPECT_EQ(to_hex(Sha256::of({reinterpret_cast<const std::uint8_t*>(abc.data()), 3})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  EXPECT_TRUE(h.ok());
  EXPECT_EQ(to_hex(h.finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(VmIso9660, ParsesThePrimaryVolumeDescriptor) {
  const auto img = test::make_iso(40, "HP_VM_TEST", 1);
  auto pvd = parse_primary_volume_descriptor(std::span(img).subspan(16 * 2048, 2048));
  ASSERT_TRUE(pvd);
  EXPECT_EQ(pvd->volume_id, "HP_VM_TEST");
  EXPECT_EQ(pvd->system_id, "");
  EXPECT_EQ(pvd->volume_space_size, 40u);
  EXPECT_FALSE(parse_primary_volume_descriptor(std::span(img).subspan(17 * 2048, 2048)));
  EXPECT_FALSE(parse_primary_volume_descriptor(std::span(img).subspan(16 * 2048, 2047)));
  EXPECT_FALSE(parse_primary_volume_descriptor(std::span(img).subspan(0, 2048)));
}

void expect_enumerated(const Initiator& ini, std::uint64_t blocks, std::string_view id) {
  EXPECT_EQ(ini.phase(), Initiator::Phase::idle);
  EXPECT_EQ(ini.last_job(), Job::enumerate);
  EXPECT_EQ(ini.last_result(), Result::done);
  EXPECT_TRUE(ini.disc().present);
  EXPECT_EQ(ini.disc().blocks, blocks);
  EXPECT_EQ(ini.disc().block_length, 2048u);
  EXPECT_EQ(ini.disc().toc_lead_out, blocks);
  ASSERT_TRUE(ini.disc().pvd);
  EXPECT_EQ(ini.disc().pvd->volume_id, id);
  EXPECT_EQ(ini.violations(), 0u) << ini.last_violation();
}

TEST(VmInitiator, EnumeratesAFreshConnection) {
  CdromTarget target(iso(1648, "HP_VM_TEST", 5));
  Initiator ini;
  EXPECT_FALSE(ini.take_request());
  ASSERT_TRUE(ini.enumerate());
  EXPECT_FALSE(ini.enumerate());  // one job at a time
  Link link{ini, target};
  link.run();
  // TEST UNIT READY twice (unit attention first), READ CAPACITY, READ TOC, GESN, READ(10) @16.
  EXPECT_EQ(link.opcodes(), "00 00 25 43 4a 28 ");
  EXPECT_EQ(to_hex(link.sent[3]), "430000000000000014000000");
  EXPECT_EQ(to_hex(link.sent[4]), "4a0100001000000008000000");
  EXPECT_EQ(to_hex(link.sent[5]), "280000000010000001000000");
  expect_enumerated(ini, 1648, "HP_VM_TEST");
  EXPECT_TRUE(ini.disc().new_media_event);
  EXPECT_EQ(ini.disc().pvd->volume_space_size, 1648u);
  EXPECT_EQ(ini.requests_sent(), 6u);
}

TEST(VmInitiator, EnumerationFedPerByteAndAtEverySplit) {
  auto medium = iso(40, "SPLIT", 2);
  // Every cut position of the largest reply (16 + 2048 bytes) and beyond.
  for (std::size_t cut = 1; cut <= 16 + 2048 + 1; ++cut) {
    CdromTarget target(medium);
    Initiator ini;
    ini.enumerate();
    Link link{ini, target, cut};
    link.run();
    ASSERT_EQ(ini.last_result(), Result::done) << cut;
    ASSERT_EQ(ini.disc().pvd->volume_id, "SPLIT") << cut;
    ASSERT_EQ(ini.violations(), 0u) << cut;
  }
  CdromTarget target(medium);
  Initiator ini;
  ini.enumerate();
  Link link{ini, target, kPerByte};
  link.run();
  expect_enumerated(ini, 40, "SPLIT");
}

TEST(VmInitiator, NoIsoNoVolumeIdentifier) {
  Enumerated rig(test::medium_of(Bytes(30 * 2048, 0x11)));
  auto& [target, ini, link] = rig;
  EXPECT_EQ(ini.last_result(), Result::done);
  EXPECT_TRUE(ini.disc().present);
  EXPECT_FALSE(ini.disc().pvd);
  EXPECT_EQ(ini.violations(), 0u);
  // A disc too small to have block 16 is enumerated without reading it.
  CdromTarget small(test::medium_of(Bytes(4 * 2048, 0x11)));
  Initiator ini2;
  ini2.enumerate();
  Link link2{ini2, small};
  link2.run();
  EXPECT_EQ(link2.opcodes(), "00 00 25 43 4a ");
  EXPECT_TRUE(ini2.disc().present);
}

TEST(VmInitiator, EnumerationWithoutMedium) {
  CdromTarget target;
  Initiator ini;
  ini.enumerate();
  Link link{ini, target};
  link.run();
  EXPECT_EQ(link.opcodes(), "00 ");
  EXPECT_EQ(ini.last_result(), Result::no_medium);
  EXPECT_FALSE(ini.disc().present);
  EXPECT_FALSE(ini.read_disc());
  EXPECT_EQ(ini.violations(), 0u);
}

TEST(VmInitiator, ReadsTheWholeDiscWithSha256) {
  auto medium = iso(1648, "HP_VM_TEST", 5);
  Enumerated rig(medium);
  auto& [target, ini, link] = rig;
  link.sent.clear();
  ASSERT_TRUE(ini.read_disc());
  link.run();
  EXPECT_EQ(ini.last_job(), Job::read_disc);
  EXPECT_EQ(ini.last_result(), Result::done);
  EXPECT_EQ(link.sent.size(), 26u);  // 25 x 64 blocks + 48
  EXPECT_EQ(to_hex(link.sent[1]), "280000000040000040000000");
  EXPECT_EQ(to_hex(link.sent[25]), "280000000640000030000000");
  EXPECT_EQ(ini.bytes_read(), medium->size());
  ASSERT_TRUE(ini.disc_sha256());
  EXPECT_EQ(*ini.disc_sha256(), sha_of(*medium));
  EXPECT_EQ(ini.violations(), 0u);
}

// A BIOS boots a disc whose block 17 is an El Torito boot record; read_disc() notes it on the
// way, whatever the read size and however the reply bytes are cut.
TEST(VmInitiator, ReadDiscNotesAnElToritoBootRecord) {
  auto bytes = test::make_iso(90, "BOOTABLE", 4);
  std::uint8_t* record = bytes.data() + 17 * 2048;
  std::fill_n(record, 2048, 0);
  record[0] = 0;                                      // type: boot record
  std::copy_n("CD001", 5, record + 1);                // standard identifier
  record[6] = 1;                                      // version
  std::copy_n("EL TORITO SPECIFICATION", 23, record + 7);  // boot system identifier
  EXPECT_TRUE(is_el_torito_boot_record(std::span(bytes).subspan(17 * 2048, 2048)));
  const auto bootable = std::make_shared<MemoryMedium>(bytes);
  for (const std::uint32_t per_read : {64u, 17u, 1u}) {
    for (const bool per_byte : {false, true}) {
      CdromTarget target(bootable);
      InitiatorOptions options;
      options.blocks_per_read = per_read;
      Initiator ini(options);
      ini.enumerate();
      Link link{ini, target, per_byte ? kPerByte : kWhole};
      link.run();
      ASSERT_TRUE(ini.read_disc());
      link.run();
      EXPECT_EQ(ini.last_result(), Result::done);
      EXPECT_TRUE(ini.bootable()) << per_read << " " << per_byte;
    }
  }
  // A data disc (terminator at 17), and a record with another boot system, are not bootable.
  CdromTarget data_target(iso(90, "DATA", 4));
  Initiator data;
  data.enumerate();
  Link data_link{data, data_target};
  data_link.run();
  data.read_disc();
  data_link.run();
  EXPECT_FALSE(data.bootable());
  record[7] = 'X';
  EXPECT_FALSE(is_el_torito_boot_record(std::span(bytes).subspan(17 * 2048, 2048)));
  EXPECT_FALSE(is_el_torito_boot_record(std::span(bytes).subspan(17 * 2048, 20)));
}

// A guest's read for the real machine behind the simulator: one READ(10), the data kept.
TEST(VmInitiator, ReadBlocksKeepsTheDataPerByte) {
  auto medium = iso(100, "BLOCKS", 3);
  CdromTarget target(medium);
  Initiator ini;
  ini.enumerate();
  Link link{ini, target, kPerByte};
  link.run();
  link.sent.clear();
  EXPECT_FALSE(ini.read_blocks(99, 2));   // past the end
  EXPECT_FALSE(ini.read_blocks(0, 65));   // above the request limit
  EXPECT_FALSE(ini.read_blocks(100, 1));
  ASSERT_TRUE(ini.read_blocks(36, 64));
  link.run();
  EXPECT_EQ(ini.last_job(), Job::read_blocks);
  EXPECT_EQ(ini.last_result(), Result::done);
  ASSERT_EQ(link.sent.size(), 1u);
  EXPECT_EQ(to_hex(link.sent[0]), "280000000024000040000000");
  const auto want = std::span(medium->bytes()).subspan(36 * 2048, 64 * 2048);
  ASSERT_EQ(ini.read_data().size(), want.size());
  EXPECT_TRUE(std::equal(want.begin(), want.end(), ini.read_data().begin()));
  EXPECT_EQ(ini.violations(), 0u);
}

TEST(VmInitiator, ReadDiscPerByteSmallChunksAndHashOff) {
  auto medium = iso(70, "BYTES", 8);
  {
    CdromTarget target(medium);
    InitiatorOptions options;
    options.blocks_per_read = 7;
    Initiator ini(options);
    ini.enumerate();
    Link link{ini, target, kPerByte};
    link.run();
    link.sent.clear();
    ini.read_disc();
    link.run();
    EXPECT_EQ(link.sent.size(), 10u);
    ASSERT_TRUE(ini.disc_sha256());
    EXPECT_EQ(*ini.disc_sha256(), sha_of(*medium));
  }
  {
    CdromTarget target(medium);
    InitiatorOptions options;
    options.hash = false;
    options.blocks_per_read = 1000;  // clamped to 64
    Initiator ini(options);
    ini.enumerate();
    Link link{ini, target};
    link.run();
    link.sent.clear();
    ini.read_disc();
    link.run();
    EXPECT_EQ(link.sent.size(), 2u);
    EXPECT_EQ(ini.last_result(), Result::done);
    EXPECT_FALSE(ini.disc_sha256());
    EXPECT_EQ(ini.bytes_read(), medium->size());
  }
}

TEST(VmInitiator, EjectAndReinsertMidSession) {
  auto a = iso(100, "DISC_A", 1);
  auto b = iso(120, "DISC_B", 2);
  Enumerated rig(a);
  auto& [target, ini, link] = rig;
  expect_enumerated(ini, 100, "DISC_A");

  ASSERT_TRUE(ini.poll());  // nothing changed
  link.run();
  EXPECT_EQ(ini.last_job(), Job::poll);
  EXPECT_EQ(ini.last_result(), Result::done);

  target.eject();
  ASSERT_TRUE(ini.poll());
  link.run();
  EXPECT_EQ(ini.last_result(), Result::no_medium);
  EXPECT_FALSE(ini.disc().present);
  ASSERT_TRUE(ini.poll());  // still empty, no second removal event
  link.run();
  EXPECT_EQ(ini.last_result(), Result::no_medium);

  target.insert(b);
  link.sent.clear();
  ASSERT_TRUE(ini.poll());
  link.run();  // GESN reports NEW MEDIA; the enumeration follows by itself
  EXPECT_EQ(link.opcodes(), "4a 00 25 43 4a 28 ");
  expect_enumerated(ini, 120, "DISC_B");
  EXPECT_FALSE(ini.disc().new_media_event);  // the poll consumed it: reported once
  ASSERT_TRUE(ini.read_disc());
  link.run();
  EXPECT_EQ(*ini.disc_sha256(), sha_of(*b));
  EXPECT_EQ(ini.violations(), 0u);
}

TEST(VmInitiator, EjectDuringReadDisc) {
  auto a = iso(300, "DISC_A", 1);
  auto b = iso(90, "DISC_B", 2);
  Enumerated rig(a);
  auto& [target, ini, link] = rig;
  ASSERT_TRUE(ini.read_disc());
  link.step();
  link.step();
  target.eject();
  link.run();
  EXPECT_EQ(ini.last_job(), Job::read_disc);
  EXPECT_EQ(ini.last_result(), Result::no_medium);
  EXPECT_FALSE(ini.disc().present);
  EXPECT_FALSE(ini.disc_sha256());
  target.insert(b);
  ini.poll();
  link.run();
  expect_enumerated(ini, 90, "DISC_B");
  ini.read_disc();
  link.run();
  EXPECT_EQ(*ini.disc_sha256(), sha_of(*b));
}

TEST(VmInitiator, MediumChangedDuringReadDisc) {
  auto a = iso(300, "DISC_A", 1);
  auto b = iso(90, "DISC_B", 2);
  Enumerated rig(a);
  auto& [target, ini, link] = rig;
  ini.read_disc();
  link.step();
  target.insert(b);  // the next READ meets the unit attention
  link.sent.clear();
  link.run();
  EXPECT_EQ(link.opcodes(), "28 00 25 43 4a 28 ");
  expect_enumerated(ini, 90, "DISC_B");
  EXPECT_TRUE(ini.disc().new_media_event);
  ini.read_disc();
  link.run();
  EXPECT_EQ(*ini.disc_sha256(), sha_of(*b));
}

TEST(VmInitiator, EjectJob) {
  Enumerated rig(iso(40, "E", 1));
  auto& [target, ini, link] = rig;
  link.sent.clear();
  ASSERT_TRUE(ini.eject());
  link.run();
  EXPECT_EQ(to_hex(link.sent.at(0)), "1b0000000200000000000000");
  EXPECT_EQ(link.events.back(), TargetEvent::eject_requested);
  EXPECT_EQ(ini.last_result(), Result::done);
  EXPECT_FALSE(ini.disc().present);
  EXPECT_FALSE(target.medium_present());
  ini.poll();
  link.run();
  EXPECT_EQ(ini.last_result(), Result::no_medium);
  EXPECT_EQ(ini.violations(), 0u);
}

TEST(VmInitiator, EchoAndKeepAlives) {
  CdromTarget target(iso(40, "K", 1));
  Initiator ini;
  Link link{ini, target};
  link.keep_alive_between = true;
  ini.enumerate();
  link.run();
  expect_enumerated(ini, 40, "K");
  EXPECT_EQ(ini.keep_alives(), 6u);
  const std::array<std::uint8_t, 8> cookie{9, 8, 7, 6, 5, 4, 3, 2};
  ASSERT_TRUE(ini.echo(cookie));
  link.run();
  EXPECT_EQ(ini.last_job(), Job::echo);
  EXPECT_EQ(ini.last_result(), Result::done);
  EXPECT_EQ(to_hex(link.sent.back()), "fe0000000908070605040302");
  EXPECT_EQ(ini.violations(), 0u);
}

TEST(VmInitiator, DisconnectHeaderEndsTheSession) {
  Enumerated rig(iso(40, "D", 1));
  auto& [target, ini, link] = rig;
  const auto d = target.disconnect();
  Bytes stream(d.begin(), d.end());
  stream.push_back(0xAA);  // nothing after it is read
  EXPECT_EQ(ini.feed(stream), 16u);
  EXPECT_EQ(ini.phase(), Initiator::Phase::disconnected);
  EXPECT_FALSE(ini.disc().present);
  EXPECT_FALSE(ini.poll());
  EXPECT_FALSE(ini.take_request());
}

// ---- Corrupted replies ----

Bytes header(std::uint32_t flags, std::uint8_t media, Sense s, std::uint32_t length) {
  const auto h = encode_reply_header({flags, media, s, length});
  return Bytes(h.begin(), h.end());
}
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Drives an enumeration with the real target until the next request has `opcode`, and
// returns with that request taken (outstanding) for the test to answer.
struct AtStep {
  CdromTarget target{std::make_shared<MemoryMedium>(test::make_iso(40, "S", 1))};
  Initiator ini;
  Link link{ini, target};
  Request pending{};
  explicit AtStep(std::uint8_t opcode) {
    ini.enumerate();
    for (;;) {
      auto r = ini.take_request();
      if (!r) {
        ADD_FAILURE() << "no request with opcode " << int(opcode);
        return;
      }
      if ((*r)[0] == opcode && !(opcode == 0x00 && link.sent.empty())) {
        pending = *r;
        return;
      }
      link.sent.push_back(*r);
      link.feed(test::wire(target.handle(*r)));
    }
  }
};

TEST(VmInitiatorViolations, BadMagicBreaksTheStream) {
  AtStep s(0x25);
  Bytes bad = cat(header(0, 1, sense::kGood, 8), hex("0000002700000800"));
  bad[0] = 0xDF;
  EXPECT_EQ(s.ini.feed(bad), 16u);  // stops after the header
  EXPECT_EQ(s.ini.phase(), Initiator::Phase::broken);
  EXPECT_EQ(s.ini.violations(), 1u);
  EXPECT_FALSE(s.ini.take_request());
  EXPECT_EQ(s.ini.feed(bad), 0u);
}

TEST(VmInitiatorViolations, WrongLengthFailsTheJob) {
  AtStep s(0x25);
  const Bytes bad = cat(header(0, 1, sense::kGood, 7), hex("00000027000008"));
  EXPECT_EQ(s.ini.feed(bad), bad.size());
  EXPECT_EQ(s.ini.violations(), 1u);
  EXPECT_EQ(s.ini.last_result(), Result::failed);
  EXPECT_EQ(s.ini.phase(), Initiator::Phase::idle);
  EXPECT_FALSE(s.ini.disc().present);
}

TEST(VmInitiatorViolations, DataWithAFailedCommand) {
  AtStep s(0x25);
  const Bytes bad = cat(header(0, 1, sense::kLbaOutOfRange, 8), hex("0000002700000800"));
  EXPECT_EQ(s.ini.feed(bad), bad.size());
  EXPECT_GE(s.ini.violations(), 1u);
  EXPECT_EQ(s.ini.last_result(), Result::failed);
}

TEST(VmInitiatorViolations, UnexpectedSense) {
  AtStep s(0x25);
  EXPECT_EQ(s.ini.feed(header(0, 1, sense::kInvalidFieldInCdb, 0)), 16u);
  EXPECT_EQ(s.ini.violations(), 1u);
  EXPECT_EQ(s.ini.last_result(), Result::failed);
}

TEST(VmInitiatorViolations, FlagsAndMediaByte) {
  {
    AtStep s(0x25);
    s.ini.feed(cat(header(0x100, 1, sense::kGood, 8), hex("0000002700000800")));
    EXPECT_EQ(s.ini.violations(), 1u);  // unknown flag bit; the enumeration goes on
    EXPECT_EQ(s.ini.phase(), Initiator::Phase::busy);
  }
  {
    AtStep s(0x25);
    s.ini.feed(cat(header(kFlagWriteProtected, 1, sense::kGood, 8), hex("0000002700000800")));
    EXPECT_EQ(s.ini.violations(), 1u);
  }
  {
    AtStep s(0x25);
    s.ini.feed(cat(header(0, 7, sense::kGood, 8), hex("0000002700000800")));
    EXPECT_EQ(s.ini.violations(), 1u);
  }
  {
    AtStep s(0x25);
    s.ini.feed(cat(header(0, 0, sense::kGood, 8), hex("0000002700000800")));
    EXPECT_EQ(s.ini.violations(), 1u);
  }
  {
    AtStep s(0x25);
    s.ini.feed(header(0, 1, sense::kMediumNotPresent, 0));
    EXPECT_EQ(s.ini.violations(), 1u);
    EXPECT_EQ(s.ini.last_result(), Result::no_medium);
  }
}

TEST(VmInitiatorViolations, BadData) {
  {
    AtStep s(0x25);
    s.ini.feed(cat(header(0, 1, sense::kGood, 8), hex("0000002700000200")));
    EXPECT_EQ(s.ini.violations(), 1u);  // block length 512
  }
  {
    AtStep s(0x43);
    s.ini.feed(cat(header(0, 1, sense::kGood, 20),
                   hex("0012010100140100000000000014aa0000000099")));
    EXPECT_EQ(s.ini.violations(), 1u);  // lead-out differs from the capacity
  }
  {
    AtStep s(0x43);
    s.ini.feed(cat(header(0, 1, sense::kGood, 20),
                   hex("0012020200140100000000000014aa0000000028")));
    EXPECT_EQ(s.ini.violations(), 1u);  // two tracks
  }
  {
    AtStep s(0x4A);
    s.ini.feed(cat(header(0, 1, sense::kGood, 8), hex("0006051004020000")));
    EXPECT_EQ(s.ini.violations(), 1u);
    EXPECT_EQ(s.ini.last_result(), Result::failed);
  }
  {
    AtStep s(0x4A);
    s.ini.feed(cat(header(0, 1, sense::kGood, 8), hex("0006041007020000")));
    EXPECT_EQ(s.ini.violations(), 1u);  // unknown event code
  }
}

TEST(VmInitiatorViolations, AbsurdLengthsBreakTheStream) {
  AtStep s(0x28);
  EXPECT_EQ(s.ini.feed(header(0, 1, sense::kGood, 0x7FFFFFFF)), 16u);
  EXPECT_EQ(s.ini.phase(), Initiator::Phase::broken);
  EXPECT_EQ(s.ini.violations(), 1u);
}

TEST(VmInitiatorViolations, UnsolicitedReplies) {
  Initiator ini;
  const Bytes r = cat(header(0, 1, sense::kGood, 4), hex("01020304"));
  EXPECT_EQ(ini.feed(r), r.size());
  EXPECT_EQ(ini.violations(), 1u);
  EXPECT_EQ(ini.phase(), Initiator::Phase::idle);
  // Its data is skipped even if a job starts while it streams.
  Initiator ini2;
  EXPECT_EQ(ini2.feed(std::span(r).first(18)), 18u);
  ASSERT_TRUE(ini2.echo(std::array<std::uint8_t, 8>{1, 1, 1, 1, 1, 1, 1, 1}));
  ASSERT_TRUE(ini2.take_request());
  EXPECT_EQ(ini2.feed(std::span(r).subspan(18)), 2u);
  EXPECT_EQ(ini2.phase(), Initiator::Phase::busy);
  EXPECT_EQ(ini2.feed(hex("dec0ad0b000000000101010101010101")), 16u);
  EXPECT_EQ(ini2.last_result(), Result::done);
  EXPECT_EQ(ini2.violations(), 1u);

  Initiator ini3;
  EXPECT_EQ(ini3.feed(header(0, 1, sense::kGood, 0x10000000)), 16u);
  EXPECT_EQ(ini3.phase(), Initiator::Phase::broken);
}

TEST(VmInitiatorViolations, EchoMismatch) {
  Initiator ini;
  ini.echo(std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  ASSERT_TRUE(ini.take_request());
  ini.feed(hex("dec0ad0b000000000102030405060709"));
  EXPECT_EQ(ini.violations(), 1u);
  EXPECT_EQ(ini.last_result(), Result::failed);
}

// Every single-bit corruption of every reply header of an enumeration is noticed: the
// enumeration never completes cleanly, and nothing crashes or over-reads.
TEST(VmInitiatorViolations, EveryHeaderBitFlipIsNoticed) {
  auto medium = std::make_shared<MemoryMedium>(test::make_iso(40, "F", 1));
  for (std::size_t reply_index = 0; reply_index < 6; ++reply_index) {
    for (std::size_t bit = 0; bit < 16 * 8; ++bit) {
      CdromTarget target(medium);
      Initiator ini;
      ini.enumerate();
      std::size_t n = 0;
      for (int guard = 0; guard < 50; ++guard) {
        auto r = ini.take_request();
        if (!r) break;
        Bytes w = test::wire(target.handle(*r));
        if (n++ == reply_index) w[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        ini.feed(w);
      }
      const bool clean = ini.phase() == Initiator::Phase::idle &&
                         ini.last_result() == Result::done && ini.violations() == 0 &&
                         ini.disc().present;
      ASSERT_FALSE(clean) << "reply " << reply_index << " bit " << bit;
    }
  }
}

}  // namespace
}  // namespace ilo::vm
