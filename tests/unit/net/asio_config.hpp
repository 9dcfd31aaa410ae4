// The Asio configuration macros that change code generated in every object (how the recycling
// allocator allocates and frees, coroutine support), as one bit mask. A macro, not a function:
// each object evaluates it where it is expanded, so two objects can be compared.
#pragma once

#if defined(ASIO_HAS_STD_ALIGNED_ALLOC)
#define ILO_TEST_ASIO_ALIGNED_ALLOC 1
#else
#define ILO_TEST_ASIO_ALIGNED_ALLOC 0
#endif
#if defined(ASIO_HAS_CO_AWAIT)
#define ILO_TEST_ASIO_CO_AWAIT 2
#else
#define ILO_TEST_ASIO_CO_AWAIT 0
#endif
#if defined(ASIO_HAS_STD_COROUTINE)
#define ILO_TEST_ASIO_STD_COROUTINE 4
#else
#define ILO_TEST_ASIO_STD_COROUTINE 0
#endif
#if defined(ASIO_NO_DEPRECATED)
#define ILO_TEST_ASIO_NO_DEPRECATED 8
#else
#define ILO_TEST_ASIO_NO_DEPRECATED 0
#endif

#define ILO_TEST_ASIO_CONFIG                                                                  \
  (ILO_TEST_ASIO_ALIGNED_ALLOC | ILO_TEST_ASIO_CO_AWAIT | ILO_TEST_ASIO_STD_COROUTINE |        \
   ILO_TEST_ASIO_NO_DEPRECATED)

namespace ilo::test {
// Defined in asio_first_probe.cpp, an object that includes Asio before any standard header.
int asio_config_when_included_first();
}  // namespace ilo::test
