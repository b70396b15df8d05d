// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Lockable and TimedLockable: std::unique_lock, std::scoped_lock, and waits with deadlines.
#define BOOST_TEST_MODULE lockable
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <mutex>
#include <system_error>
#include <thread>

namespace ec = exclusive_control;
using namespace std::chrono_literals;
using std::chrono::steady_clock;
using test_support::temp_dir;

namespace {
// How late a timed wait may return: the back-off sleeps at most 50 ms, plus scheduling noise
// on a loaded CI machine.
constexpr auto slack = 500ms;
} // namespace

BOOST_AUTO_TEST_CASE(unique_lock_takes_and_releases)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    {
        std::unique_lock<ec::lock_file> guard(lock);
        BOOST_TEST(lock.owns_lock());
        BOOST_TEST(test_support::run_helper({"try", (dir / "lock").string()}) == 3);
    }
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(test_support::run_helper({"try", (dir / "lock").string()}) == 0);
}

BOOST_AUTO_TEST_CASE(unique_lock_try_and_timed_forms_report_contention)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    BOOST_TEST(!std::unique_lock<ec::lock_file>(lock, std::try_to_lock).owns_lock());
    BOOST_TEST(!std::unique_lock<ec::lock_file>(lock, 30ms).owns_lock());
    holder.close();
    BOOST_TEST(std::unique_lock<ec::lock_file>(lock, 30ms).owns_lock());
}

BOOST_AUTO_TEST_CASE(scoped_lock_takes_several)
{
    temp_dir dir;
    ec::lock_file first(dir / "first", std::defer_lock);
    ec::lock_file second(dir / "second", std::defer_lock);
    {
        std::scoped_lock both(first, second);
        BOOST_TEST(first.owns_lock());
        BOOST_TEST(second.owns_lock());
    }
    BOOST_TEST(!first.owns_lock());
    BOOST_TEST(!second.owns_lock());
}

BOOST_AUTO_TEST_CASE(timed_wait_never_returns_early_nor_much_late)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    for (const auto timeout : {1ms, 30ms, 120ms}) {
        const auto started = steady_clock::now();
        BOOST_TEST(!lock.try_lock_for(timeout));
        const auto waited = steady_clock::now() - started;
        BOOST_TEST((waited >= timeout));
        BOOST_TEST((waited < timeout + slack));
    }
    const auto deadline = std::chrono::system_clock::now() + 80ms;
    BOOST_TEST(!lock.try_lock_until(deadline));
    BOOST_TEST((std::chrono::system_clock::now() >= deadline));
}

BOOST_AUTO_TEST_CASE(timeout_constructor_throws_lock_timeout_after_the_timeout)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    const auto started = steady_clock::now();
    BOOST_CHECK_THROW(ec::lock_file(dir / "lock", 100ms), ec::lock_timeout);
    BOOST_TEST((steady_clock::now() - started >= 100ms));
}

BOOST_AUTO_TEST_CASE(deadline_in_the_past_is_a_single_try)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    BOOST_TEST(lock.try_lock_until(steady_clock::now() - 1h));
    lock.close();
    ec::lock_file holder(dir / "lock");
    const auto started = steady_clock::now();
    BOOST_TEST(!lock.try_lock_for(-5s));
    BOOST_TEST((steady_clock::now() - started < slack));
}

BOOST_AUTO_TEST_CASE(coarse_far_deadline_waits_instead_of_overflowing)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    std::thread releaser([&] {
        std::this_thread::sleep_for(100ms);
        holder.close();
    });
    ec::lock_file lock(dir / "lock", std::defer_lock);
    const bool acquired = lock.try_lock_until(
        std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>::max());
    releaser.join();
    BOOST_TEST(acquired);
}

BOOST_AUTO_TEST_CASE(huge_timeout_does_not_overflow)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    BOOST_TEST(lock.try_lock_for(std::chrono::hours::max()));
    lock.close();
    BOOST_TEST(lock.try_lock_until(steady_clock::time_point::max()));
    lock.close();
    ec::lock_file timed(dir / "lock", std::chrono::nanoseconds::max());
    BOOST_TEST(timed.owns_lock());
}

BOOST_AUTO_TEST_CASE(waiter_acquires_when_a_thread_of_this_process_releases)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    std::thread releaser([&] {
        std::this_thread::sleep_for(100ms);
        holder.close();
    });
    ec::lock_file waiter(dir / "lock", std::defer_lock);
    const bool acquired = waiter.try_lock_for(5s);
    releaser.join();
    BOOST_TEST(acquired);
}

BOOST_AUTO_TEST_CASE(lock_waits_for_another_process_to_release)
{
    temp_dir dir;
    test_support::child_process holder(test_support::lock_holder(), {"hold", (dir / "lock").string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    std::thread releaser([&] {
        std::this_thread::sleep_for(100ms);
        holder.close_stdin();
    });
    ec::lock_file lock(dir / "lock", std::defer_lock);
    lock.lock();
    releaser.join();
    BOOST_TEST(lock.owns_lock());
    BOOST_TEST(holder.wait() == 0);
}

BOOST_AUTO_TEST_CASE(timeout_constructor_acquires_when_the_holder_releases_in_time)
{
    temp_dir dir;
    test_support::child_process holder(test_support::lock_holder(), {"hold", (dir / "lock").string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    std::thread releaser([&] {
        std::this_thread::sleep_for(100ms);
        holder.close_stdin();
    });
    ec::lock_file lock(dir / "lock", 5s);
    releaser.join();
    BOOST_TEST(lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(locking_twice_and_unlocking_unheld_are_errors)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    try {
        lock.lock();
        BOOST_FAIL("locked twice");
    } catch (const std::system_error& error) {
        BOOST_TEST((error.code() == std::errc::resource_deadlock_would_occur));
    }
    BOOST_CHECK_THROW(lock.try_lock(), std::system_error);
    lock.unlock();
    try {
        lock.unlock();
        BOOST_FAIL("unlocked twice");
    } catch (const std::system_error& error) {
        BOOST_TEST((error.code() == std::errc::operation_not_permitted));
    }
}
