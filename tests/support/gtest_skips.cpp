// Test support: the skip-aware end of a GoogleTest run (see gtest_skips.hpp). It reads the
// results GoogleTest kept; it does not change how tests run or how failures are reported.
#include "gtest_skips.hpp"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace ilo::test {
namespace {

// The message GTEST_SKIP() << ... gave, on one line ("" if none).
std::string skip_reason(const ::testing::TestResult& result) {
  for (int i = 0; i < result.total_part_count(); ++i) {
    const ::testing::TestPartResult& part = result.GetTestPartResult(i);
    if (!part.skipped()) continue;
    std::string message = part.message();
    for (char& c : message) {
      if (c == '\n') c = ' ';
    }
    return message;
  }
  return {};
}

}  // namespace

int run_all_tests_reporting_skips() {
  if (RUN_ALL_TESTS() != 0) return 1;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  int skipped = 0;
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const ::testing::TestInfo& info = *suite.GetTestInfo(t);
      if (!info.should_run() || !info.result()->Skipped()) continue;
      ++skipped;
      std::fprintf(stderr, "SKIP %s.%s: %s\n", info.test_suite_name(), info.name(),
                   skip_reason(*info.result()).c_str());
    }
  }
  return skipped > 0 ? 77 : 0;
}

}  // namespace ilo::test
