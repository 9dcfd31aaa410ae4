// Command-connection records (docs/command-session.md): the captured record stream at every split,
// typed round trips through the server encoder, the seize/share answers, and bounded handling
// of oversize, short and random input.
#include <random>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"
#include "rc/command_record_parser.hpp"
#include "rc/command_records.hpp"
#include "rc/rc_error.hpp"
#include "session_test_support.hpp"

namespace ilo::rc {
namespace {

using test::all_schedules;
using test::describe;
using test::fixture;

struct RecordRun {
  std::vector<CommandRecord> records;
  std::vector<std::error_code> errors;
  std::size_t consumed = 0;
};

RecordRun parse_all(CommandRecordParser& p, std::span<const std::uint8_t> data,
                   const test::Cuts& cuts) {
  RecordRun run;
  run.consumed = test::feed_pieces(p, data, cuts, [&](const auto& r) {
    if (r.record) run.records.push_back(*r.record);
    if (r.error) run.errors.push_back(r.error);
    return !p.failed();  // an error short of failure goes on
  });
  return run;
}

std::vector<CommandRecord> captured_records() {
  UnknownRecord type16;
  type16.raw.type = 16;
  type16.raw.payload.assign(8, 0);
  std::vector<CommandRecord> out = {HostPower{1}, type16, HealthStatus{0}};
  for (int i = 0; i < 5; ++i) {
    out.push_back(HostPower{1});
    out.push_back(HealthStatus{0});
  }
  out.push_back(HostPower{1});
  return out;
}

TEST(CommandRecords, CapturedStreamAtEverySplit) {
  const auto server = fixture("cmd-server.bin");
  ASSERT_EQ(server.size(), 191u);
  ASSERT_EQ(server[0], 'P');
  ASSERT_EQ(server[1], 'R');
  const auto stream = std::span(server).subspan(2);
  const auto expected = captured_records();
  ASSERT_EQ(expected.size(), 14u);
  for (const auto& cuts : all_schedules(stream.size())) {
    SCOPED_TRACE(describe(cuts));
    CommandRecordParser p;
    const auto run = parse_all(p, stream, cuts);
    EXPECT_TRUE(run.errors.empty());
    EXPECT_EQ(run.consumed, stream.size());
    EXPECT_EQ(run.records, expected);
  }
}

TEST(CommandRecords, ServerEncoderReproducesCapture) {
  std::vector<std::uint8_t> wire{'P', 'R'};
  for (const auto& r : captured_records()) {
    const auto bytes = encode_command_record(r);
    wire.insert(wire.end(), bytes.begin(), bytes.end());
  }
  EXPECT_EQ(wire, fixture("cmd-server.bin"));
}

std::vector<CommandRecord> every_type() {
  UnknownRecord r12;
  r12.raw.type = 12;
  UnknownRecord r99;
  r99.raw.type = 0x01020304;
  r99.raw.args = {1, 2, 3, 4};
  r99.raw.payload = {9, 8, 7};
  return {PostComplete{},
          HostPower{0},
          HostPower{1},
          HealthStatus{2},
          PostCode{0x1234},
          SeizeRequest{"Administrator", "192.168.1.20", 30},
          VmStatus{0, 2, 0, 1},
          Playback{},
          ShareRequest{"bob", "fe80::1"},
          FirmwareUpgrade{},
          UnauthorisedAction{2},
          VmNotification{5},
          NotLicensed{},
          IloReset{},
          r12,
          r99};
}

TEST(CommandRecords, EveryTypeRoundTripsAtEverySplit) {
  const auto records = every_type();
  std::vector<std::uint8_t> wire;
  for (const auto& r : records) {
    const auto bytes = encode_command_record(r);
    wire.insert(wire.end(), bytes.begin(), bytes.end());
  }
  for (const auto& cuts : all_schedules(wire.size())) {
    SCOPED_TRACE(describe(cuts));
    CommandRecordParser p;
    const auto run = parse_all(p, wire, cuts);
    EXPECT_TRUE(run.errors.empty());
    EXPECT_EQ(run.records, records);
  }
}

TEST(CommandRecords, WireLayouts) {
  EXPECT_EQ(to_hex(encode_command_record(PostCode{0x1234})), "050000000200000000000000" "3412");
  EXPECT_EQ(to_hex(encode_command_record(UnauthorisedAction{3})), "0b0000000000000000000300");
  EXPECT_EQ(to_hex(encode_command_record(VmStatus{0, 1, 0, 0})),
            "070000000400000000000000" "00010000");
  const auto seize = encode_command_record(SeizeRequest{"alice", "10.0.0.9", 15});
  ASSERT_EQ(seize.size(), 12u + 128u);
  EXPECT_EQ(to_hex(std::span(seize).first(12)), "0600000080000000" "00000f00");
  EXPECT_EQ(std::string(seize.begin() + 12, seize.begin() + 17), "alice");
  EXPECT_EQ(seize[17], 0);
  EXPECT_EQ(std::string(seize.begin() + 76, seize.begin() + 84), "10.0.0.9");
  EXPECT_EQ(seize.back(), 0);
}

TEST(CommandRecords, RequesterNamesAreCutTrimmedAndSanitised) {
  RawCommandRecord raw;
  raw.type = 6;
  raw.args[2] = 9;
  raw.payload.assign(128, ' ');
  const std::string name = "  eve\x01\xff  ";
  std::copy(name.begin(), name.end(), raw.payload.begin());
  std::fill(raw.payload.begin() + 64, raw.payload.end(), 'a');  // no NUL: 63 characters used
  std::error_code ec;
  auto rec = interpret_command_record(raw, ec);
  ASSERT_FALSE(ec);
  const auto& s = std::get<SeizeRequest>(rec);
  EXPECT_EQ(s.user, "eve??");
  EXPECT_EQ(s.address, std::string(63, 'a'));
  EXPECT_EQ(s.countdown_s, 9);
  // A short payload still parses (Java reads "up to 128 bytes").
  raw.type = 9;
  raw.payload = {'x', 'y', 0, 'z'};
  rec = interpret_command_record(raw, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(std::get<ShareRequest>(rec), (ShareRequest{"xy", ""}));
  // Over-long names are cut to 63 characters by the encoder.
  const auto enc = to_raw_command_record(SeizeRequest{std::string(100, 'n'), "", 1});
  rec = interpret_command_record(enc, ec);
  EXPECT_EQ(std::get<SeizeRequest>(rec).user, std::string(63, 'n'));
}

TEST(CommandRecords, SeizeAnswers) {
  EXPECT_EQ(to_hex(encode_seize_answer(SeizeAnswer::allow)), "04000000");
  EXPECT_EQ(to_hex(encode_seize_answer(SeizeAnswer::deny)), "03000000");
  EXPECT_EQ(parse_seize_answer(*parse_hex("04000000")), SeizeAnswer::allow);
  EXPECT_EQ(parse_seize_answer(*parse_hex("03000000")), SeizeAnswer::deny);
  EXPECT_FALSE(parse_seize_answer(*parse_hex("04000001")));
  EXPECT_FALSE(parse_seize_answer(*parse_hex("05000000")));
  EXPECT_FALSE(parse_seize_answer(*parse_hex("040000")));
}

TEST(CommandRecords, OversizeLengthIsAStickyError) {
  // Length 4097: refused right after the header, before any payload is buffered.
  const auto wire = *parse_hex("03000000 01100000 00000000 01 03000000");
  for (const auto& cuts : all_schedules(wire.size())) {
    SCOPED_TRACE(describe(cuts));
    CommandRecordParser p;
    const auto run = parse_all(p, wire, cuts);
    ASSERT_EQ(run.errors.size(), 1u);
    EXPECT_EQ(run.errors[0], RcError::record_too_large);
    EXPECT_EQ(run.consumed, 12u);
    EXPECT_TRUE(run.records.empty());
    EXPECT_TRUE(p.failed());
    EXPECT_EQ(p.feed(wire).consumed, 0u);
  }
  // A huge length never allocates.
  CommandRecordParser p;
  EXPECT_EQ(p.feed(*parse_hex("10000000 ffffffff 00000000")).error, RcError::record_too_large);
  // The bound itself is accepted.
  std::vector<std::uint8_t> max = *parse_hex("10000000 00100000 00000000");
  max.resize(max.size() + kMaxCommandPayload, 0xAB);
  CommandRecordParser ok;
  const auto run = parse_all(ok, max, {});
  EXPECT_TRUE(run.errors.empty());
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(std::get<UnknownRecord>(run.records[0]).raw.payload.size(), kMaxCommandPayload);
}

TEST(CommandRecords, ShortPayloadIsMalformedButFramingContinues) {
  // Power with no payload, POST code with 1 byte, VM status with 3, then a good health record.
  const auto wire = *parse_hex(
      "03000000 00000000 00000000"
      "05000000 01000000 00000000 12"
      "07000000 03000000 00000000 000100"
      "04000000 01000000 00000000 01");
  for (const auto& cuts : all_schedules(wire.size())) {
    SCOPED_TRACE(describe(cuts));
    CommandRecordParser p;
    const auto run = parse_all(p, wire, cuts);
    EXPECT_EQ(run.errors, (std::vector<std::error_code>(3, RcError::malformed_record)));
    EXPECT_EQ(run.records, std::vector<CommandRecord>{HealthStatus{1}});
    EXPECT_EQ(run.consumed, wire.size());
    EXPECT_FALSE(p.failed());
  }
}

TEST(CommandRecords, RandomGarbageNeverCrashes) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::uint8_t> data(rng() % 600);
    for (auto& b : data) {
      // Mostly small values so lengths are sometimes plausible.
      b = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : rng() % 20);
    }
    CommandRecordParser p;
    test::Cuts cuts;
    for (std::size_t i = 1; i < data.size(); i += 1 + rng() % 40) cuts.push_back(i);
    const auto run = parse_all(p, data, cuts);
    EXPECT_LE(run.consumed, data.size());
    if (!p.failed()) {
      EXPECT_EQ(run.consumed, data.size());
    }
  }
}

}  // namespace
}  // namespace ilo::rc
