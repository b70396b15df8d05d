// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// inspect(): who holds it, whoever that is, without ever taking the lock or dropping ours
// (hazards 2 and 9).
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE inspect
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"
#if !defined(_WIN32)
#include "forked_child.hpp"
#include "own_locks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <atomic>
#include <thread>

namespace ec = exclusive_control;
namespace fs = std::filesystem;
using test_support::child_process;
using test_support::temp_dir;
using test_support::write_file;

namespace {

const std::string own_pid = test_support::this_process_id();

#if !defined(_WIN32)
/// Whether this process holds an fcntl lock on `path`: the half of our lock that closing a
/// stray descriptor would drop.
bool this_process_holds_fcntl_lock(const fs::path& path)
{
    struct stat status;
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &status) == 0);
    for (const test_support::own_lock& held : test_support::locks_of_this_process())
        if (held.family == "POSIX" && held.inode == status.st_ino)
            return true;
    return false;
}
#endif

} // namespace

BOOST_AUTO_TEST_CASE(a_missing_file_is_unlocked_and_stays_missing)
{
    temp_dir dir;
    const ec::lock_status status = ec::inspect(dir / "lock");
    BOOST_TEST(!status.locked);
    BOOST_TEST(status.holder == "UNKNOWN");
    BOOST_TEST(!fs::exists(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(a_file_held_by_this_process_is_locked_and_stays_locked)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path, {"{pid};me"});
    for (int i = 0; i < 3; ++i) {
        const ec::lock_status status = ec::inspect(path);
        BOOST_TEST(status.locked);
        BOOST_TEST(status.holder == own_pid + ";me");
    }
    BOOST_TEST(test_support::no_peer_can_lock(path));
    BOOST_TEST(lock.owns_lock());
}

// POSIX: Windows lets only privileged users make symbolic links.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(a_symbolic_link_is_followed)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    fs::create_symlink(dir / "lock", dir / "link");
    BOOST_TEST(ec::inspect(dir / "link").locked);
    BOOST_TEST(ec::inspect(dir / "link").holder == own_pid);
    BOOST_TEST(test_support::no_peer_can_lock(dir / "lock"));
}

#endif

BOOST_AUTO_TEST_CASE(a_released_file_is_unlocked_and_names_its_last_holder)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    lock.close();
    const ec::lock_status status = ec::inspect(dir / "lock");
    BOOST_TEST(!status.locked);
    BOOST_TEST(status.holder == own_pid);
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_unlocked_with_an_unknown_holder)
{
    temp_dir dir;
    write_file(dir / "lock", "");
    const ec::lock_status status = ec::inspect(dir / "lock");
    BOOST_TEST(!status.locked);
    BOOST_TEST(status.holder == "UNKNOWN");
}

// POSIX: on Windows, inspect() sees another process's lock by a refused read, which wine never
// refuses: test_windows has this, proven only on real Windows. Then the peers of both families,
// a lock this process took with fcntl, and fork.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(a_lock_file_of_another_process_is_seen_with_its_record)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.string(), "{pid};elsewhere"});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == std::to_string(holder.pid()) + ";elsewhere");
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
    BOOST_TEST(!ec::inspect(path).locked);
}

// Only /proc/locks can see a flock-family peer on Linux: F_GETLK cannot.
BOOST_AUTO_TEST_CASE(a_flock_peer_is_seen)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, " written by a shell script\n");
    child_process holder("/usr/bin/flock", {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == "written by a shell script");
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
    BOOST_TEST(!ec::inspect(path).locked);
}

BOOST_AUTO_TEST_CASE(an_fcntl_peer_is_seen)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"fcntl-hold", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == "UNKNOWN");
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
}

// Hazard 2 for a lock this process took without lock_file: opening the file to read it would
// drop that lock when the descriptor closes, so inspect does not open it.
BOOST_AUTO_TEST_CASE(an_fcntl_lock_this_process_took_by_itself_is_seen_and_kept)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, " mine\n");
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    BOOST_TEST_REQUIRE(fd >= 0);
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    BOOST_TEST_REQUIRE(::fcntl(fd, F_SETLK, &request) == 0);
    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == "UNKNOWN");
    BOOST_TEST(!test_support::fcntl_peer_can_lock(path));
    ::close(fd);
}

// Hazard 4: the child inherits the parent's entry in the in-process table, but not the lock.
BOOST_AUTO_TEST_CASE(a_forked_child_sees_its_parents_lock_and_leaves_it_alone)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    const int child_status = test_support::run_in_fork([&] {
        const ec::lock_status status = ec::inspect(path);
        return status.locked && status.holder == own_pid ? 0 : 1;
    });
    BOOST_TEST(child_status == 0);
    BOOST_TEST(test_support::no_peer_can_lock(path));
}

#endif

/// Runs inspect() on `path` in a loop on another thread while it lives.
class inspector {
public:
    explicit inspector(fs::path path)
        : path_(std::move(path)), thread_([this] {
              while (!stop_) {
                  ec::inspect(path_);
                  ++inspections_;
              }
          })
    {
    }
    ~inspector()
    {
        stop_ = true;
        thread_.join();
    }
    int inspections() const { return inspections_; }

private:
    fs::path path_;
    std::atomic<bool> stop_{false};
    std::atomic<int> inspections_{0};
    std::thread thread_;
};

// Taking the lock to test it, even for an instant, would make a concurrent acquirer fail.
BOOST_AUTO_TEST_CASE(inspecting_never_makes_an_acquirer_fail)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, "");
    inspector looking(path);
    int failed_acquisitions = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (std::chrono::steady_clock::now() < end) {
        {
            ec::lock_file lock(path, std::defer_lock);
            if (!lock.try_lock())
                ++failed_acquisitions;
        }
        // While the file is free the inspector looks at the file itself, not at our table.
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    BOOST_TEST(failed_acquisitions == 0);
    BOOST_TEST(looking.inspections() > 0);
}

// POSIX: hazard 2, the fcntl half of our lock.
#if !defined(_WIN32)
// A descriptor opened to look must not be closed while another thread holds the file.
BOOST_AUTO_TEST_CASE(inspecting_never_drops_a_lock_another_thread_just_took)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, "");
    inspector looking(path);
    int dropped_locks = 0;
    for (int i = 0; i < 300; ++i) {
        {
            ec::lock_file lock(path);
            std::this_thread::sleep_for(std::chrono::microseconds(100)); // for the inspector to close
            if (!this_process_holds_fcntl_lock(path))
                ++dropped_locks;
        }
        // While the file is free the inspector opens it, and we take it under its feet.
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    BOOST_TEST(dropped_locks == 0);
    BOOST_TEST(looking.inspections() > 0);
}

#endif

BOOST_AUTO_TEST_CASE(what_cannot_be_a_lock_file_is_an_error_naming_it)
{
    temp_dir dir;
    fs::create_directory(dir / "directory");
    try {
        ec::inspect(dir / "directory");
        BOOST_FAIL("inspected a directory");
    } catch (const fs::filesystem_error& error) {
        BOOST_TEST(error.path1() == dir / "directory");
        BOOST_TEST(std::string(error.what()).find("directory") != std::string::npos);
    }
    BOOST_CHECK_THROW(ec::inspect(""), fs::filesystem_error);
#if !defined(_WIN32)
    // Under wine inspect() reports a path through a regular file as unlocked instead: whether
    // Windows should refuse it too is open.
    write_file(dir / "file", "");
    BOOST_CHECK_THROW(ec::inspect(dir / "file" / "lock"), fs::filesystem_error);
#endif
}
