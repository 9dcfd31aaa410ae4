// The NBD server core: the fixed-newstyle handshake as QEMU's client runs it, READ, WRITE,
// FLUSH and DISC, the refusals, and every client stream fed whole, per byte and split at
// every offset.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bytes/hex.hpp"
#include "sim/nbd_server.hpp"

namespace ilo::sim {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put(Bytes& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes option(std::uint32_t opt, const Bytes& data) {
  Bytes b;
  put(b, nbd::kOptionMagic, 8);
  put(b, opt, 4);
  put(b, data.size(), 4);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes go(const std::string& name) {
  Bytes d;
  put(d, name.size(), 4);
  d.insert(d.end(), name.begin(), name.end());
  put(d, 1, 2);  // one info request
  put(d, 3, 2);  // NBD_INFO_BLOCK_SIZE
  return option(nbd::kOptGo, d);
}

Bytes request(std::uint16_t type, std::uint64_t handle, std::uint64_t offset,
              std::uint32_t length) {
  Bytes b;
  put(b, nbd::kRequestMagic, 4);
  put(b, 0, 2);
  put(b, type, 2);
  put(b, handle, 8);
  put(b, offset, 8);
  put(b, length, 4);
  return b;
}

// What QEMU's client sends: flags, STRUCTURED_REPLY (refused), GO, then the commands.
Bytes session(bool with_write) {
  Bytes b;
  put(b, nbd::kFlagFixedNewstyle | nbd::kFlagNoZeroes, 4);
  const auto sr = option(8, {});
  b.insert(b.end(), sr.begin(), sr.end());
  const auto g = go("");
  b.insert(b.end(), g.begin(), g.end());
  for (const auto& r : {request(0, 1, 4096, 8192), request(3, 2, 0, 0),
                        request(4, 3, 0, 512),          // TRIM: not offered
                        request(0, 4, 1 << 20, 4096)})  // past the end
    b.insert(b.end(), r.begin(), r.end());
  if (with_write) {
    auto w = request(1, 5, 512, 4);
    w.insert(w.end(), {0xDE, 0xAD, 0xBE, 0xEF});
    b.insert(b.end(), w.begin(), w.end());
  }
  const auto d = request(2, 6, 0, 0);
  b.insert(b.end(), d.begin(), d.end());
  return b;
}

std::string hex(const Bytes& b) { return to_hex(std::span<const std::uint8_t>(b)); }

struct Outcome {
  std::vector<NbdRequest> requests;
  Bytes out;
  NbdServer::Phase phase;
  std::uint64_t rejected;
};

Outcome run(const Bytes& in, std::size_t cut, bool read_only) {
  NbdServer s({.size = 65536, .read_only = read_only});
  Outcome r;
  std::size_t at = 0;
  while (at < in.size()) {
    const std::size_t n = std::min(cut, in.size() - at);
    const std::size_t used = s.feed(std::span(in).subspan(at, n));
    at += used;
    while (s.has_request()) r.requests.push_back(s.take_request());
    if (used < n) break;
  }
  auto o = s.take_output();
  r.out = o;
  r.phase = s.phase();
  r.rejected = s.rejected();
  return r;
}

TEST(NbdServer, GreetingIsFixedNewstyleWithNoZeroes) {
  NbdServer s({.size = 4096, .read_only = true});
  EXPECT_EQ(hex(s.take_output()), "4e42444d41474943" "49484156454f5054" "0003");
}

TEST(NbdServer, HandshakeGoAndCommands) {
  const Bytes in = session(true);
  const Outcome whole = run(in, in.size(), true);
  EXPECT_EQ(whole.phase, NbdServer::Phase::closed);
  ASSERT_EQ(whole.requests.size(), 2u);  // READ and FLUSH; the rest answered by the core
  EXPECT_EQ(whole.requests[0].type, nbd::Command::read);
  EXPECT_EQ(whole.requests[0].handle, 1u);
  EXPECT_EQ(whole.requests[0].offset, 4096u);
  EXPECT_EQ(whole.requests[0].length, 8192u);
  EXPECT_EQ(whole.requests[1].type, nbd::Command::flush);
  EXPECT_EQ(whole.rejected, 3u);  // TRIM, the read past the end, the write (read-only)
  const std::string out = hex(whole.out);
  const std::string greeting = "4e42444d4147494349484156454f50540003";
  const std::string unsupported = "0003e889045565a9" "00000008" "80000001" "00000000";
  const std::string info = "0003e889045565a9" "00000007" "00000003" "0000000c"
                           "0000" "0000000000010000" "0007";  // size 65536; flags, RO, FLUSH
  const std::string ack = "0003e889045565a9" "00000007" "00000001" "00000000";
  const std::string einval3 = "67446698" "00000016" "0000000000000003";
  const std::string einval4 = "67446698" "00000016" "0000000000000004";
  const std::string eperm5 = "67446698" "00000001" "0000000000000005";
  EXPECT_EQ(out, greeting + unsupported + info + ack + einval3 + einval4 + eperm5);
  for (std::size_t cut = 1; cut < in.size(); ++cut) {
    const Outcome split = run(in, cut, true);
    EXPECT_EQ(hex(split.out), out) << "cut " << cut;
    EXPECT_EQ(split.requests.size(), 2u) << "cut " << cut;
  }
}

TEST(NbdServer, WriteCarriesItsDataAtEverySplit) {
  const Bytes in = session(true);
  for (std::size_t cut = 1; cut <= in.size(); ++cut) {
    const Outcome r = run(in, cut, false);
    ASSERT_EQ(r.requests.size(), 3u) << "cut " << cut;
    EXPECT_EQ(r.requests[2].type, nbd::Command::write);
    EXPECT_EQ(r.requests[2].offset, 512u);
    EXPECT_EQ(hex(r.requests[2].data), "deadbeef");
    EXPECT_EQ(r.phase, NbdServer::Phase::closed);
  }
}

TEST(NbdServer, RepliesCarryReadData) {
  NbdServer s({.size = 8192, .read_only = true});
  Bytes in;
  put(in, 3, 4);
  const auto g = go("cd");
  in.insert(in.end(), g.begin(), g.end());
  const auto r = request(0, 0x1122334455667788, 2048, 4);
  in.insert(in.end(), r.begin(), r.end());
  s.feed(in);
  (void)s.take_output();
  ASSERT_TRUE(s.has_request());
  const auto q = s.take_request();
  const Bytes data{1, 2, 3, 4};
  s.reply(q.handle, nbd::kOk, data);
  EXPECT_EQ(hex(s.take_output()), "67446698" "00000000" "1122334455667788" "01020304");
  s.reply(9, nbd::kEio);
  EXPECT_EQ(hex(s.take_output()), "67446698" "00000005" "0000000000000009");
}

TEST(NbdServer, ExportNameAbortAndBrokenStreams) {
  {  // NBD_OPT_EXPORT_NAME without NO_ZEROES: size, flags, 124 zeros
    NbdServer s({.size = 4096, .read_only = true});
    (void)s.take_output();
    Bytes in;
    put(in, nbd::kFlagFixedNewstyle, 4);
    const auto o = option(nbd::kOptExportName, {});
    in.insert(in.end(), o.begin(), o.end());
    s.feed(in);
    const auto out = s.take_output();
    EXPECT_EQ(out.size(), 8u + 2 + 124);
    EXPECT_EQ(s.phase(), NbdServer::Phase::transmission);
  }
  {  // ABORT: ACK, then closed
    NbdServer s({.size = 4096, .read_only = true});
    (void)s.take_output();
    Bytes in;
    put(in, 3, 4);
    const auto o = option(nbd::kOptAbort, {});
    in.insert(in.end(), o.begin(), o.end());
    s.feed(in);
    EXPECT_EQ(hex(s.take_output()), "0003e889045565a9" "00000002" "00000001" "00000000");
    EXPECT_EQ(s.phase(), NbdServer::Phase::closed);
  }
  {  // old-style client flags, a bad option magic, a huge option, a bad request magic
    NbdServer a({.size = 4096, .read_only = true});
    const Bytes zero{0, 0, 0, 0};
    a.feed(zero);
    EXPECT_EQ(a.phase(), NbdServer::Phase::broken);
    NbdServer b({.size = 4096, .read_only = true});
    Bytes in;
    put(in, 3, 4);
    put(in, 0x1234, 8);
    put(in, 7, 4);
    put(in, 0, 4);
    b.feed(in);
    EXPECT_EQ(b.phase(), NbdServer::Phase::broken);
    NbdServer c({.size = 4096, .read_only = true});
    Bytes big;
    put(big, 3, 4);
    put(big, nbd::kOptionMagic, 8);
    put(big, nbd::kOptGo, 4);
    put(big, 0xFFFFFFFF, 4);
    c.feed(big);
    EXPECT_EQ(c.phase(), NbdServer::Phase::broken);
    NbdServer d({.size = 4096, .read_only = true});
    Bytes req;
    put(req, 3, 4);
    const auto g = go("");
    req.insert(req.end(), g.begin(), g.end());
    put(req, 0xBADBAD00, 4);
    req.insert(req.end(), 24, 0);
    d.feed(req);
    EXPECT_EQ(d.phase(), NbdServer::Phase::broken);
  }
}

TEST(NbdServer, RefusedWriteDataIsSkipped) {
  NbdServer s({.size = 4096, .read_only = false});
  Bytes in;
  put(in, 3, 4);
  const auto g = go("");
  in.insert(in.end(), g.begin(), g.end());
  auto w = request(1, 7, 4000, 200);  // past the end: EINVAL, its 200 bytes skipped
  w.insert(w.end(), 200, 0xAA);
  in.insert(in.end(), w.begin(), w.end());
  const auto r = request(0, 8, 0, 16);
  in.insert(in.end(), r.begin(), r.end());
  EXPECT_EQ(s.feed(in), in.size());
  ASSERT_TRUE(s.has_request());
  EXPECT_EQ(s.take_request().handle, 8u);
  EXPECT_EQ(s.rejected(), 1u);
}

}  // namespace
}  // namespace ilo::sim
