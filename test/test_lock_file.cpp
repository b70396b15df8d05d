// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The seed's story and the on-disk format: lock, contend, close, file left behind, relock.
#define BOOST_TEST_MODULE lock_file
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"
#include "text.hpp"
#if !defined(_WIN32)
#include "interpose/gethostname.hpp"
#endif

#include <boost/asio/ip/host_name.hpp>

#if !defined(_WIN32)
#include <sys/stat.h>
#endif

#include <filesystem>
#include <type_traits>

namespace ec = exclusive_control;
namespace fs = std::filesystem;
using test_support::read_file;
using test_support::temp_dir;
using test_support::write_file;
using namespace std::string_literals;

namespace {
const std::string own_pid = test_support::this_process_id();
const std::string own_record = " " + own_pid + "\n";
} // namespace

BOOST_AUTO_TEST_CASE(lock_creates_the_file_and_writes_the_pid_as_zc_lockfile_does)
{
    temp_dir dir;
    {
        ec::lock_file lock(dir / "lock");
        BOOST_TEST(lock.owns_lock());
        BOOST_TEST(lock.path() == dir / "lock");
    }
    BOOST_TEST(read_file(dir / "lock") == own_record);
}

BOOST_AUTO_TEST_CASE(second_lock_in_same_process_fails_with_path_and_holder)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock", {"{pid};{hostname}"});
    try {
        ec::lock_file second(dir / "lock");
        BOOST_FAIL("the second lock succeeded");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.path() == dir / "lock");
        BOOST_TEST(error.holder() == own_pid + ";" + boost::asio::ip::host_name());
        BOOST_TEST(test_support::contains(error.what(), (dir / "lock").u8string()), error.what());
    }
    BOOST_TEST(lock.owns_lock());
    ec::lock_file deferred(dir / "lock", std::defer_lock);
    BOOST_TEST(!deferred.try_lock());
    lock.close();
    BOOST_TEST(deferred.try_lock());
}

// POSIX: a flock(1) peer.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(what_shows_control_bytes_of_the_holder_instead_of_ending_at_a_nul)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, " 12\0ab\tc\n"s);
    test_support::child_process flock_holder("/usr/bin/flock",
                                             {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(flock_holder.read_line() == "locked");
    const std::string shown = "held by 12\\x00ab\\x09c";
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file flock(1) holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == "12\0ab\tc"s);
        const std::string what = error.what();
        BOOST_TEST(what.size() >= shown.size());
        BOOST_TEST(what.substr(what.size() - shown.size()) == shown);
    }
    try {
        ec::lock_file lock(path, std::chrono::milliseconds(20));
        BOOST_FAIL("locked a file flock(1) holds");
    } catch (const ec::lock_timeout& error) {
        const std::string what = error.what();
        BOOST_TEST(what.size() >= shown.size());
        BOOST_TEST(what.substr(what.size() - shown.size()) == shown);
    }
    flock_holder.close_stdin();
    BOOST_TEST(flock_holder.wait() == 0);
}
#endif

BOOST_AUTO_TEST_CASE(close_releases_leaves_the_file_and_allows_relocking)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    lock.close();
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(fs::exists(dir / "lock"));
    BOOST_TEST(read_file(dir / "lock") == own_record);
    ec::lock_file again(dir / "lock");
    BOOST_TEST(again.owns_lock());
}

