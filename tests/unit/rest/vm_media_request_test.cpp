// POST /json/vm_status bodies: insert / connect / eject built exactly in the Java client's key
// order, control characters stripped from URLs, non-UTF-8 refused, and the simulator's parser
// reads them back and refuses malformed requests with the field named.
#include "rest/vm_media_request.hpp"

#include <gtest/gtest.h>

#include "rest_test_support.hpp"

namespace ilo::rest {
namespace {

using test::kKey;
using test::key;

TEST(VmMediaRequest, BuildsInsertConnectEject) {
  auto insert = build_vm_insert(VmDevice::cdrom, "http://h/a.iso", key());
  ASSERT_TRUE(insert);
  EXPECT_EQ(insert.value(),
            R"({"method":"set_virtual_media_options","device":"CDROM","command":"INSERT",)"
            R"("url":"http://h/a.iso","session_key":"0123456789abcdef0123456789abcdef"})");
  auto connect = build_vm_connect(VmDevice::floppy, "http://h/f.img", key());
  ASSERT_TRUE(connect);
  EXPECT_EQ(connect.value(),
            R"({"method":"set_virtual_media_options","device":"FLOPPY","boot_option":"CONNECT",)"
            R"("command":"SET","url":"http://h/f.img",)"
            R"("session_key":"0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(build_vm_eject(VmDevice::cdrom, key()),
            R"({"method":"set_virtual_media_options","device":"CDROM","command":"EJECT",)"
            R"("session_key":"0123456789abcdef0123456789abcdef"})");
  for (const std::string& s : {insert.value(), connect.value(), build_vm_eject(VmDevice::floppy, key())})
    EXPECT_TRUE(test::no_whitespace_outside_strings(s));
}

TEST(VmMediaRequest, UrlControlCharactersRemovedAndUtf8Required) {
  auto insert = build_vm_insert(VmDevice::cdrom, "http://h/\r\na\tb\x7f.iso\x01", key());
  ASSERT_TRUE(insert);
  EXPECT_NE(insert.value().find(R"("url":"http://h/ab.iso")"), std::string::npos);
  auto bad = build_vm_insert(VmDevice::cdrom, "http://h/\xe2\x82.iso", key());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), RestError::not_utf8);
  EXPECT_EQ(bad.detail(), "vm_status request: field 'url' is not valid UTF-8");
  EXPECT_FALSE(build_vm_connect(VmDevice::cdrom, "\xff", key()));
}

TEST(VmMediaRequest, SimulatorParsesWhatTheClientBuilds) {
  auto insert = parse_vm_media_request(build_vm_insert(VmDevice::floppy, "u", key()).value());
  ASSERT_TRUE(insert) << insert.detail();
  EXPECT_EQ(insert.value(),
            (VmMediaRequest{VmDevice::floppy, VmCommand::insert, std::nullopt, "u", key()}));
  auto connect = parse_vm_media_request(build_vm_connect(VmDevice::cdrom, "u", key()).value());
  ASSERT_TRUE(connect) << connect.detail();
  EXPECT_EQ(connect.value(),
            (VmMediaRequest{VmDevice::cdrom, VmCommand::set, "CONNECT", "u", key()}));
  auto eject = parse_vm_media_request(build_vm_eject(VmDevice::cdrom, key()));
  ASSERT_TRUE(eject) << eject.detail();
  EXPECT_EQ(eject.value(),
            (VmMediaRequest{VmDevice::cdrom, VmCommand::eject, std::nullopt, std::nullopt, key()}));
}

TEST(VmMediaRequest, SimulatorRefusesMalformedRequests) {
  const std::string insert = build_vm_insert(VmDevice::cdrom, "u", key()).value();
  const std::string connect = build_vm_connect(VmDevice::cdrom, "u", key()).value();
  struct Case {
    std::string body;
    RestError code;
    const char* detail;
  };
  const Case cases[] = {
      {test::without(insert, "/method"), RestError::missing_field,
       "vm_status request: field 'method' is missing"},
      {test::with(insert, "/method", "login"), RestError::bad_value,
       "vm_status request: field 'method' must be \"set_virtual_media_options\""},
      {test::without(insert, "/device"), RestError::missing_field,
       "vm_status request: field 'device' is missing"},
      {test::with(insert, "/device", "USB"), RestError::bad_value,
       "vm_status request: field 'device' must be \"FLOPPY\" or \"CDROM\""},
      {test::with(insert, "/device", 1), RestError::wrong_type,
       "vm_status request: field 'device' must be a string"},
      {test::without(insert, "/command"), RestError::missing_field,
       "vm_status request: field 'command' is missing"},
      {test::with(insert, "/command", "insert"), RestError::bad_value,
       "vm_status request: field 'command' must be \"INSERT\", \"SET\" or \"EJECT\""},
      {test::without(insert, "/url"), RestError::missing_field,
       "vm_status request: field 'url' is missing (required by INSERT)"},
      {test::with(insert, "/url", 5), RestError::wrong_type,
       "vm_status request: field 'url' must be a string or null"},
      {test::without(connect, "/boot_option"), RestError::missing_field,
       "vm_status request: field 'boot_option' is missing (required by SET)"},
      {test::without(insert, "/session_key"), RestError::missing_field,
       "vm_status request: field 'session_key' is missing"},
      {test::with(insert, "/session_key", "abc"), RestError::bad_value,
       "vm_status request: field 'session_key' must be 32 lower-case hex digits"},
  };
  for (const Case& c : cases) {
    auto r = parse_vm_media_request(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error(), c.code) << c.body;
    EXPECT_EQ(r.detail(), c.detail);
  }
}

}  // namespace
}  // namespace ilo::rest
