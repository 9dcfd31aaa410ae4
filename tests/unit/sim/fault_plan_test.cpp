// --fault parsing and the injector's exact byte offsets.
#include "sim/fault_plan.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace ilo::sim {
namespace {

TEST(FaultPlan, ParsesAndRejects) {
  FaultPlan p;
  std::string err;
  EXPECT_TRUE(p.add("drop:vm:1000", err));
  EXPECT_TRUE(p.add("stall:rc:10:250", err));
  EXPECT_TRUE(p.add("corrupt:cmd:5:always", err));
  EXPECT_TRUE(p.add("busy", err));
  EXPECT_TRUE(p.busy());
  for (const char* bad : {"drop", "drop:xx:1", "drop:vm:", "drop:vm:-1", "stall:rc:1",
                          "stall:rc:1:x", "explode:rc:1", "drop:vm:1:2"}) {
    EXPECT_FALSE(p.add(bad, err)) << bad;
    EXPECT_NE(err.find("bad --fault"), std::string::npos);
  }
}

TEST(FaultInjector, DropsAtExactOffsetAcrossWrites) {
  FaultPlan p;
  std::string err;
  ASSERT_TRUE(p.add("drop:vm:10", err));
  auto inj = p.open(Channel::vm);
  std::vector<std::uint8_t> a(6), b(6);
  auto d = inj.before_send(a);
  EXPECT_EQ(d.send, 6u);
  EXPECT_FALSE(d.drop);
  inj.sent(d.send);
  d = inj.before_send(b);
  EXPECT_EQ(d.send, 4u);
  EXPECT_TRUE(d.drop);
  // One-shot: the next VM connection is clean.
  EXPECT_TRUE(p.open(Channel::vm).empty());
}

// A one-shot fault belongs to the first connection that reaches its offset, not the first
// one opened: two drops on one channel hit two connections, in order.
TEST(FaultInjector, OneShotFaultsAreUsedUpWhenTheyFire) {
  FaultPlan p;
  std::string err;
  ASSERT_TRUE(p.add("drop:vm:50", err));
  ASSERT_TRUE(p.add("drop:vm:20", err));
  ASSERT_TRUE(p.add("stall:vm:30:5", err));
  auto first = p.open(Channel::vm);
  auto early = p.open(Channel::vm);  // opened too, but ends before any offset: uses nothing
  std::vector<std::uint8_t> a(100);
  auto d = first.before_send(a);  // the earliest stop cuts; the others stay for later
  EXPECT_EQ(d.send, 20u);
  EXPECT_TRUE(d.drop);
  auto second = p.open(Channel::vm);
  d = second.before_send(a);
  EXPECT_EQ(d.send, 30u);
  EXPECT_FALSE(d.drop);
  EXPECT_EQ(d.stall.count(), 5);
  second.sent(d.send);
  d = second.before_send(std::span(a).first(70));
  EXPECT_EQ(d.send, 20u);  // offset 50
  EXPECT_TRUE(d.drop);
  EXPECT_TRUE(p.open(Channel::vm).empty());  // all three used
  d = early.before_send(a);  // fired elsewhere meanwhile: gone here too
  EXPECT_EQ(d.send, a.size());
  EXPECT_FALSE(d.drop);
}

// garbage: every byte from N on is replaced, in every later write too, the same for a seed.
TEST(FaultInjector, GarbageReplacesEverythingFromItsOffsetOn) {
  const auto run = [](std::uint64_t seed) {
    FaultPlan p;
    p.set_seed(seed);
    std::string err;
    EXPECT_TRUE(p.add("garbage:cmd:5", err)) << err;
    auto inj = p.open(Channel::cmd);
    std::vector<std::uint8_t> out;
    for (int w = 0; w < 4; ++w) {
      std::vector<std::uint8_t> a(4, 0xAA);
      const auto d = inj.before_send(a);
      EXPECT_EQ(d.send, a.size());
      EXPECT_FALSE(d.drop);
      inj.sent(d.send);
      out.insert(out.end(), a.begin(), a.end());
    }
    return out;
  };
  const auto a = run(7);
  ASSERT_EQ(a.size(), 16u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(a[i], 0xAA) << i;  // before the offset: intact
  int intact = 0;
  for (std::size_t i = 5; i < a.size(); ++i) intact += a[i] == 0xAA;
  EXPECT_LT(intact, 3);  // 11 random bytes: a few may happen to be 0xAA, not most
  EXPECT_EQ(run(7), a);
  EXPECT_NE(run(8), a);
}

// garbage:CH:N:K garbles the first K connections that reach byte N, all of each; later ones
// are clean (a peer that recovers). Without K: the first one; with :always: every one.
TEST(FaultInjector, GarbageFiresOnItsFirstKConnectionsOnly) {
  const auto garbled = [](FaultInjector& inj) {
    std::vector<std::uint8_t> a(8, 0xAA);
    const auto d = inj.before_send(a);
    inj.sent(d.send);
    int changed = 0;
    for (const auto b : a) changed += b != 0xAA;
    return changed >= 4;
  };
  FaultPlan p;
  std::string err;
  ASSERT_TRUE(p.add("garbage:usb:0:2", err)) << err;
  auto first = p.open(Channel::usb);
  auto second = p.open(Channel::usb);
  auto third = p.open(Channel::usb);  // opened before the others fired: checked when it sends
  EXPECT_TRUE(garbled(first));
  EXPECT_TRUE(garbled(second));
  EXPECT_FALSE(garbled(third));
  EXPECT_TRUE(garbled(first));  // still all of the first connection
  EXPECT_TRUE(p.open(Channel::usb).empty());
  ASSERT_TRUE(p.add("garbage:cmd:3", err)) << err;
  auto one = p.open(Channel::cmd);
  EXPECT_TRUE(garbled(one));
  EXPECT_TRUE(p.open(Channel::cmd).empty());
  ASSERT_TRUE(p.add("garbage:rc:0:always", err)) << err;
  for (int i = 0; i < 3; ++i) {
    auto each = p.open(Channel::rc);
    EXPECT_TRUE(garbled(each));
  }
  EXPECT_FALSE(p.add("garbage:rc:0:0", err));
  EXPECT_FALSE(p.add("garbage:rc:0:2:always", err));
  EXPECT_FALSE(p.add("drop:rc:0:2", err));
}

TEST(FaultInjector, UsbChannelIsApartFromTheCds) {
  FaultPlan p;
  std::string err;
  ASSERT_TRUE(p.add("drop:usb:3", err)) << err;
  EXPECT_TRUE(p.open(Channel::vm).empty());  // the CD's connection is not hit
  auto inj = p.open(Channel::usb);
  std::vector<std::uint8_t> a(8);
  const auto d = inj.before_send(a);
  EXPECT_EQ(d.send, 3u);
  EXPECT_TRUE(d.drop);
  EXPECT_FALSE(p.add("drop:floppy:3", err));
  EXPECT_NE(err.find("rc, cmd, vm or usb"), std::string::npos);
}

TEST(FaultInjector, FaultAtEndOfWriteFiresOnNextWrite) {
  FaultPlan p;
  std::string err;
  ASSERT_TRUE(p.add("stall:rc:4:100", err));
  auto inj = p.open(Channel::rc);
  std::vector<std::uint8_t> a(4);
  auto d = inj.before_send(a);
  EXPECT_EQ(d.send, 4u);
  EXPECT_EQ(d.stall.count(), 0);
  inj.sent(4);
  d = inj.before_send(a);
  EXPECT_EQ(d.send, 0u);
  EXPECT_EQ(d.stall.count(), 100);
  inj.sent(0);
  d = inj.before_send(a);
  EXPECT_EQ(d.send, 4u);
  EXPECT_EQ(d.stall.count(), 0);
}

TEST(FaultInjector, CorruptIsDeterministicPerSeed) {
  auto run = [](std::uint64_t seed) {
    FaultPlan p;
    p.set_seed(seed);
    std::string err;
    EXPECT_TRUE(p.add("corrupt:rc:3", err));
    auto inj = p.open(Channel::rc);
    std::vector<std::uint8_t> data(8, 0);
    inj.before_send(data);
    return data;
  };
  const auto a = run(7), b = run(7);
  EXPECT_EQ(a, b);
  EXPECT_NE(a[3], 0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i != 3) {
      EXPECT_EQ(a[i], 0);
    }
  }
}

TEST(FaultInjector, OtherChannelsUntouched) {
  FaultPlan p;
  std::string err;
  ASSERT_TRUE(p.add("drop:rc:0:always", err));
  EXPECT_TRUE(p.open(Channel::vm).empty());
  EXPECT_FALSE(p.open(Channel::rc).empty());
  EXPECT_FALSE(p.open(Channel::rc).empty());
}

}  // namespace
}  // namespace ilo::sim
