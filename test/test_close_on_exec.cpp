// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Hazard 4, the exec half: programs a holder starts inherit none of its lock descriptors, so
// a holder that dies leaves no lock behind in them.
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE close_on_exec
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace ec = exclusive_control;
using test_support::child_process;
using test_support::temp_dir;

BOOST_AUTO_TEST_CASE(holder_killed_while_its_exec_child_lives_leaves_the_lock_free)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold-exec", path.string()});
    const std::string line = holder.read_line();
    BOOST_TEST_REQUIRE(line.rfind("locked ", 0) == 0u);
    const pid_t sleeper = std::stoi(line.substr(7));
    holder.kill();
    holder.wait();
    BOOST_TEST(::kill(sleeper, 0) == 0); // the program the holder started is still running
    BOOST_TEST(test_support::flock_peer_can_lock(path));
    BOOST_TEST(test_support::fcntl_peer_can_lock(path));
    ::kill(sleeper, SIGKILL);
}

BOOST_AUTO_TEST_CASE(programs_started_while_holding_inherit_no_descriptor_of_the_lock_file)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    child_process lister(test_support::lock_holder(), {"list-fds", path.string()});
    BOOST_TEST(lister.read_line() == "0");
    BOOST_TEST(lister.wait() == 0);
}

// Hazard 10: inspect() reads /proc/locks and mountinfo; a program that another thread starts
// meanwhile must not inherit those descriptors either.
BOOST_AUTO_TEST_CASE(programs_started_while_another_thread_inspects_inherit_nothing_of_proc)
{
    temp_dir dir;
    std::atomic<bool> stop{false};
    std::thread inspector([&] {
        while (!stop)
            ec::inspect(dir / "other"); // not held here: read from /proc/locks
    });
    test_support::write_file(dir / "other", " 1\n");
    int inherited = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (int i = 0; i < 200 && inherited == 0 && std::chrono::steady_clock::now() < until; ++i) {
        child_process lister(test_support::lock_holder(), {"list-proc-fds", "-"});
        inherited = std::stoi(lister.read_line());
        lister.wait();
    }
    stop = true;
    inspector.join();
    BOOST_TEST(inherited == 0);
}
