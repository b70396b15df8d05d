// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Hazard 4, the fork half: a child shares its parent's flock but not its fcntl lock, and
// inherits a copy of the in-process table that is not its own.
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE fork
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "forked_child.hpp"
#include "temp_dir.hpp"
#include "this_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <utility>

namespace ec = exclusive_control;
using namespace std::chrono_literals;
using test_support::run_in_fork;
using test_support::temp_dir;

BOOST_AUTO_TEST_CASE(child_closing_its_copy_leaves_the_parents_lock_held)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    BOOST_TEST(run_in_fork([&] {
                   lock.close();
                   return 0;
               }) == 0);
    BOOST_TEST(lock.owns_lock());
    BOOST_TEST(test_support::no_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(child_destroying_its_copy_leaves_the_parents_lock_held)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    BOOST_TEST(run_in_fork([&] {
                   ec::lock_file taken_over(std::move(lock));
                   return 0; // destroyed here, before the child exits
               }) == 0);
    BOOST_TEST(test_support::no_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(child_does_not_own_its_parents_lock)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    BOOST_TEST(run_in_fork([&] { return lock.owns_lock() ? 1 : 0; }) == 0);
}

BOOST_AUTO_TEST_CASE(child_cannot_take_its_parents_lock_and_does_not_hang)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    BOOST_TEST(run_in_fork([&] {
                   try {
                       ec::lock_file mine(path);
                       return 1;
                   } catch (const ec::lock_error& error) {
                       return error.holder() == std::to_string(::getppid()) ? 0 : 2;
                   }
               }) == 0);
    BOOST_TEST(test_support::no_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(child_waiting_for_its_parents_lock_gets_it_once_the_parent_releases)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    const pid_t child = ::fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) {
        int status = 1;
        try {
            ec::lock_file mine(path, 5s);
            status = mine.owns_lock() ? 0 : 2;
        } catch (...) {
            status = 3;
        }
        ::_exit(status);
    }
    std::this_thread::sleep_for(200ms);
    lock.close();
    BOOST_TEST(test_support::wait_for_pid(child) == 0);
    BOOST_TEST(test_support::read_file(path) == " " + std::to_string(child) + "\n");
}

BOOST_AUTO_TEST_CASE(child_can_reuse_its_inherited_object_after_the_parent_releases)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    const pid_t child = ::fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0)
        ::_exit(lock.try_lock_for(5s) && lock.owns_lock() ? 0 : 1);
    std::this_thread::sleep_for(200ms);
    lock.close();
    BOOST_TEST(test_support::wait_for_pid(child) == 0);
}

