// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Every wait in the tests is bounded, so that a bug fails a test instead of hanging CI.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_PATIENCE_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_PATIENCE_HPP

#include <chrono>

namespace test_support {

using namespace std::chrono_literals;

/// The bound on any single wait in the tests.
constexpr std::chrono::milliseconds patience = 10s;

} // namespace test_support

#endif
