// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The locks this process holds, exactly.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_OWN_LOCKS_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_OWN_LOCKS_HPP

#include <string>
#include <vector>

namespace test_support {

struct own_lock {
    std::string family; // "POSIX" (fcntl), "FLOCK" or "OFDLCK"
    unsigned long long inode;
};

/// Every lock this process holds, from the "lock:" lines of /proc/self/fdinfo (Linux). Exact,
/// unlike /proc/locks: its list of all the system's locks now and then shows another process's
/// lock under our pid while other processes lock and unlock.
std::vector<own_lock> locks_of_this_process();

} // namespace test_support

#endif
