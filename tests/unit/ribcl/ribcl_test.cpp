// Unit tests of the RIBCL core: requests built and parsed back, replies in the shapes iLOs
// send (recorded in python-hpilo's and proliantutils' test data, retyped here), a reply fed
// cut at every offset, and malformed or oversized input refused with a clear error.
#include <gtest/gtest.h>

#include <string>

#include "ribcl/boot_device.hpp"
#include "ribcl/ribcl_error.hpp"
#include "ribcl/ribcl_reply.hpp"
#include "ribcl/ribcl_request.hpp"

namespace {

using namespace ilo::ribcl;

// iLO 4 style: one document per element of the request, the payload in the fourth; MESSAGE
// in single quotes and the attributes on their own lines, as the firmware writes them.
constexpr std::string_view kOk =
    "<?xml version=\"1.0\"?>\n<RIBCL VERSION=\"2.23\">\n<RESPONSE\n    STATUS=\"0x0000\"\n"
    "    MESSAGE='No error'\n     />\n</RIBCL>\n";

std::string reply_with(std::string_view fourth) {
  std::string r;
  for (int i = 0; i < 3; ++i) r += kOk;
  r += fourth;
  for (int i = 0; i < 2; ++i) r += kOk;
  return r;
}

const std::string kGetOneTimeBoot = reply_with(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RIBCL VERSION=\"2.23\">\n"
    "   <RESPONSE STATUS=\"0x0000\" MESSAGE=\"No error\" />\n"
    "   <ONE_TIME_BOOT>\n      <BOOT_TYPE VALUE=\"Normal\" />\n   </ONE_TIME_BOOT>\n</RIBCL>\n");

const std::string kLoginFailed =
    std::string(kOk) +
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RIBCL VERSION=\"2.23\">\n"
    "   <RESPONSE STATUS=\"0x005F\" MESSAGE=\"Login failed.\" />\n</RIBCL>\n";

TEST(BootDevice, WordsAndNamesRoundTrip) {
  for (const auto d : {BootDevice::cd, BootDevice::usb, BootDevice::floppy, BootDevice::hdd,
                       BootDevice::network, BootDevice::normal}) {
    EXPECT_EQ(parse_boot_word(boot_word(d)), d);
    EXPECT_EQ(parse_ribcl_boot_name(ribcl_boot_name(d)), d);
  }
  EXPECT_EQ(ribcl_boot_name(BootDevice::cd), "CDROM");
  EXPECT_EQ(parse_ribcl_boot_name("Normal"), BootDevice::normal);
  EXPECT_EQ(parse_ribcl_boot_name("cdrom"), BootDevice::cd);
  EXPECT_FALSE(parse_ribcl_boot_name("RBSU"));
  EXPECT_FALSE(parse_boot_word("CD"));
  EXPECT_FALSE(parse_boot_word("cd "));
  EXPECT_FALSE(parse_boot_word(""));
}

TEST(Request, BuildsTheLoginAroundOneCommand) {
  auto body = build_request("Administrator", "s3cr\"t&<", set_one_time_boot(BootDevice::cd));
  ASSERT_TRUE(body) << body.detail();
  EXPECT_EQ(body->rfind("<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.0\">", 0), 0u)
      << body.value();
  EXPECT_NE(body->find("<SERVER_INFO MODE=\"write\"><SET_ONE_TIME_BOOT VALUE=\"CDROM\"/>"),
            std::string::npos)
      << body.value();
  // The password is escaped by the library and parses back exactly.
  auto parsed = parse_request(body.value());
  ASSERT_TRUE(parsed) << parsed.detail();
  EXPECT_EQ(parsed->user, "Administrator");
  EXPECT_EQ(parsed->password, "s3cr\"t&<");
  ASSERT_EQ(parsed->commands.size(), 1u);
  EXPECT_EQ(parsed->commands[0], set_one_time_boot(BootDevice::cd));
}

TEST(Request, RefusesControlCharactersInThePassword) {
  auto body = build_request("Administrator", std::string("a\0b", 3), get_one_time_boot());
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error(), RibclError::bad_request);
  EXPECT_EQ(body.detail().find(std::string("a\0b", 3)), std::string::npos);
}

