// The QMP line core: greeting, replies by id, errors and events, fed whole and split at every
// offset; malformed lines break the channel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/qmp_channel.hpp"

namespace ilo::sim {
namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const std::string kStream =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}}, "
    "\"capabilities\": [\"oob\"]}}\r\n"
    "{\"return\": {}, \"id\": 1}\r\n"
    "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"SHUTDOWN\", "
    "\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n"
    "{\"id\": 2, \"error\": {\"class\": \"GenericError\", \"desc\": \"no such device\"}}\r\n";

std::vector<QmpMessage> feed_split(const std::string& s, std::size_t cut) {
  QmpChannel ch;
  std::vector<QmpMessage> out;
  for (std::size_t at = 0; at < s.size(); at += cut) {
    ch.feed(bytes(s.substr(at, cut)));
    while (auto m = ch.next()) out.push_back(std::move(*m));
  }
  EXPECT_FALSE(ch.broken());
  return out;
}

TEST(QmpChannel, GreetingRepliesErrorsAndEventsAtEverySplit) {
  for (std::size_t cut = 1; cut <= kStream.size(); ++cut) {
    const auto m = feed_split(kStream, cut);
    ASSERT_EQ(m.size(), 4u) << "cut " << cut;
    EXPECT_EQ(m[0].kind, QmpMessage::Kind::greeting);
    EXPECT_EQ(m[0].body["version"]["qemu"]["major"], 7);
    EXPECT_EQ(m[1].kind, QmpMessage::Kind::reply);
    EXPECT_EQ(m[1].id, 1u);
    EXPECT_TRUE(m[1].ok);
    EXPECT_EQ(m[2].kind, QmpMessage::Kind::event);
    EXPECT_EQ(m[2].event, "SHUTDOWN");
    EXPECT_EQ(m[2].body["guest"], true);
    EXPECT_EQ(m[3].id, 2u);
    EXPECT_FALSE(m[3].ok);
    EXPECT_EQ(m[3].body["desc"], "no such device");
  }
}

TEST(QmpChannel, CommandsGetIncreasingIds) {
  QmpChannel ch;
  std::uint64_t a = 0, b = 0;
  EXPECT_EQ(ch.command("qmp_capabilities", nullptr, a),
            "{\"execute\":\"qmp_capabilities\",\"id\":1}\n");
  EXPECT_EQ(ch.command("screendump", {{"filename", "/proc/self/fd/4"}}, b),
            "{\"arguments\":{\"filename\":\"/proc/self/fd/4\"},\"execute\":\"screendump\","
            "\"id\":2}\n");
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
}

TEST(QmpChannel, MalformedLinesBreakTheChannel) {
  for (const std::string bad : {"{\"return\": \n", "[1,2]\n", "{\"hello\": 1}\n"}) {
    QmpChannel ch;
    ch.feed(bytes(bad));
    EXPECT_TRUE(ch.broken()) << bad;
    EXPECT_FALSE(ch.next());
  }
  QmpChannel ch;
  const std::string huge(QmpChannel::kMaxLine + 1, ' ');
  ch.feed(bytes(huge));
  EXPECT_TRUE(ch.broken());
}

}  // namespace
}  // namespace ilo::sim
