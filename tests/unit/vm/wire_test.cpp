// The virtual-media wire format: connect request (captured keys), connect response readers fed
// whole, per byte and at every split, 12-byte request framing at every split, reply headers,
// keep-alive, DISCONNECT and echo.
#include "vm/wire.hpp"

#include <gtest/gtest.h>

#include "vm/vm_error.hpp"
#include "vm_test_support.hpp"

namespace ilo::vm {
namespace {

using test::hex;

// The fixture's keys (hp-client-vm/transcript.json, also docs/rc-handshake.md#key-encoding).
constexpr std::string_view kSessionKey = "3973f4196e5e77bff7c6dcc15ab97b92";
constexpr std::string_view kEncKey = "bbAcD834680DDca9DE65269512BDdEC2";
constexpr std::string_view kCapturedConnect =
    "1082515b7650220c020d005d05217354035f2272550356555a040453207d53277a00";

TEST(VmConnectRequest, BuildsTheCapturedRequest) {
  std::error_code ec;
  auto bytes = build_connect_request(DeviceType::cdrom, true, kSessionKey, kEncKey, true, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(to_hex(bytes), kCapturedConnect);
}

TEST(VmConnectRequest, WithoutXorSendsTheKeyText) {
  std::error_code ec;
  auto bytes = build_connect_request(DeviceType::floppy, false, kSessionKey, "", false, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(bytes[0], 0x10);
  EXPECT_EQ(bytes[1], 0x01);
  EXPECT_EQ(std::string(bytes.begin() + 2, bytes.end()), kSessionKey);
}

TEST(VmConnectRequest, RejectsMalformedKeyText) {
  std::error_code ec;
  build_connect_request(DeviceType::cdrom, true, "short", kEncKey, true, ec);
  EXPECT_EQ(ec, VmError::bad_key_text);
  build_connect_request(DeviceType::cdrom, true, kSessionKey, "zz", true, ec);
  EXPECT_EQ(ec, VmError::bad_key_text);
  // enc_key is not needed without the XOR.
  build_connect_request(DeviceType::cdrom, true, kSessionKey, "zz", false, ec);
  EXPECT_FALSE(ec);
}

TEST(VmConnectRequest, ParsesAndValidates) {
  std::error_code ec;
  auto parsed = parse_connect_request(hex(kCapturedConnect), ec);
  ASSERT_TRUE(parsed) << ec.message();
  EXPECT_EQ(parsed->device, DeviceType::cdrom);
  EXPECT_TRUE(parsed->image_file);
  EXPECT_FALSE(validate_connect_key(*parsed, kSessionKey, kEncKey, true));
  // The same bytes are wrong if the server did not advertise ENCRYPT_VMKEY.
  EXPECT_EQ(validate_connect_key(*parsed, kSessionKey, kEncKey, false), VmError::bad_key);
  EXPECT_EQ(validate_connect_key(*parsed, "00000000000000000000000000000000", kEncKey, true),
            VmError::bad_key);
  EXPECT_EQ(validate_connect_key(*parsed, "x", kEncKey, true), VmError::bad_key_text);
  EXPECT_EQ(to_hex(encode_connect_request(*parsed)), kCapturedConnect);
}

TEST(VmConnectRequest, ParseRejectsBadShapes) {
  std::error_code ec;
  Bytes b = hex(kCapturedConnect);
  EXPECT_FALSE(parse_connect_request(std::span(b).first(33), ec));
  EXPECT_EQ(ec, VmError::bad_connect_request);
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_FALSE(parse_connect_request(longer, ec));
  EXPECT_EQ(ec, VmError::bad_connect_request);
  EXPECT_FALSE(parse_connect_request({}, ec));
  Bytes bad = b;
  bad[0] = 0x01;  // a console request
  EXPECT_FALSE(parse_connect_request(bad, ec));
  EXPECT_EQ(ec, VmError::bad_connect_request);
  for (int type : {0x00, 0x04, 0x80, 0x84, 0x7F}) {
    bad = b;
    bad[1] = static_cast<std::uint8_t>(type);
    EXPECT_FALSE(parse_connect_request(bad, ec)) << int(type);
    EXPECT_EQ(ec, VmError::bad_device_type);
  }
  for (int type : {0x01, 0x02, 0x03, 0x81, 0x83}) {
    bad = b;
    bad[1] = static_cast<std::uint8_t>(type);
    auto p = parse_connect_request(bad, ec);
    ASSERT_TRUE(p) << int(type);
    EXPECT_EQ(static_cast<int>(p->device), type & 0x7F);
    EXPECT_EQ(p->image_file, (type & 0x80) != 0);
  }
}

TEST(VmConnectResponse, AcceptAndRefusalBytes) {
  EXPECT_EQ(to_hex(build_connect_accept({0, 1})), "20000100");
  EXPECT_EQ(to_hex(build_connect_accept({2, 7})), "20000702");
  EXPECT_EQ(to_hex(build_connect_refusal(ConnectStatus::auth_failed)), "2200");
  EXPECT_EQ(connect_refusal_error(0x21), VmError::device_busy);
  EXPECT_EQ(connect_refusal_error(0x22), VmError::auth_failed);
  EXPECT_EQ(connect_refusal_error(0x23), VmError::not_licensed);
  EXPECT_EQ(connect_refusal_error(0x25), VmError::wrong_device_type);
  EXPECT_EQ(connect_refusal_error(0x26), VmError::no_privilege);
  EXPECT_EQ(connect_refusal_error(0x24), VmError::unexpected_response);
  EXPECT_EQ(connect_refusal_error(0x00), VmError::unexpected_response);
}

// Feeds `stream` in pieces cut at `split` (0 = whole, SIZE_MAX = one byte at a time) and
// returns the reader and how many bytes it used.
std::pair<ConnectResponseReader, std::size_t> read_response(const Bytes& stream,
                                                            std::size_t split) {
  ConnectResponseReader r;
  std::size_t used = 0;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t n = split == SIZE_MAX ? 1 : (split == 0 || at >= split ? stream.size() - at
                                                                        : split - at);
    used += r.feed(std::span(stream).subspan(at, n));
    at += n;
  }
  return {r, used};
}

TEST(VmConnectResponse, AcceptedAtEverySplit) {
  const Bytes stream = hex("20000100" "dec0ad0b");  // the response, then unrelated bytes
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    for (std::size_t mode : {split, SIZE_MAX}) {
      auto [r, used] = read_response(stream, mode);
      ASSERT_EQ(r.status(), ConnectResponseReader::Status::accepted) << split;
      EXPECT_EQ(used, 4u);
      EXPECT_EQ(r.version(), (ProtocolVersion{0, 1}));
      EXPECT_FALSE(r.error());
    }
  }
}

TEST(VmConnectResponse, RefusalUsesTwoBytes) {
  for (int c : {0x21, 0x22, 0x23, 0x25, 0x26, 0x99}) {
    const auto code = static_cast<std::uint8_t>(c);
    const Bytes stream{code, 0x00, 0x20, 0x00};
    for (std::size_t split = 0; split <= stream.size(); ++split) {
      auto [r, used] = read_response(stream, split);
      ASSERT_EQ(r.status(), ConnectResponseReader::Status::refused);
      EXPECT_EQ(used, 2u);
      EXPECT_EQ(r.error(), connect_refusal_error(code));
    }
  }
  ConnectResponseReader r;
  EXPECT_EQ(r.feed(hex("20")), 1u);
  EXPECT_EQ(r.status(), ConnectResponseReader::Status::need_more);
}

TEST(VmRequestFraming, TwelveBytesAtEverySplit) {
  const Bytes stream = hex("000000000000000000000000"
                           "4a0100001000000008000000"
                           "fe0000000102030405060708");
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    for (bool per_byte : {false, true}) {
      RequestReader rr;
      std::vector<Request> got;
      std::size_t at = 0;
      while (at < stream.size()) {
        const std::size_t piece =
            per_byte ? 1 : (at < split ? split - at : stream.size() - at);
        auto chunk = std::span(stream).subspan(at, piece);
        while (!chunk.empty()) {
          chunk = chunk.subspan(rr.feed(chunk));
          if (rr.complete()) {
            got.push_back(rr.bytes());
            rr.clear();
          }
        }
        at += piece;
      }
      ASSERT_EQ(got.size(), 3u) << split;
      EXPECT_EQ(to_hex(got[1]), "4a0100001000000008000000");
      EXPECT_TRUE(is_echo_request(got[2]));
      EXPECT_FALSE(is_echo_request(got[0]));
    }
  }
}

TEST(VmRequestFraming, MakeRequestPadsAndCuts) {
  EXPECT_EQ(to_hex(make_request(hex("25"))), "250000000000000000000000");
  EXPECT_EQ(to_hex(make_request(hex("a800000000100000000200000000ffff"))),
            "a80000000010000000020000");
  const std::array<std::uint8_t, 8> cookie{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(to_hex(build_echo_request(cookie)), "fe0000000102030405060708");
}

TEST(VmReplyHeader, EncodesAndParses) {
  ReplyHeader h;
  h.flags = kFlagWriteProtected;
  h.media = 0x24;
  h.sense = sense::kLbaOutOfRange;
  h.length = 0x00020000;
  const auto bytes = encode_reply_header(h);
  EXPECT_EQ(to_hex(bytes), "dec0ad0b010000002405210000000200");
  std::error_code ec;
  auto back = parse_reply_header(bytes, ec);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);
  EXPECT_FALSE(parse_reply_header(std::span(bytes).first(15), ec));
  EXPECT_EQ(ec, VmError::bad_magic);
  auto bad = bytes;
  bad[3] = 0x0C;
  EXPECT_FALSE(parse_reply_header(bad, ec));
  EXPECT_EQ(ec, VmError::bad_magic);
  // Unknown flag bits are returned, not judged.
  bad = bytes;
  bad[7] = 0x80;
  auto odd = parse_reply_header(bad, ec);
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->flags, 0x80000001u);
}

