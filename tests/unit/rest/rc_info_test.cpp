// rc_info: the fixture parses to the captured values, enc_key is kept as text and decoded,
// optional_features becomes rc::OptionalFeatures flags, each required field missing/mistyped gives its exact error, ranges,
// secrets never appear in errors, and serialise(parse(fixture)) is the compact fixture.
#include "rest/rc_info.hpp"

#include <gtest/gtest.h>

#include "rest/rest_error.hpp"
#include "rest_test_support.hpp"

namespace ilo::rest {
namespace {

using test::Ordered;

constexpr std::string_view kCompact =
    R"({"enc_key":"bbAcD834680DDca9DE65269512BDdEC2","enc_type":0,"rc_port":17990,)"
    R"("vm_key":"bbAcD834680DDca9DE65269512BDdEC2","vm_port":17988,)"
    R"("cmd_enc_key":"cb5aa6a8ce1350c4bc28ea2c3c0c431b","protocol_version":"1.1",)"
    R"("optional_features":"ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD","server_name":"",)"
    R"("ilo_fqdn":"ILOCZ161000EH","blade":0,"bay":null,"enclosure":null})";

std::string rc_info_body() { return test::read_fixture("rc_info.json"); }

TEST(RcInfo, FixtureParses) {
  auto r = parse_rc_info(rc_info_body());
  ASSERT_TRUE(r) << r.detail();
  const RcInfo& i = r.value();
  EXPECT_EQ(i.enc_key.text(), "bbAcD834680DDca9DE65269512BDdEC2");  // case kept
  const EncKey::KeyBytes expected{0xbb, 0xac, 0xd8, 0x34, 0x68, 0x0d, 0xdc, 0xa9,
                                  0xde, 0x65, 0x26, 0x95, 0x12, 0xbd, 0xde, 0xc2};
  EXPECT_EQ(i.enc_key.bytes(), expected);
  EXPECT_EQ(i.enc_type, 0);
  EXPECT_EQ(i.rc_port, 17990);
  EXPECT_EQ(i.vm_key, "bbAcD834680DDca9DE65269512BDdEC2");
  EXPECT_EQ(i.vm_port, 17988);
  EXPECT_EQ(i.cmd_enc_key, "cb5aa6a8ce1350c4bc28ea2c3c0c431b");
  EXPECT_EQ(i.protocol_version, "1.1");
  EXPECT_TRUE(i.optional_features.encrypt_key);
  EXPECT_TRUE(i.optional_features.encrypt_vmkey);
  EXPECT_TRUE(i.optional_features.encrypt_cmd);
  EXPECT_EQ(i.server_name, "");
  EXPECT_EQ(i.ilo_fqdn, "ILOCZ161000EH");
  EXPECT_FALSE(i.blade);
  EXPECT_FALSE(i.bay);
  EXPECT_FALSE(i.enclosure);
}

TEST(RcInfo, SerialisesCompactlyInTheFixtureOrder) {
  auto r = parse_rc_info(rc_info_body());
  ASSERT_TRUE(r) << r.detail();
  const std::string out = serialise(r.value());
  EXPECT_EQ(out, kCompact);
  EXPECT_EQ(out, test::compact_fixture("rc_info.json"));
  EXPECT_TRUE(test::no_whitespace_outside_strings(out));
  auto again = parse_rc_info(out);
  ASSERT_TRUE(again) << again.detail();
  EXPECT_EQ(again.value(), r.value());
}

TEST(RcInfo, BladeFieldsRoundTrip) {
  std::string body = test::with(rc_info_body(), "/blade", 1);
  body = test::with(body, "/bay", 7);
  body = test::with(body, "/enclosure", "enc-a");
  auto r = parse_rc_info(body);
  ASSERT_TRUE(r) << r.detail();
  EXPECT_TRUE(r->blade);
  EXPECT_EQ(r->bay, 7);
  EXPECT_EQ(r->enclosure, "enc-a");
  EXPECT_EQ(serialise(r.value()), body);
}

TEST(RcInfo, BayAndEnclosureMayBeAbsent) {
  auto r = parse_rc_info(test::without(test::without(rc_info_body(), "/bay"), "/enclosure"));
  ASSERT_TRUE(r) << r.detail();
  EXPECT_FALSE(r->bay);
  EXPECT_FALSE(r->enclosure);
  // Written back as null, as the iLO does.
  EXPECT_EQ(serialise(r.value()), kCompact);
}

TEST(RcInfo, UnusedFieldsAreOptional) {
  std::string body = rc_info_body();
  for (const char* f : {"/enc_type", "/vm_key", "/cmd_enc_key"}) body = test::without(body, f);
  auto r = parse_rc_info(body);
  ASSERT_TRUE(r) << r.detail();
  EXPECT_FALSE(r->enc_type);
  EXPECT_FALSE(r->vm_key);
  EXPECT_FALSE(r->cmd_enc_key);
  EXPECT_EQ(serialise(r.value()), body);  // not invented on output
}

struct FieldCase {
  const char* field;
  Ordered wrong;     // a value of the wrong JSON type
  const char* rule;  // the message for it
};

// A field of the wrong JSON type is refused with its name and rule (required or optional).
void expect_mistyped_field_named(const FieldCase& c) {
  auto r = parse_rc_info(test::with(rc_info_body(), std::string("/") + c.field, c.wrong));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RestError::wrong_type);
  EXPECT_EQ(r.detail(), std::string("rc_info: field '") + c.field + "' " + c.rule);
}

class RcInfoRequired : public ::testing::TestWithParam<FieldCase> {};

TEST_P(RcInfoRequired, MissingFieldIsNamed) {
  const FieldCase& c = GetParam();
  auto r = parse_rc_info(test::without(rc_info_body(), std::string("/") + c.field));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RestError::missing_field);
  EXPECT_EQ(r.detail(), std::string("rc_info: field '") + c.field + "' is missing");
}