TEST(Request, ParsesHpSampleSpelling) {
  // HP's sample scripts write the attribute in lower case, with spaces around '='.
  const std::string body =
      "<RIBCL VERSION=\"2.0\">\n <LOGIN USER_LOGIN=\"adminname\" PASSWORD=\"password\">\n"
      "  <SERVER_INFO MODE=\"write\">\n   <SET_ONE_TIME_BOOT value = \"FLOPPY\"/>\n"
      "  </SERVER_INFO>\n </LOGIN>\n</RIBCL>\n";
  auto parsed = parse_request(body);
  ASSERT_TRUE(parsed) << parsed.detail();
  ASSERT_EQ(parsed->commands.size(), 1u);
  EXPECT_EQ(parsed->commands[0].value, "FLOPPY");
  EXPECT_EQ(parsed->commands[0].mode, "write");
}

TEST(Request, MalformedRequestsAreRefused) {
  for (const std::string body : {"", "<RIBCL>", "<RIBCL VERSION=\"2.0\"></RIBCL>",
                                 "<FOO><LOGIN USER_LOGIN=\"a\" PASSWORD=\"b\"/></FOO>",
                                 "<RIBCL><LOGIN USER_LOGIN=\"a\"/></RIBCL>"}) {
    auto parsed = parse_request(body);
    EXPECT_FALSE(parsed) << body;
    if (!parsed) {
      EXPECT_EQ(parsed.error(), RibclError::malformed) << body;
    }
  }
  EXPECT_EQ(parse_request(std::string(kMaxRequestBytes + 1, ' ')).error(),
            RibclError::too_large);
}

TEST(Reply, ReadsTheRecordedOneTimeBoot) {
  auto device = parse_one_time_boot(kGetOneTimeBoot);
  ASSERT_TRUE(device) << device.detail();
  EXPECT_EQ(device.value(), BootDevice::normal);
  auto docs = split_documents(kGetOneTimeBoot);
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->size(), 6u);
}

TEST(Reply, ReadsTheRecordedHostPower) {
  const std::string power = reply_with(
      "<?xml version=\"1.0\"?>\n<RIBCL VERSION=\"2.23\">\n<RESPONSE\n    STATUS=\"0x0000\"\n"
      "    MESSAGE='No error'\n     />\n<GET_HOST_POWER\n    HOST_POWER=\"ON\"\n    />\n"
      "</RIBCL>\n");
  auto on = parse_host_power(power);
  ASSERT_TRUE(on) << on.detail();
  EXPECT_TRUE(on.value());
}

TEST(Reply, ReportsTheFirstNonZeroStatus) {
  auto r = check_reply(kLoginFailed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RibclError::login_failed);
  EXPECT_EQ(r.detail(), "STATUS 0x005F: Login failed.");

  const std::string unsupported = reply_with(
      "<?xml version=\"1.0\"?>\n<RIBCL VERSION=\"2.23\">\n<RESPONSE\n    STATUS=\"0x003C\"\n"
      "    MESSAGE='Feature not supported - GET_PENDING_BOOT_MODE'\n    />\n</RIBCL>\n"
      "<?xml version=\"1.0\"?>\n<RIBCL VERSION=\"2.23\">\n<RESPONSE STATUS=\"0x0001\" "
      "MESSAGE='second'/>\n</RIBCL>\n");
  r = check_reply(unsupported);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RibclError::ilo_status);
  EXPECT_EQ(r.detail(), "STATUS 0x003C: Feature not supported - GET_PENDING_BOOT_MODE");
  // A status error wins over a missing payload.
  EXPECT_EQ(parse_one_time_boot(kLoginFailed).error(), RibclError::login_failed);
}

TEST(Reply, MessagesAreSanitisedBeforeTheyReachALog) {
  const std::string evil = std::string(kOk) +
                           "<?xml version=\"1.0\"?><RIBCL><RESPONSE STATUS=\"0x0002\" "
                           "MESSAGE=\"line&#10;two\x01\xff" +
                           std::string(300, 'A') + "\"/></RIBCL>";
  auto r = check_reply(evil);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RibclError::ilo_status);
  EXPECT_EQ(r.detail().find('\n'), std::string::npos);
  EXPECT_EQ(r.detail().find('\x01'), std::string::npos);
  EXPECT_LT(r.detail().size(), 160u);
  EXPECT_NE(r.detail().find("line two??"), std::string::npos) << r.detail();
}

