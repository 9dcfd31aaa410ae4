// vm_status (GET form): the fixture parses to its two drives, each field of each drive and of
// the top level missing or mistyped gives its exact error (with the element path), and
// serialise(parse(fixture)) is the compact fixture.
#include "rest/vm_status.hpp"

#include <gtest/gtest.h>

#include "rest_test_support.hpp"

namespace ilo::rest {
namespace {

using test::Ordered;

std::string vm_status_body() { return test::read_fixture("vm_status.json"); }

TEST(VmStatus, FixtureParses) {
  auto r = parse_vm_status(vm_status_body());
  ASSERT_TRUE(r) << r.detail();
  const VmDriveStatus& floppy = r->options[VmStatus::kFloppy];
  const VmDriveStatus& cd = r->options[VmStatus::kCdrom];
  EXPECT_EQ(floppy.device, "FLOPPY");
  EXPECT_EQ(cd.device, "CDROM");
  for (const VmDriveStatus* d : {&floppy, &cd}) {
    EXPECT_FALSE(d->image_inserted);
    EXPECT_EQ(d->boot_option, "NO_BOOT");
    EXPECT_FALSE(d->write_protect_flag || d->vm_url_connected || d->vm_connected);
    EXPECT_EQ(d->image_url, "");
    EXPECT_EQ(d->image_url_file, "");
  }
  EXPECT_EQ(r->port, 17988);
  EXPECT_FALSE(r->device || r->boot_option || r->command);
  EXPECT_TRUE(r->legacy_bios);
}

TEST(VmStatus, RoundTripIsTheCompactFixture) {
  auto r = parse_vm_status(vm_status_body());
  ASSERT_TRUE(r) << r.detail();
  const std::string out = serialise(r.value());
  const std::string drive = R"("image_inserted":0,"boot_option":"NO_BOOT","write_protect_flag":0,)"
                            R"("vm_url_connected":0,"vm_connected":0,"image_url":"",)"
                            R"("image_url_file":"")";
  EXPECT_EQ(out, R"({"options":[{"device":"FLOPPY",)" + drive + R"(},{"device":"CDROM",)" +
                     drive +
                     R"(}],"port":17988,"device":null,"boot_option":null,"command":null,)"
                     R"("legacy_bios":1})");
  EXPECT_EQ(out, test::compact_fixture("vm_status.json"));
  EXPECT_TRUE(test::no_whitespace_outside_strings(out));
  // The Java client splits arrays of objects on the literal "},{".
  EXPECT_NE(out.find("},{"), std::string::npos);
}

TEST(VmStatus, ConnectedUrlMediaRoundTrips) {
  auto r = parse_vm_status(vm_status_body());
  ASSERT_TRUE(r);
  VmStatus s = r.value();
  VmDriveStatus& cd = s.options[VmStatus::kCdrom];
  cd.image_inserted = cd.vm_url_connected = cd.vm_connected = true;
  cd.boot_option = "CONNECT";
  cd.image_url = "http://10.0.0.1/boot.iso";
  cd.image_url_file = "boot.iso";
  s.device = "CDROM";
  const std::string out = serialise(s);
  EXPECT_TRUE(test::no_whitespace_outside_strings(out));
  auto back = parse_vm_status(out);
  ASSERT_TRUE(back) << back.detail();
  EXPECT_EQ(back.value(), s);
}

TEST(VmStatus, OptionsMustBeTwoObjects) {
  const std::string want = "vm_status: field 'options' must be an array of 2 objects";
  for (const Ordered& bad : {Ordered::object(), Ordered("x"), Ordered::array()}) {
    auto r = parse_vm_status(test::with(vm_status_body(), "/options", bad));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), RestError::wrong_type);
    EXPECT_EQ(r.detail(), want);
  }
  auto one = parse_vm_status(test::without(vm_status_body(), "/options/1"));
  ASSERT_FALSE(one);
  EXPECT_EQ(one.detail(), want);
  Ordered j = Ordered::parse(vm_status_body());
  j["options"].push_back(j["options"][0]);
  auto three = parse_vm_status(j.dump());
  ASSERT_FALSE(three);
  EXPECT_EQ(three.detail(), want);

