// Hazard 4, the fork half: a child shares its parent's flock but not its fcntl lock, and
// inherits a copy of the in-process table that is not its own.
#define BOOST_TEST_MODULE fork
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <thread>

namespace ec = exclusive_control;
using namespace std::chrono_literals;
using test_support::run_in_fork;
using test_support::temp_dir;

namespace {

void require_both_families_busy(const std::filesystem::path& path)
{
    BOOST_TEST(!test_support::flock_peer_can_lock(path));
    BOOST_TEST(!test_support::fcntl_peer_can_lock(path));
}

} // namespace

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
    require_both_families_busy(path);
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
    require_both_families_busy(path);
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
    require_both_families_busy(path);
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
            failures += run_in_fork([&] {
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
