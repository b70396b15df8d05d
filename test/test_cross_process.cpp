// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Hazard 3: peers in other processes, of both lock families, exclude us and we exclude them.
// Hazard numbers refer to doc/design.adoc. Windows' own peer, one that locks byte 0, is
// test_windows's.
#define BOOST_TEST_MODULE cross_process
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/asio/ip/host_name.hpp>

namespace ec = exclusive_control;
using test_support::child_process;
using test_support::temp_dir;

namespace {

/// Asserts that this process cannot take the lock, and that the error names the file and the holder.
void require_busy_here(const std::filesystem::path& path, const std::string& expected_holder)
{
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file another process holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == expected_holder);
        BOOST_TEST((error.path() == path));
    }
}

/// A holder releases when its standard input ends; afterwards the lock is ours to take.
void release_and_relock(child_process& holder, const std::filesystem::path& path)
{
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
    ec::lock_file lock(path);
    BOOST_TEST(lock.owns_lock());
}

} // namespace

BOOST_AUTO_TEST_CASE(lock_file_in_another_process_excludes_us_and_names_itself)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    require_busy_here(path, std::to_string(holder.pid()));
    release_and_relock(holder, path);
}

BOOST_AUTO_TEST_CASE(hostname_template_of_another_process_is_reported_whole)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.u8string(), "{pid};{hostname};container-7"});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    require_busy_here(path, std::to_string(holder.pid()) + ";" + boost::asio::ip::host_name() + ";container-7");
    release_and_relock(holder, path);
}

// POSIX: the peers of both families.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(flock_peer_excludes_us)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder("/usr/bin/flock", {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    require_busy_here(path, "UNKNOWN");
    release_and_relock(holder, path);
}

BOOST_AUTO_TEST_CASE(fcntl_peer_excludes_us)
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::write_file(path, " 4242\n"); // what a previous holder left
    child_process holder(test_support::lock_holder(), {"fcntl-hold", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    require_busy_here(path, "4242");
    release_and_relock(holder, path);
}
#endif

BOOST_AUTO_TEST_CASE(we_exclude_peers_of_both_families_and_other_processes_of_ours)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    BOOST_TEST(test_support::no_peer_can_lock(path));
    child_process other(test_support::lock_holder(), {"try", path.u8string()});
    BOOST_TEST(other.read_line() == "busy " + test_support::this_process_id());
    BOOST_TEST(other.wait() == 3);
    lock.close();
    BOOST_TEST(test_support::every_peer_can_lock(path));
    BOOST_TEST(test_support::run_helper({"try", path.u8string()}) == 0);
}

BOOST_AUTO_TEST_CASE(holder_that_dies_leaves_the_lock_free)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    holder.kill();
    holder.wait();
#if defined(_WIN32)
    // Windows releases a dead process's locks soon, not at once: wait, bounded.
    ec::lock_file lock(path, test_support::patience);
#else
    // The kernel releases them with the process's last descriptor: at once.
    ec::lock_file lock(path);
#endif
    BOOST_TEST(lock.owns_lock());
}

// POSIX: a flock(1) peer.
#if !defined(_WIN32)
// doc/caveats.adoc#truncating-peers: py-filelock's FileLock opens with O_TRUNC before it tries
// flock. The shell's `: >` does the same open, then flock(1) tries as such a peer does.
BOOST_AUTO_TEST_CASE(a_peer_that_truncates_before_locking_empties_the_holder_but_not_the_lock)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(test_support::lock_holder(), {"hold", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    child_process peer("/bin/sh", {"-c", ": >\"$1\"; exec /usr/bin/flock -n \"$1\" true", "sh", path.string()});
    BOOST_TEST(peer.wait() == 1); // flock -n: busy
    BOOST_TEST(test_support::read_file(path).empty());
    require_busy_here(path, "UNKNOWN");
    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == "UNKNOWN");
    BOOST_TEST(test_support::no_peer_can_lock(path));
    release_and_relock(holder, path);
}
#endif