  auto missing = parse_vm_status(test::without(vm_status_body(), "/options"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RestError::missing_field);
  EXPECT_EQ(missing.detail(), "vm_status: field 'options' is missing");

  auto not_object = parse_vm_status(test::with(vm_status_body(), "/options/1", 1));
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error(), RestError::wrong_type);
  EXPECT_EQ(not_object.detail(), "vm_status: field 'options[1]' must be an object");
}

struct DriveField {
  const char* name;
  bool is_flag;
};

class VmStatusDriveField : public ::testing::TestWithParam<std::tuple<int, DriveField>> {};

TEST_P(VmStatusDriveField, MissingAndMistyped) {
  const auto [index, f] = GetParam();
  const std::string pointer = "/options/" + std::to_string(index) + "/" + f.name;
  const std::string path = "options[" + std::to_string(index) + "]." + f.name;

  auto missing = parse_vm_status(test::without(vm_status_body(), pointer));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RestError::missing_field);
  EXPECT_EQ(missing.detail(), "vm_status: field '" + path + "' is missing");

  auto mistyped = parse_vm_status(
      test::with(vm_status_body(), pointer, f.is_flag ? Ordered(nullptr) : Ordered(0)));
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error(), RestError::wrong_type);
  EXPECT_EQ(mistyped.detail(), "vm_status: field '" + path + "' must be a " +
                                   (f.is_flag ? "number" : "string"));
  if (f.is_flag) {
    auto two = parse_vm_status(test::with(vm_status_body(), pointer, -1));
    ASSERT_FALSE(two);
    EXPECT_EQ(two.detail(), "vm_status: field '" + path + "' must be 0 or 1");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fields, VmStatusDriveField,
    ::testing::Combine(::testing::Values(0, 1),
                       ::testing::Values(DriveField{"device", false},
                                         DriveField{"image_inserted", true},
                                         DriveField{"boot_option", false},
                                         DriveField{"write_protect_flag", true},
                                         DriveField{"vm_url_connected", true},
                                         DriveField{"vm_connected", true},
                                         DriveField{"image_url", false},
                                         DriveField{"image_url_file", false})),
    [](const auto& p) {
      return "options" + std::to_string(std::get<0>(p.param)) + "_" + std::get<1>(p.param).name;
    });

TEST(VmStatus, TopLevelFields) {
  auto no_port = parse_vm_status(test::without(vm_status_body(), "/port"));
  ASSERT_FALSE(no_port);
  EXPECT_EQ(no_port.detail(), "vm_status: field 'port' is missing");
  auto bad_port = parse_vm_status(test::with(vm_status_body(), "/port", "17988"));
  ASSERT_FALSE(bad_port);
  EXPECT_EQ(bad_port.detail(), "vm_status: field 'port' must be a number");
  auto zero_port = parse_vm_status(test::with(vm_status_body(), "/port", 0));
  ASSERT_FALSE(zero_port);
  EXPECT_EQ(zero_port.detail(), "vm_status: field 'port' must be an integer in 1-65535");

  auto no_bios = parse_vm_status(test::without(vm_status_body(), "/legacy_bios"));
  ASSERT_FALSE(no_bios);
  EXPECT_EQ(no_bios.detail(), "vm_status: field 'legacy_bios' is missing");

  for (const char* f : {"device", "boot_option", "command"}) {
    auto bad = parse_vm_status(test::with(vm_status_body(), std::string("/") + f, 3));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), RestError::wrong_type);
    EXPECT_EQ(bad.detail(), std::string("vm_status: field '") + f + "' must be a string or null");
    auto absent = parse_vm_status(test::without(vm_status_body(), std::string("/") + f));
    EXPECT_TRUE(absent) << absent.detail();
  }
}

}  // namespace
}  // namespace ilo::rest