BOOST_AUTO_TEST_CASE(close_is_idempotent_and_destructor_after_close_is_harmless)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    lock.close();
    lock.close();
    ec::lock_file other(dir / "lock");
    lock.close(); // must not touch the lock `other` now holds
    BOOST_TEST(test_support::no_peer_can_lock(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(destructor_releases)
{
    temp_dir dir;
    {
        ec::lock_file lock(dir / "lock");
    }
    BOOST_TEST(test_support::every_peer_can_lock(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(existing_content_is_replaced_only_once_the_lock_is_held)
{
    temp_dir dir;
    write_file(dir / "lock", " 99999999;some-long-previous-holder-name\n");
    {
        ec::lock_file lock(dir / "lock");
    }
    BOOST_TEST(read_file(dir / "lock") == own_record); // truncated after the new record
}

BOOST_AUTO_TEST_CASE(hostname_template_writes_pid_and_hostname)
{
    temp_dir dir;
    {
        ec::lock_file lock(dir / "lock", {"{pid};{hostname}"});
    }
    BOOST_TEST(read_file(dir / "lock") == " " + own_pid + ";" + boost::asio::ip::host_name() + "\n");
}

// POSIX: gethostname(2) interposed.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(failed_hostname_lookup_throws_filesystem_error_naming_the_path_and_touches_nothing)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const test_support::gethostname_failure failing(ENAMETOOLONG);
    const auto check = [&](const fs::filesystem_error& error) {
        BOOST_TEST(error.path1() == path);
        BOOST_TEST((error.code() == std::errc::filename_too_long));
        BOOST_TEST(std::string(error.what()).find("{hostname}") != std::string::npos, error.what());
    };
    const ec::lock_options options{"{pid};{hostname}"};
    try {
        ec::lock_file lock(path, options);
        BOOST_FAIL("locked without the host name");
    } catch (const fs::filesystem_error& error) {
        check(error);
    }
    try {
        ec::lock_file lock(path, std::chrono::seconds(1), options);
        BOOST_FAIL("locked without the host name");
    } catch (const fs::filesystem_error& error) {
        check(error);
    }
    ec::lock_file deferred(path, std::defer_lock, options);
    try {
        deferred.try_lock();
        BOOST_FAIL("locked without the host name");
    } catch (const fs::filesystem_error& error) {
        check(error);
    }
    BOOST_TEST(!deferred.owns_lock());
    BOOST_TEST(!fs::exists(path));
    // Only a template that uses it looks it up.
    ec::lock_file lock(path);
    BOOST_TEST(read_file(path) == own_record);
}
#endif

BOOST_AUTO_TEST_CASE(without_content_the_file_is_locked_in_place_unchanged)
{
    temp_dir dir;
    write_file(dir / "data", "precious data\nsecond line");
    ec::lock_options options;
    options.write_content = false;
    {
        ec::lock_file lock(dir / "data", options);
        BOOST_TEST(test_support::no_peer_can_lock(dir / "data"));
    }
    BOOST_TEST(read_file(dir / "data") == "precious data\nsecond line");
}

// POSIX: file modes and the umask.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(new_file_gets_0644_minus_umask_by_default)
{
    temp_dir dir;
    const mode_t previous = ::umask(022);
    {
        ec::lock_file lock(dir / "default");
    }
    ::umask(077);
    {
        ec::lock_file lock(dir / "private");
    }
    ::umask(previous);
    BOOST_TEST((fs::status(dir / "default").permissions() ==
                (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read)));
    BOOST_TEST((fs::status(dir / "private").permissions() == (fs::perms::owner_read | fs::perms::owner_write)));
}

BOOST_AUTO_TEST_CASE(permissions_option_applies_to_new_files_only)
{
    temp_dir dir;
    const mode_t previous = ::umask(0);
    ec::lock_options options;
    options.permissions = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::group_write;
    {
        ec::lock_file lock(dir / "shared", options);
    }
    write_file(dir / "existing", "");
    fs::permissions(dir / "existing", fs::perms::owner_read | fs::perms::owner_write);
    {
        ec::lock_file lock(dir / "existing", options);
    }
    ::umask(previous);
    BOOST_TEST((fs::status(dir / "shared").permissions() == options.permissions));
    BOOST_TEST((fs::status(dir / "existing").permissions() == (fs::perms::owner_read | fs::perms::owner_write)));
}

#endif

BOOST_AUTO_TEST_CASE(lock_file_is_move_only_and_moves_the_lock)
{
    static_assert(!std::is_copy_constructible_v<ec::lock_file>);
    static_assert(!std::is_copy_assignable_v<ec::lock_file>);
    static_assert(std::is_nothrow_move_constructible_v<ec::lock_file>);
    static_assert(std::is_nothrow_move_assignable_v<ec::lock_file>);
    temp_dir dir;
    ec::lock_file first(dir / "lock");
    ec::lock_file moved(std::move(first));
    BOOST_TEST(moved.owns_lock());
    BOOST_TEST(!first.owns_lock());
    first.close(); // a moved-from object releases nothing
    BOOST_TEST(test_support::no_peer_can_lock(dir / "lock"));

    ec::lock_file other(dir / "other");
    other = std::move(moved); // releases "other", takes over "lock"
    BOOST_TEST(other.owns_lock());
    BOOST_TEST(other.path() == dir / "lock");
    BOOST_TEST(test_support::every_peer_can_lock(dir / "other"));
    BOOST_TEST(test_support::no_peer_can_lock(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(deferred_lock_touches_no_file_until_locked)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(!fs::exists(dir / "lock"));
    BOOST_TEST(lock.try_lock());
    lock.close();
    BOOST_TEST(read_file(dir / "lock") == own_record);
}

BOOST_AUTO_TEST_CASE(non_ascii_path_is_locked_contended_and_reported_whole)
{
    temp_dir dir;
    const fs::path path = dir / fs::u8path("verrou-\u00e9t\u00e9-\u6f22\u5b57.lock");
    ec::lock_file lock(path);
    BOOST_TEST(fs::exists(path));
    test_support::log_capture capture;
    try {
        ec::lock_file second(path);
        BOOST_FAIL("locked twice");
    } catch (const ec::lock_error& error) {
        BOOST_TEST((error.path() == path));
        BOOST_TEST(test_support::contains(error.what(), path.u8string()), error.what());
    }
    BOOST_TEST_REQUIRE(capture.records().size() == 1u);
    BOOST_TEST(capture.records()[0].message == "Error locking file " + path.u8string() + "; pid=" + own_pid);
    test_support::child_process contender(test_support::lock_holder(), {"try", path.u8string()});
    BOOST_TEST(contender.read_line() == "busy " + own_pid);
    BOOST_TEST(contender.wait() == 3);
    lock.close();
    BOOST_TEST(read_file(path) == own_record);
}
