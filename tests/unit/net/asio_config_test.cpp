// Every object sees one Asio configuration (asio_dep in the top-level meson.build), whatever it
// includes first. Asio 1.22 derives ASIO_HAS_STD_ALIGNED_ALLOC from standard headers seen
// before it; when objects of one program disagree, the recycling allocator frees with
// operator delete what aligned_alloc allocated (ASan: alloc-dealloc-mismatch in ilo-sim).
#include <cstddef>

#include <gtest/gtest.h>

#include <asio/detail/config.hpp>

#include "asio_config.hpp"

namespace ilo::test {
namespace {

TEST(AsioConfig, SameWhetherAsioOrAStandardHeaderComesFirst) {
  EXPECT_EQ(asio_config_when_included_first(), ILO_TEST_ASIO_CONFIG);
}

TEST(AsioConfig, AlignedAllocAndCoroutinesOnEverywhere) {
  // The recycling allocator pairs aligned_alloc with free; src/net's coroutines need co_await
  // (clang 14 included, whose <experimental/coroutine> check fails on libstdc++).
  EXPECT_EQ(ILO_TEST_ASIO_CONFIG, ILO_TEST_ASIO_ALIGNED_ALLOC | ILO_TEST_ASIO_CO_AWAIT |
                                      ILO_TEST_ASIO_STD_COROUTINE | ILO_TEST_ASIO_NO_DEPRECATED);
}

}  // namespace
}  // namespace ilo::test
