// The job bookkeeping the two simulator initiators share (vm/job_tracker.hpp): a job starts only
// when idle, finishing records it, DISCONNECT ends a running job and stops everything, a broken
// stream stops everything.
#include "vm/job_tracker.hpp"

#include <gtest/gtest.h>

namespace ilo::vm::job_tracker_test {
namespace {

enum class Job : std::uint8_t { none, enumerate, read };
enum class Result : std::uint8_t { none, done, no_medium };
using Tracker = JobTracker<Job, Result>;

TEST(JobTracker, StartsOnlyWhenIdle) {
  Tracker t;
  EXPECT_EQ(t.phase(), InitiatorPhase::idle);
  ASSERT_TRUE(t.start(Job::enumerate));
  EXPECT_EQ(t.phase(), InitiatorPhase::busy);
  EXPECT_EQ(t.job(), Job::enumerate);
  EXPECT_FALSE(t.start(Job::read));
  EXPECT_EQ(t.job(), Job::enumerate);
}

TEST(JobTracker, FinishRecordsTheJobAndGoesIdle) {
  Tracker t;
  ASSERT_TRUE(t.start(Job::read));
  t.finish(Result::done);
  EXPECT_EQ(t.phase(), InitiatorPhase::idle);
  EXPECT_EQ(t.job(), Job::none);
  EXPECT_EQ(t.last_job(), Job::read);
  EXPECT_EQ(t.last_result(), Result::done);
  EXPECT_FALSE(t.ended());
  EXPECT_TRUE(t.start(Job::enumerate));
}

TEST(JobTracker, DisconnectEndsTheRunningJobAndStopsStarts) {
  Tracker t;
  ASSERT_TRUE(t.start(Job::read));
  t.disconnect(Result::no_medium);
  EXPECT_EQ(t.phase(), InitiatorPhase::disconnected);
  EXPECT_TRUE(t.ended());
  EXPECT_EQ(t.job(), Job::none);
  EXPECT_EQ(t.last_job(), Job::read);
  EXPECT_EQ(t.last_result(), Result::no_medium);
  EXPECT_FALSE(t.start(Job::enumerate));
}

TEST(JobTracker, DisconnectWhileIdleKeepsTheLastJob) {
  Tracker t;
  ASSERT_TRUE(t.start(Job::enumerate));
  t.finish(Result::done);
  t.disconnect(Result::no_medium);
  EXPECT_EQ(t.last_job(), Job::enumerate);
  EXPECT_EQ(t.last_result(), Result::done);
}

TEST(JobTracker, FinishAfterABrokenStreamStaysBroken) {
  Tracker t;
  ASSERT_TRUE(t.start(Job::read));
  t.break_stream();
  EXPECT_TRUE(t.ended());
  t.finish(Result::done);
  EXPECT_EQ(t.phase(), InitiatorPhase::broken);
  EXPECT_EQ(t.last_result(), Result::done);
  EXPECT_FALSE(t.start(Job::read));
}

}  // namespace
}  // namespace ilo::vm::job_tracker_test