// A prefork master that dies must not lock its workers out: their copies of its descriptors
// would otherwise keep its flock alive.
BOOST_AUTO_TEST_CASE(child_can_take_the_lock_once_its_forking_parent_died)
{
    temp_dir dir;
    const auto path = dir / "lock";
    int result[2];
    BOOST_TEST_REQUIRE(::pipe(result) == 0);
    const int master_status = run_in_fork([&]() -> int {
        ec::lock_file lock(path);
        const pid_t master = ::getpid();
        if (::fork() == 0) { // the worker
            while (::getppid() == master)
                std::this_thread::sleep_for(1ms);
            const char got = ec::lock_file(path, std::defer_lock).try_lock_for(5s) ? 'y' : 'n';
            (void)!::write(result[1], &got, 1);
            ::_exit(0);
        }
        ::_exit(0); // dies holding the lock
    });
    BOOST_TEST(master_status == 0);
    ::close(result[1]);
    pollfd ready{result[0], POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&ready, 1, 10'000) == 1);
    char got = 0;
    BOOST_TEST(::read(result[0], &got, 1) == 1);
    ::close(result[0]);
    BOOST_TEST(got == 'y');
}

// Threads waiting inside the library when another thread forks do not exist in the child; the
// child must still be able to wait and release.
BOOST_AUTO_TEST_CASE(fork_while_a_thread_waits_leaves_the_child_able_to_wait)
{
#if defined(__SANITIZE_THREAD__)
    // TSan cannot start threads in the child of a multithreaded fork ("dup thread with used id").
    BOOST_TEST_MESSAGE("skipped under ThreadSanitizer: no threads in a forked child");
    return;
#endif
    temp_dir dir;
    ec::lock_file held(dir / "parent");
    std::thread parent_waiter([&] { ec::lock_file(dir / "parent", std::defer_lock).try_lock_for(3s); });
    std::this_thread::sleep_for(100ms); // the waiter is now blocked on the library's wake-up
    int status = -1;                    // stays so if the child hangs and is killed
    try {
        status = run_in_fork(
            [&] {
                for (int round = 0; round < 3; ++round) {
                    ec::lock_file mine(dir / "child");
                    std::thread child_waiter([&] { ec::lock_file(dir / "child", std::defer_lock).try_lock_for(1s); });
                    std::this_thread::sleep_for(50ms);
                    mine.close(); // wakes child_waiter; must not block on the parent's waiter
                    child_waiter.join();
                }
                return 0;
            },
            5s);
    } catch (const std::exception&) {
    }
    held.close();
    parent_waiter.join();
    BOOST_TEST(status == 0);
}

// Forking while another thread is inside the library must not leave the child's copy of the
// library's mutex locked.
BOOST_AUTO_TEST_CASE(fork_while_another_thread_locks_leaves_the_child_usable)
{
    temp_dir dir;
    std::atomic<bool> stop{false};
    auto keep_locking = [&](const char* name) {
        while (!stop) {
            ec::lock_file lock(dir / name);
            ec::lock_file contender(dir / name, std::defer_lock);
            contender.try_lock(); // fails, under the library's mutex
        }
    };
    std::thread busy(keep_locking, "busy");
    std::thread busier(keep_locking, "busier");
    int failures = 0;
    const auto stop_at = std::chrono::steady_clock::now() + 5s; // bounds slow sanitizer builds
    for (int i = 0; i < 200 && failures == 0 && std::chrono::steady_clock::now() < stop_at; ++i) {
        try {
            failures += run_in_fork(
                            [&] {
                                ec::lock_file lock(dir / ("child" + std::to_string(i)));
                                return 0;
                            },
                            2s) != 0;
        } catch (const std::exception&) {
            ++failures; // the child hung
        }
    }
    stop = true;
    busy.join();
    busier.join();
    BOOST_TEST(failures == 0);
}

namespace {

/// One byte from `fd` within `timeout`, or 0.
char read_byte(int fd, std::chrono::milliseconds timeout)
{
    pollfd ready{fd, POLLIN, 0};
    char got = 0;
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1 || ::read(fd, &got, 1) != 1)
        return 0;
    return got;
}

} // namespace

