// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Hazards 1, 2 and 5: one process, one lock per file, whatever the name; no descriptor of a
// held file is ever closed early; the fcntl half lands on the inode we opened.
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE in_process
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"
#if !defined(_WIN32)
#include "own_locks.hpp"
#endif

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

namespace ec = exclusive_control;
namespace fs = std::filesystem;
using test_support::temp_dir;

BOOST_AUTO_TEST_CASE(other_names_of_the_same_file_conflict)
{
    temp_dir dir;
    fs::create_directory(dir / "a");
    const test_support::scoped_chdir in_dir(dir.path());
    ec::lock_file lock("x.lock");
    std::vector<fs::path> aliases = {"./x.lock", "a/../x.lock", fs::absolute("x.lock"), dir / "a" / ".." / "x.lock",
                                     dir / "." / "x.lock"};
#if defined(_WIN32)
    // Names differ in case alone, and in the separator of a wide path.
    aliases.push_back(dir / "X.LOCK");
    aliases.push_back(fs::path(dir.path().wstring() + L"/x.lock"));
#else
    // Windows lets only privileged users make symbolic links.
    fs::create_directory_symlink(dir.path(), dir / "linked_dir");
    aliases.push_back(dir / "linked_dir" / "x.lock");
#endif
    for (const fs::path& alias : aliases) {
        BOOST_TEST_CONTEXT(alias.u8string())
        {
            BOOST_CHECK_THROW(ec::lock_file{alias}, ec::lock_error);
            ec::lock_file deferred(alias, std::defer_lock);
            BOOST_TEST(!deferred.try_lock());
        }
    }
    // The failed attempts closed what they opened; ours still holds.
    BOOST_TEST(test_support::no_peer_can_lock(dir / "x.lock"));
}

// POSIX: on Windows a hard link is refused (test_bad_input) and symbolic links need privilege.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(hard_link_to_a_held_file_conflicts)
{
    temp_dir dir;
    ec::lock_file lock(dir / "x");
    fs::create_hard_link(dir / "x", dir / "y");
    BOOST_CHECK_THROW(ec::lock_file{dir / "y"}, ec::lock_error);
    BOOST_TEST(test_support::no_peer_can_lock(dir / "x"));
}

BOOST_AUTO_TEST_CASE(symlink_followed_on_request_names_the_target)
{
    temp_dir dir;
    ec::lock_file lock(dir / "target");
    fs::create_symlink(dir / "target", dir / "link");
    ec::lock_options follow;
    follow.follow_symlinks = true;
    BOOST_CHECK_THROW(ec::lock_file(dir / "link", follow), ec::lock_error);
    BOOST_TEST(test_support::no_peer_can_lock(dir / "target"));
}
#endif

// Hazard 2: a failing attempt must not open-and-close a descriptor of a held file, which would
// drop the fcntl half of the lock while the flock half survives. Checked from another process
// after failures through every entry point.
BOOST_AUTO_TEST_CASE(failed_attempts_in_the_holding_process_keep_the_lock)
{
    using namespace std::chrono_literals;
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    BOOST_CHECK_THROW(ec::lock_file{path}, ec::lock_error);
    BOOST_CHECK_THROW(ec::lock_file(path, 20ms), ec::lock_timeout);
    ec::lock_file other(path, std::defer_lock);
    BOOST_TEST(!other.try_lock());
    BOOST_TEST(!other.try_lock_for(20ms));
    BOOST_TEST(test_support::no_peer_can_lock(path));
    BOOST_TEST(test_support::run_helper({"try", path.u8string()}) == 3);
}

BOOST_AUTO_TEST_CASE(threads_racing_for_one_file_have_exactly_one_winner)
{
    temp_dir dir;
    const auto path = dir / "lock";
    constexpr int rounds = 50;
    constexpr int threads = 8;
    for (int round = 0; round < rounds; ++round) {
        std::atomic<int> ready{0};
        std::atomic<bool> go{false};
        std::atomic<int> winners{0};
        std::atomic<int> losers{0};
        std::vector<ec::lock_file> won;
        for (int t = 0; t < threads; ++t)
            won.emplace_back(path, std::defer_lock);
        std::vector<std::thread> racers;
        for (int t = 0; t < threads; ++t)
            racers.emplace_back([&, t] {
                ++ready;
                while (!go)
                    std::this_thread::yield();
                // Half race through the constructor, half through try_lock().
                try {
                    if (t % 2 == 0)
                        won[t] = ec::lock_file(path);
                    const bool locked = t % 2 == 0 || won[t].try_lock();
                    ++(locked ? winners : losers);
                } catch (const ec::lock_error&) {
                    ++losers;
                }
            });
        while (ready < threads)
            std::this_thread::yield();
        go = true;
        for (auto& racer : racers)
            racer.join();
        BOOST_TEST_REQUIRE(winners == 1);
        BOOST_TEST_REQUIRE(losers == threads - 1);
        if (round % 10 == 0)
            BOOST_TEST(test_support::no_peer_can_lock(path)); // the winner really holds it
    }
}

// POSIX: /proc/locks, and both lock families.
#if !defined(_WIN32)
namespace {

struct lock_inodes {
    std::set<unsigned long> posix;
    std::set<unsigned long> flock;
};

/// The inodes this process holds POSIX and FLOCK locks on.
lock_inodes locks_of_this_process()
{
    lock_inodes found;
    for (const test_support::own_lock& held : test_support::locks_of_this_process())
        (held.family == "POSIX" ? found.posix : found.flock).insert(held.inode);
    return found;
}

} // namespace

// Hazard 5: file_lock, left to itself, opens the file again by name. While another thread keeps
// replacing the path with new files, both halves of every lock must still land on one inode.
BOOST_AUTO_TEST_CASE(both_lock_families_land_on_one_inode_while_the_path_is_replaced)
{
    temp_dir dir;
    const auto path = dir / "lock";
    std::atomic<bool> stop{false};
    struct stop_and_join {
        std::atomic<bool>& stop;
        std::thread thread;
        ~stop_and_join()
        {
            stop = true;
            thread.join();
        }
    } replacer{stop, std::thread([&] {
                   for (int i = 0; !stop; ++i) {
                       const auto fresh = dir / ("fresh" + std::to_string(i % 2));
                       std::ofstream(fresh).put(' ');
                       std::error_code ignored;
                       fs::rename(fresh, path, ignored);
                   }
               })};
    // Without the handling, about one attempt in a few thousand mixes inodes; a plain build
    // makes 10000 attempts in about a second. Sanitizer builds are slower and stop at the time
    // bound with fewer.
    const auto stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int checked = 0;
    for (int attempt = 0; attempt < 10000 && std::chrono::steady_clock::now() < stop_at; ++attempt) {
        ec::lock_file lock(path, std::defer_lock);
        if (!lock.try_lock())
            continue;
        const lock_inodes held = locks_of_this_process();
        BOOST_TEST_REQUIRE(held.posix.size() == 1u);
        BOOST_TEST_REQUIRE((held.posix == held.flock));
        ++checked;
    }
    BOOST_TEST(checked > 100);
}
#endif
