// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Forked children (POSIX), waited for with a bound. Free of Boost.Test: a forked child must
// report through its exit status, and the helper programs link this file too.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_FORKED_CHILD_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_FORKED_CHILD_HPP

#include "patience.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <stdexcept>

namespace test_support {

/// Thrown when a forked child did not exit in time; it has been killed and reaped.
class child_timeout : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Runs `body` in a forked child and returns its exit status: what `body` returns, 98 if it
/// threw, 128 + signal if a signal ended it. Throws `child_timeout` if it takes longer than
/// `timeout`.
int run_in_fork(const std::function<int()>& body, std::chrono::milliseconds timeout = patience);

/// Waits for a forked child and returns its exit status (128 + signal if a signal ended it).
/// Kills it and throws `child_timeout` after `timeout`.
int wait_for_pid(pid_t pid, std::chrono::milliseconds timeout = patience);

} // namespace test_support

#endif