TEST(Reply, EveryTruncationIsAnErrorOrAValueNeverACrash) {
  // Cut at every offset: a prefix either still reads (cut after a whole document) or fails
  // with a RIBCL error; the whole reply reads.
  for (std::size_t n = 0; n <= kGetOneTimeBoot.size(); ++n) {
    auto r = parse_one_time_boot(std::string_view(kGetOneTimeBoot).substr(0, n));
    if (!r) {
      EXPECT_EQ(r.error().category(), ribcl_category()) << n;
    }
  }
  // Each single byte flipped: never a crash.
  for (std::size_t i = 0; i < kGetOneTimeBoot.size(); ++i) {
    std::string flipped = kGetOneTimeBoot;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    (void)parse_one_time_boot(flipped);
  }
}

TEST(Reply, MalformedRepliesAreRefusedClearly) {
  EXPECT_EQ(check_reply("").error(), RibclError::no_documents);
  EXPECT_EQ(check_reply(" \r\n").error(), RibclError::no_documents);
  EXPECT_EQ(check_reply("HTTP/1.1 200 OK").error(), RibclError::malformed);
  EXPECT_EQ(check_reply(std::string("junk") + std::string(kOk)).error(), RibclError::malformed);
  EXPECT_EQ(check_reply("<?xml version=\"1.0\"?><RIBCL><RESPONSE/></RIBCL>").error(),
            RibclError::malformed);  // no STATUS
  EXPECT_EQ(check_reply("<?xml version=\"1.0\"?><RIBCL><RESPONSE STATUS=\"zz\"/></RIBCL>")
                .error(),
            RibclError::malformed);
  EXPECT_EQ(check_reply("<?xml version=\"1.0\"?><OTHER/>").error(), RibclError::malformed);
  EXPECT_EQ(check_reply("<?xml version=\"1.0\"?><RIBCL><unclosed></RIBCL>").error(),
            RibclError::malformed);
  // A DTD is skipped and its entities are not expanded or fetched (pugixml has no DTD support).
  EXPECT_TRUE(check_reply("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                          "\"file:///etc/passwd\">]><RIBCL><RESPONSE STATUS=\"0x0\"/>"
                          "<P>&x;</P></RIBCL>"));
  EXPECT_EQ(check_reply(std::string(kMaxReplyBytes + 1, ' ')).error(), RibclError::too_large);
  std::string many;
  for (std::size_t i = 0; i <= kMaxDocuments; ++i) many += kOk;
  EXPECT_EQ(check_reply(many).error(), RibclError::too_large);
  // A deep nest inside the size limit is parsed without recursion trouble.
  std::string deep = "<?xml version=\"1.0\"?><RIBCL><RESPONSE STATUS=\"0x0\"/>";
  for (int i = 0; i < 20000; ++i) deep += "<a>";
  EXPECT_FALSE(check_reply(deep));
  // No ONE_TIME_BOOT, or an unknown device.
  EXPECT_EQ(parse_one_time_boot(std::string(kOk)).error(), RibclError::missing_element);
  EXPECT_EQ(parse_one_time_boot(reply_with("<?xml version=\"1.0\"?><RIBCL><RESPONSE "
                                           "STATUS=\"0x0\"/><ONE_TIME_BOOT><BOOT_TYPE "
                                           "VALUE=\"RBSU\"/></ONE_TIME_BOOT></RIBCL>"))
                .error(),
            RibclError::bad_value);
}

TEST(Reply, BuiltRepliesReadBack) {
  std::vector<ReplyDocument> docs(6);
  docs[3].payload = Element{"ONE_TIME_BOOT", {}, {Element{"BOOT_TYPE", {{"VALUE", "CDROM"}}, {}}}};
  const std::string text = build_reply(docs);
  auto device = parse_one_time_boot(text);
  ASSERT_TRUE(device) << device.detail() << text;
  EXPECT_EQ(device.value(), BootDevice::cd);
  EXPECT_EQ(split_documents(text)->size(), 6u);

  std::vector<ReplyDocument> refused(2);
  refused[1].status = kStatusLoginFailed;
  refused[1].message = "Login failed.";
  EXPECT_EQ(check_reply(build_reply(refused)).error(), RibclError::login_failed);
}

}  // namespace
