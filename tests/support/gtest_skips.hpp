// Test support: runs the GoogleTest tests of a binary so that a skip is visible to meson.
// GTEST_SKIP alone exits 0, which meson counts as a pass; here a run where some test skipped
// and none failed exits 77 (meson's SKIP) after one "SKIP Suite.Test: reason" line per skip.
#pragma once

namespace ilo::test {

// RUN_ALL_TESTS() after ::testing::InitGoogleTest: 1 if any test failed, else 77 if any
// test skipped (each named on stderr with its reason), else 0.
int run_all_tests_reporting_skips();

}  // namespace ilo::test
