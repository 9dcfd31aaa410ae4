// The main() of every GoogleTest binary in tests/ (in place of gtest_main): the same run, but
// a skipped test makes the binary exit 77 with its name and reason, so meson reports SKIP.
#include <gtest/gtest.h>

#include "gtest_skips.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return ilo::test::run_all_tests_reporting_skips();
}
