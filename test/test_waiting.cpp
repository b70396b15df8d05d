// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Waiting for a lock: woken by every kind of release, deadlines kept, one winner per release.
#define BOOST_TEST_MODULE waiting
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"
#if !defined(_WIN32)
#include "this_process.hpp"
#endif

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace ec = exclusive_control;
using namespace std::chrono_literals;
using std::chrono::steady_clock;
using test_support::child_process;
using test_support::temp_dir;

namespace {

/// Waits in this process while `release` runs on another thread after a short delay.
bool acquires_after(const std::filesystem::path& path, const std::function<void()>& release)
{
    std::thread releaser([&] {
        std::this_thread::sleep_for(100ms);
        release();
    });
    ec::lock_file waiter(path, std::defer_lock);
    const bool acquired = waiter.try_lock_for(test_support::patience);
    releaser.join();
    return acquired;
}

} // namespace

BOOST_AUTO_TEST_CASE(wait_for_a_holder_process_ends_neither_early_nor_after_it_releases)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    ec::lock_file lock(path, std::defer_lock);
    const auto started = steady_clock::now();
    BOOST_TEST(!lock.try_lock_for(150ms));
    BOOST_TEST((steady_clock::now() - started >= 150ms));
    try {
        ec::lock_file timed(path, 100ms);
        BOOST_FAIL("the wait succeeded while another process held the lock");
    } catch (const ec::lock_timeout& error) {
        BOOST_TEST(error.holder() == std::to_string(holder.pid()));
    }
    BOOST_TEST(acquires_after(path, [&] { holder.close_stdin(); }));
    BOOST_TEST(holder.wait() == 0);
}

BOOST_AUTO_TEST_CASE(waiter_acquires_when_the_holder_is_killed)
{
    temp_dir dir;
    child_process holder(test_support::lock_holder(), {"hold", (dir / "lock").u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    BOOST_TEST(acquires_after(dir / "lock", [&] { holder.kill(); }));
}

// POSIX: the peers of both families; Windows' own is test_windows's.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(waiter_acquires_when_a_flock_peer_exits)
{
    temp_dir dir;
    child_process holder("/usr/bin/flock", {(dir / "lock").u8string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    BOOST_TEST(acquires_after(dir / "lock", [&] { holder.close_stdin(); }));
}

BOOST_AUTO_TEST_CASE(waiter_acquires_when_an_fcntl_peer_exits)
{
    temp_dir dir;
    child_process holder(test_support::lock_holder(), {"fcntl-hold", (dir / "lock").u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    BOOST_TEST(acquires_after(dir / "lock", [&] { holder.close_stdin(); }));
}

#endif

// Once we release, such a waiter gets the lock: the next case.
BOOST_AUTO_TEST_CASE(waiter_in_another_process_times_out_naming_us)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    child_process impatient(test_support::lock_holder(), {"wait", path.u8string(), "100"});
    BOOST_TEST(impatient.read_line() == "timeout " + test_support::this_process_id());
    BOOST_TEST(impatient.wait() == 4);
}

BOOST_AUTO_TEST_CASE(waiter_in_another_process_acquires_when_we_release)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    child_process waiter(test_support::lock_holder(), {"wait-hold", (dir / "lock").u8string(), "10000"});
    BOOST_TEST(!waiter.try_read_line(200ms).has_value());
    lock.close();
    BOOST_TEST(waiter.read_line() == "acquired");
    waiter.close_stdin();
    BOOST_TEST(waiter.wait() == 0);
}

// POSIX: Windows does not let a file another process has open lose its name.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(lock_file_deleted_while_waiting_is_locked_afresh_by_its_new_name)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    std::thread remover([&] {
        std::this_thread::sleep_for(100ms);
        std::filesystem::remove(path); // the holder keeps the old file, now nameless
    });
    ec::lock_file waiter(path, std::defer_lock);
    const bool acquired = waiter.try_lock_for(2s);
    remover.join();
    BOOST_TEST(acquired); // on the new file at that name, which nobody holds
    // Another process locking the name now must be refused: we hold what the name names.
    BOOST_TEST(test_support::no_peer_can_lock(path));
}
#endif

BOOST_AUTO_TEST_CASE(each_release_lets_exactly_one_waiting_process_in)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    constexpr int waiters = 4;
    std::vector<std::unique_ptr<child_process>> queue;
    for (int i = 0; i < waiters; ++i)
        queue.push_back(std::make_unique<child_process>(
            test_support::lock_holder(), std::vector<std::string>{"wait-hold", path.u8string(), "20000"}));
    std::this_thread::sleep_for(200ms); // let them all start waiting
    lock.close();
    for (int round = 0; round < waiters; ++round) {
        // Exactly one of those still waiting gets in; the others go on waiting.
        child_process* winner = nullptr;
        const auto deadline = std::chrono::steady_clock::now() + test_support::patience;
        while (!winner && std::chrono::steady_clock::now() < deadline)
            for (auto& waiter : queue)
                if (waiter && waiter->try_read_line(5ms))
                    winner = waiter.get();
        BOOST_TEST_REQUIRE(winner != nullptr);
        for (auto& waiter : queue)
            if (waiter && waiter.get() != winner)
                BOOST_TEST(!waiter->try_read_line(100ms).has_value());
        winner->close_stdin();
        BOOST_TEST(winner->wait() == 0);
        for (auto& waiter : queue)
            if (waiter.get() == winner)
                waiter.reset();
    }
}

// POSIX: inotify, and /proc.
#if !defined(_WIN32)
namespace {

int threads_of_this_process()
{
    int count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
        ++count;
    return count;
}

/// Whether `condition` holds within `bound`, looking every 10 ms.
template <class Condition>
bool becomes_true_within(std::chrono::milliseconds bound, Condition condition)
{
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

} // namespace

// Inotify instances are limited per user (often 128): a process whose waits are over must not
// keep any, or 32 idle processes would starve every other program of the same user. Nor does
// the thread that closes them outstay its work.
BOOST_AUTO_TEST_CASE(finished_waits_leave_no_inotify_instance_and_no_thread_behind)
{
    temp_dir dir;
    child_process holder(test_support::lock_holder(), {"hold", (dir / "lock").u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    const int threads_before = threads_of_this_process();
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i)
        threads.emplace_back([&] { ec::lock_file(dir / "lock", std::defer_lock).try_lock_for(50ms); });
    for (auto& thread : threads)
        thread.join();
    BOOST_TEST(becomes_true_within(3s, [] { return test_support::inotify_instances() == 0; }));
    BOOST_TEST(becomes_true_within(5s, [&] { return threads_of_this_process() == threads_before; }));
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
}

#endif

BOOST_AUTO_TEST_CASE(each_release_lets_exactly_one_waiting_thread_in)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    constexpr int waiters = 6;
    std::atomic<int> inside{0};
    std::atomic<int> most_inside{0};
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i)
        threads.emplace_back([&] {
            ec::lock_file mine(path, std::defer_lock);
            if (!mine.try_lock_for(test_support::patience))
                return;
            const int now_inside = ++inside;
            int seen = most_inside;
            while (now_inside > seen && !most_inside.compare_exchange_weak(seen, now_inside)) {
            }
            std::this_thread::sleep_for(20ms);
            --inside;
            ++done;
        });
    std::this_thread::sleep_for(100ms);
    lock.close();
    for (auto& thread : threads)
        thread.join();
    BOOST_TEST(done == waiters);
    BOOST_TEST(most_inside == 1);
}
