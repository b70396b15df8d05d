// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The one assertion of the fuzz targets: a violated property aborts, which libFuzzer reports
// as a crash with the input that caused it, and the corpus replay as a failed test.
#ifndef EXCLUSIVE_CONTROL_FUZZ_CHECK_HPP
#define EXCLUSIVE_CONTROL_FUZZ_CHECK_HPP

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                       \
    do {                                                                                            \
        if (!(condition)) {                                                                         \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                           \
        }                                                                                           \
    } while (false)

#endif
