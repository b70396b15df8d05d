// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_CLI_RUN_LOCKED_HPP
#define EXCLUSIVE_CONTROL_CLI_RUN_LOCKED_HPP

#include "command_line.hpp"

namespace cli {

/// Exit statuses of our own, as env(1), nice(1) and timeout(1) use them, so that a script can
/// tell them from the command's.
constexpr int failed_here = 125;
constexpr int cannot_execute = 126;
constexpr int not_found = 127;

/// Takes the lock, runs the command while holding it, and returns the exit status to leave
/// with. Throws what the library throws for errors other than contention.
int run_locked(const run_arguments& arguments);

} // namespace cli

#endif