// Hazard 10. A master's thread waits for a lock held elsewhere, its main thread forks a worker,
// then the waiter gets the lock and the master is killed. The worker must inherit nothing of the
// wait (neither the descriptor the waiter kept between attempts, through which the master took
// the lock after the fork, nor its inotify instance), and must then be able to take the lock.
BOOST_AUTO_TEST_CASE(a_lock_taken_after_a_fork_during_the_wait_dies_with_the_master)
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::child_process holder(test_support::lock_holder(), {"hold", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    int master_got_it[2], worker_report[2];
    BOOST_TEST_REQUIRE(::pipe(master_got_it) == 0);
    BOOST_TEST_REQUIRE(::pipe(worker_report) == 0);

    const pid_t master = ::fork();
    BOOST_TEST_REQUIRE(master >= 0);
    if (master == 0) {
        std::thread waiter([&] {
            ec::lock_file lock(path, std::defer_lock);
            const char got = lock.try_lock_for(test_support::patience) ? 'L' : 'n';
            (void)!::write(master_got_it[1], &got, 1);
            ::pause(); // holds the lock until killed
        });
        std::this_thread::sleep_for(200ms); // the waiter is now between attempts
        if (::fork() == 0) {                // the worker
            // What the library left open in this process: descriptors of the file, inotify instances.
            char report = test_support::descriptors_of_file(path) != 0 ? 'd'
                          : test_support::inotify_instances() != 0     ? 'i'
                                                                       : 0;
            const pid_t parent = ::getppid();
            const auto give_up = std::chrono::steady_clock::now() + 2 * test_support::patience;
            while (::getppid() == parent && std::chrono::steady_clock::now() < give_up)
                std::this_thread::sleep_for(1ms);
            // The master's threads die in any order, so the lock may outlive the change of
            // parent by a moment, and the worker waits for it.
            if (report == 0) {
                ec::lock_file lock(path, std::defer_lock);
#if defined(__SANITIZE_THREAD__)
                // Polled instead: a wait that meets a holder ends by starting the thread that
                // closes its inotify instance, and ThreadSanitizer kills a child of a
                // multithreaded fork that starts one ("dup thread with used id").
                const auto until = std::chrono::steady_clock::now() + 5s;
                while (!lock.try_lock() && std::chrono::steady_clock::now() < until)
                    std::this_thread::sleep_for(5ms);
#else
                (void)lock.try_lock_for(5s);
#endif
                report = lock.owns_lock() ? 'y' : 'n';
            }
            (void)!::write(worker_report[1], &report, 1);
            ::_exit(0);
        }
        waiter.join();
        ::_exit(0);
    }
    struct kill_on_exit {
        pid_t pid;
        ~kill_on_exit() { ::kill(pid, SIGKILL); }
    } const master_dies{master}; // also if a check below throws, so that the worker ends
    ::close(master_got_it[1]);
    ::close(worker_report[1]);
    std::this_thread::sleep_for(400ms); // the worker exists
    holder.kill();                      // the master shares our end of its input: closing ours would tell it nothing
    holder.wait();
    const char master_result = read_byte(master_got_it[0], test_support::patience);
    ::kill(master, SIGKILL);
    test_support::wait_for_pid(master);
    BOOST_TEST(master_result == 'L');
    const char worker_result = read_byte(worker_report[0], test_support::patience);
    ::close(master_got_it[0]);
    ::close(worker_report[0]);
    BOOST_TEST(worker_result != 'd', "the worker inherited the waiter's descriptor of the lock file");
    BOOST_TEST(worker_result != 'i', "the worker inherited the waiter's inotify instance");
    BOOST_TEST(worker_result == 'y');
}

// Hazard 10, the inspecting half: inspect() opens the lock file and files under /proc for a
// moment. A child forked in that moment must not keep them: a descriptor of the lock file would
// keep a flock alive (or, closed by the child, drop an fcntl lock it shares nothing of), and any
// of them would reach the programs the child starts. Many forks, so that some land mid-inspection.
BOOST_AUTO_TEST_CASE(a_fork_while_another_thread_inspects_leaves_the_child_nothing_of_the_inspection)
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::child_process holder(test_support::lock_holder(), {"hold", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");

    std::atomic<bool> stop{false};
    std::atomic<int> inspections{0}, unlocked_answers{0};
    std::thread inspector([&] {
        while (!stop) {
            if (!ec::inspect(path).locked) // reading the holder opens the file
                ++unlocked_answers;
            ++inspections;
        }
    });
    while (inspections == 0)
        std::this_thread::yield();
    int children_with_leftovers = 0;
    for (int i = 0; i < 300; ++i) {
        const pid_t child = ::fork();
        BOOST_TEST_REQUIRE(child >= 0);
        if (child == 0) {
            const int leftovers = test_support::descriptors_of_file(path) +
                                  test_support::descriptors_whose_target([](const std::string& t) {
                                      return t == "/proc/locks" ||
                                             (t.size() > 10 && t.compare(t.size() - 10, 10, "/mountinfo") == 0);
                                  });
            ::_exit(leftovers == 0 ? 0 : 1);
        }
        if (test_support::wait_for_pid(child) != 0)
            ++children_with_leftovers;
    }
    stop = true;
    inspector.join();
    BOOST_TEST(children_with_leftovers == 0);
    BOOST_TEST(unlocked_answers == 0);
    BOOST_TEST(inspections > 300); // the forks did land among inspections
}
