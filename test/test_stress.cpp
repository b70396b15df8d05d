// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Mutual exclusion under load: PROCESSES processes of THREADS threads each take one lock
// ITERATIONS times, mixing the constructor, the timed constructor, try_lock_for and
// std::unique_lock. Inside, each adds one to a counter in another file (read, pause, write) and
// checks that nobody else is inside (test/helpers/stress_worker.cpp says how). In the end the
// counter must be PROCESSES x THREADS x ITERATIONS and nobody may have seen anyone else inside.
//
// Sizes: EXCLUSIVE_CONTROL_STRESS_PROCESSES, _THREADS, _ITERATIONS (default 8 x 4 x 100, what
// CI runs); EXCLUSIVE_CONTROL_STRESS_SECONDS bounds the run (default 240), and
// EXCLUSIVE_CONTROL_STRESS_WAIT_SECONDS one acquisition (default 60): the lock is not fair, and
// with 32 contenders one of them may wait seconds, with a hundred far longer.
#define BOOST_TEST_MODULE stress
#include <boost/test/unit_test.hpp>

#include "child_process.hpp"
#include "stress_run.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using test_support::child_process;

BOOST_AUTO_TEST_CASE(processes_and_threads_never_overlap_and_lose_no_update)
{
    const long processes = test_support::size_setting("EXCLUSIVE_CONTROL_STRESS_PROCESSES", 8);
    const long threads = test_support::size_setting("EXCLUSIVE_CONTROL_STRESS_THREADS", 4);
    const long iterations = test_support::size_setting("EXCLUSIVE_CONTROL_STRESS_ITERATIONS", 100);
    const std::chrono::seconds budget(test_support::size_setting("EXCLUSIVE_CONTROL_STRESS_SECONDS", 240));
    const long expected = processes * threads * iterations;

    test_support::temp_dir dir;
    test_support::create_counters(dir.path());
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<child_process>> workers;
    for (long p = 0; p < processes; ++p) {
        // Content lengths differ between processes, so that content left torn would show.
        const std::string padding = std::to_string((p * 37) % 200);
        workers.push_back(std::make_unique<child_process>(
            test_support::helper_program("stress_worker"),
            std::vector<std::string>{"lib", dir.path().string(), "p" + std::to_string(p), std::to_string(threads),
                                     std::to_string(iterations), std::to_string(p + 1), padding, "0"}));
    }

    test_support::worker_summary total;
    for (auto& worker : workers) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            budget - (std::chrono::steady_clock::now() - start));
        const std::string line = worker->read_line(std::max(left, std::chrono::milliseconds(1)));
        // 1 means it saw a violation, reported below.
        BOOST_TEST(worker->wait() == 0, "worker " << worker->pid() << " said: " << line);
        const auto summary = test_support::parse_summary(line);
        total.sections += summary.sections;
        total.stale_markers += summary.stale_markers;
        total.timeouts += summary.timeouts;
        total.longest_wait_ms = std::max(total.longest_wait_ms, summary.longest_wait_ms);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const std::string seen = test_support::violations(dir.path());
    BOOST_TEST(seen.empty(), "overlaps or malformed content seen:\n" << seen.substr(0, 4000));
    // lock_file excludes both families, so each section counts in both counters.
    const long counter = test_support::read_counter(dir.path(), "flock");
    BOOST_TEST(counter == expected);
    BOOST_TEST(test_support::read_counter(dir.path(), "fcntl") == expected);
    BOOST_TEST(total.sections == expected);
    BOOST_TEST(total.stale_markers == 0); // nobody died, so no marker can be stale
    const auto journals = test_support::read_journals(dir.path());
    BOOST_TEST(long(journals.acquired.size()) == expected);
    BOOST_TEST(journals.flock_sections == expected);
    BOOST_TEST(journals.fcntl_sections == expected);

    std::cout << "stress: " << processes << " processes x " << threads << " threads x " << iterations << " = "
              << expected << " critical sections in " << seconds << " s (" << long(double(expected) / seconds)
              << "/s); counter " << counter << "; violations seen: " << std::count(seen.begin(), seen.end(), '\n')
              << "; waits of 200 ms that ran out: " << total.timeouts
              << "; longest wait for the lock: " << total.longest_wait_ms << " ms" << std::endl;
}