TEST_P(RcInfoRequired, MistypedFieldIsNamed) {
  expect_mistyped_field_named(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, RcInfoRequired,
    ::testing::Values(FieldCase{"enc_key", 5, "must be a string"},
                      FieldCase{"rc_port", "17990", "must be a number"},
                      FieldCase{"vm_port", nullptr, "must be a number"},
                      FieldCase{"protocol_version", 1.1, "must be a string"},
                      FieldCase{"optional_features", Ordered::array(), "must be a string"},
                      FieldCase{"server_name", nullptr, "must be a string"},
                      FieldCase{"ilo_fqdn", Ordered::object(), "must be a string"},
                      FieldCase{"blade", true, "must be a number"}),
    [](const auto& p) { return std::string(p.param.field); });

class RcInfoOptional : public ::testing::TestWithParam<FieldCase> {};

TEST_P(RcInfoOptional, MistypedFieldIsNamed) {
  expect_mistyped_field_named(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, RcInfoOptional,
    ::testing::Values(FieldCase{"enc_type", "0", "must be a number or null"},
                      FieldCase{"vm_key", 1, "must be a string or null"},
                      FieldCase{"cmd_enc_key", Ordered::array(), "must be a string or null"},
                      FieldCase{"bay", "1", "must be a number or null"},
                      FieldCase{"enclosure", 0, "must be a string or null"}),
    [](const auto& p) { return std::string(p.param.field); });

TEST(RcInfo, PortRange) {
  for (const char* port : {"/rc_port", "/vm_port"}) {
    for (const Ordered& bad : {Ordered(0), Ordered(65536), Ordered(-1), Ordered(17990.5),
                               Ordered(17990.0), Ordered(18446744073709551615u)}) {
      auto r = parse_rc_info(test::with(rc_info_body(), port, bad));
      ASSERT_FALSE(r) << port << " " << bad.dump();
      EXPECT_EQ(r.error(), RestError::bad_value);
      EXPECT_EQ(r.detail(),
                std::string("rc_info: field '") + (port + 1) + "' must be an integer in 1-65535");
    }
    for (int good : {1, 65535}) {
      auto r = parse_rc_info(test::with(rc_info_body(), port, good));
      ASSERT_TRUE(r) << r.detail();
    }
  }
}

TEST(RcInfo, BladeIsZeroOrOne) {
  auto r = parse_rc_info(test::with(rc_info_body(), "/blade", 2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RestError::bad_value);
  EXPECT_EQ(r.detail(), "rc_info: field 'blade' must be 0 or 1");
}

TEST(RcInfo, EncKeyShapeIsCheckedAndNeverQuoted) {
  for (const char* bad : {"bbAcD834680DDca9DE65269512BDdEC",     // 31
                          "bbAcD834680DDca9DE65269512BDdEC2a",   // 33
                          "bbAcD834680DDca9DE65269512BDdEG2",    // G
                          "bbAcD834680DDca9DE65269512BD EC2",    // space
                          ""}) {
    auto r = parse_rc_info(test::with(rc_info_body(), "/enc_key", bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), RestError::bad_value);
    EXPECT_EQ(r.detail(), "rc_info: field 'enc_key' must be 32 hex digits");
  }
}

TEST(RcInfo, FeaturesParsedIntoFlags) {
  auto only_vm = parse_rc_info(test::with(rc_info_body(), "/optional_features", "ENCRYPT_VMKEY"));
  ASSERT_TRUE(only_vm) << only_vm.detail();
  EXPECT_EQ(only_vm->optional_features, (rc::OptionalFeatures{false, true, false}));
  auto none = parse_rc_info(test::with(rc_info_body(), "/optional_features", ""));
  ASSERT_TRUE(none) << none.detail();
  EXPECT_EQ(none->optional_features, rc::OptionalFeatures{});
  EXPECT_NE(serialise(none.value()).find(R"("optional_features":"",)"), std::string::npos);
  // Whole names, case-sensitive; unknown names ignored (and not written back).
  auto odd = parse_rc_info(
      test::with(rc_info_body(), "/optional_features", "encrypt_key;ENCRYPT_KEYS;FUTURE;ENCRYPT_CMD"));
  ASSERT_TRUE(odd) << odd.detail();
  EXPECT_EQ(odd->optional_features, (rc::OptionalFeatures{false, false, true}));
  EXPECT_NE(serialise(odd.value()).find(R"("optional_features":"ENCRYPT_CMD",)"),
            std::string::npos);
}

TEST(RcInfo, BuiltBySimulatorRoundTrips) {
  RcInfo info(EncKey::from_text("0123456789ABCDEFabcdef0123456789").value());
  info.rc_port = 1;
  info.vm_port = 65535;
  info.protocol_version = "1.1";
  info.optional_features = rc::OptionalFeatures{true, true, false};
  info.ilo_fqdn = "sim";
  const std::string out = serialise(info);
  EXPECT_EQ(out,
            R"({"enc_key":"0123456789ABCDEFabcdef0123456789","rc_port":1,"vm_port":65535,)"
            R"("protocol_version":"1.1","optional_features":"ENCRYPT_KEY;ENCRYPT_VMKEY",)"
            R"("server_name":"","ilo_fqdn":"sim","blade":0,"bay":null,"enclosure":null})");
  auto back = parse_rc_info(out);
  ASSERT_TRUE(back) << back.detail();
  EXPECT_EQ(back.value(), info);
}

}  // namespace
}  // namespace ilo::rest