TEST(VmReplyHeader, KeepAliveAndDisconnectSendLengthZero) {
  // Java's keep-alive after the transcript's last GESN repeats its length 8
  // (docs/virtual-media.md#keep-alive); ours is 0.
  ReplyHeader previous;
  previous.media = 1;
  previous.length = 8;
  EXPECT_EQ(to_hex(build_keep_alive(previous)), "dec0ad0b020000000100000000000000");
  EXPECT_EQ(to_hex(build_disconnect(previous)), "dec0ad0b040000000100000000000000");
  previous.flags = kFlagWriteProtected | kFlagDisconnect;
  previous.media = 0x24;
  previous.sense = sense::kWriteProtected;
  EXPECT_EQ(to_hex(build_keep_alive(previous)), "dec0ad0b030000002407270000000000");
}

TEST(VmReplyHeader, EchoReturnsRequestBytes4To11) {
  const Request r = test::req("fe0000000102030405060708");
  const auto bytes = build_echo_reply(r, 0);
  EXPECT_EQ(to_hex(bytes), "dec0ad0b000000000102030405060708");
  EXPECT_EQ(to_hex(build_echo_reply(r, kFlagWriteProtected)), "dec0ad0b010000000102030405060708");
  std::error_code ec;
  auto h = parse_reply_header(bytes, ec);
  ASSERT_TRUE(h);
  EXPECT_EQ(to_hex(echo_cookie(*h)), "0102030405060708");
}

TEST(VmError, CategoryHasMessages) {
  for (int c = 1; c <= static_cast<int>(VmError::medium_io); ++c) {
    const std::error_code ec = make_error_code(static_cast<VmError>(c));
    EXPECT_EQ(std::string(ec.category().name()), "ilo.vm");
    EXPECT_NE(ec.message(), "unknown virtual-media error") << c;
  }
}

}  // namespace
}  // namespace ilo::vm
