// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What only Windows has (hazard 7): byte 0 locked with LockFileEx through the handle we write
// with, the holder readable from offset 1, sharing modes, device names. The behaviour every
// platform shares is tested by the feature suites, on Windows too. Runs under wine in CI
// (tools/test_windows.sh). Wine does not refuse reads of a locked byte range as Windows does:
// the tests named *_proven_only_on_real_windows cannot prove there what they prove on Windows.
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE windows
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

#include <windows.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>

namespace ec = exclusive_control;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::contains;
using test_support::log_capture;
using test_support::read_file;
using test_support::temp_dir;
using test_support::write_file;

namespace {

const std::string own_pid = test_support::this_process_id();

/// What another program reading `size` bytes at `offset` gets, through a handle of its own: the
/// bytes, or the Windows error that refused the read.
struct read_result {
    std::string bytes;
    DWORD error = ERROR_SUCCESS;
};

read_result read_through_another_handle(const fs::path& path, std::uint32_t offset, std::uint32_t size)
{
    read_result result;
    const HANDLE file = ::CreateFileW(path.c_str(), GENERIC_READ,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                      FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) {
        result.error = ::GetLastError();
        return result;
    }
    result.bytes.resize(size);
    OVERLAPPED position{};
    position.Offset = offset;
    DWORD n = 0;
    if (!::ReadFile(file, result.bytes.data(), size, &n, &position))
        result.error = ::GetLastError();
    result.bytes.resize(n);
    ::CloseHandle(file);
    return result;
}

/// Whether this system refuses to read a byte that another handle has locked, as Windows does
/// and wine does not.
bool reads_of_locked_bytes_are_refused()
{
    temp_dir dir;
    const auto path = dir / "probe";
    write_file(path, "x");
    const HANDLE locker = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        FILE_ATTRIBUTE_NORMAL, nullptr);
    if (locker == INVALID_HANDLE_VALUE)
        throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(), "probe");
    OVERLAPPED byte_0{};
    const bool locked = ::LockFileEx(locker, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &byte_0);
    const bool refused = locked && read_through_another_handle(path, 0, 1).error == ERROR_LOCK_VIOLATION;
    ::CloseHandle(locker);
    return refused;
}

/// A precondition for what only real Windows proves: elsewhere the test is skipped, and says so.
boost::test_tools::assertion_result on_real_windows(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result result(reads_of_locked_bytes_are_refused());
    result.message() << "this system (wine?) reads bytes that another handle has locked";
    return result;
}

/// The filesystem_error that `body` throws; a failed check if it throws nothing or another type.
template <class Body>
fs::filesystem_error filesystem_error_of(Body body)
{
    try {
        body();
    } catch (const fs::filesystem_error& error) {
        return error;
    } catch (const std::exception& error) {
        BOOST_ERROR("expected filesystem_error, got: " << error.what());
        return fs::filesystem_error("wrong exception", std::error_code());
    }
    BOOST_ERROR("expected filesystem_error, nothing thrown");
    return fs::filesystem_error("nothing thrown", std::error_code());
}

} // namespace

// ---- The file, and byte 0 ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(zc_lockfile_style_peer_is_excluded_while_we_hold_the_lock)
{
    temp_dir dir;
    const auto path = dir / "lock";
    {
        ec::lock_file lock(path);
        BOOST_TEST(!test_support::first_byte_peer_can_lock(path));
    }
    BOOST_TEST(test_support::first_byte_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(zc_lockfile_style_peer_holding_byte_0_excludes_us_and_is_named)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, " 4242\n"); // as the peer wrote it after locking byte 0
    child_process peer(test_support::lock_holder(), {"first-byte-hold", path.u8string()});
    BOOST_TEST_REQUIRE(peer.read_line() == "locked");
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file whose byte 0 another process holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == "4242");
    }
    peer.close_stdin();
    BOOST_TEST(peer.wait() == 0);
    ec::lock_file lock(path);
    BOOST_TEST(lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(peer_that_wrote_nothing_is_reported_unknown_in_one_record)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process peer(test_support::lock_holder(), {"first-byte-hold", path.u8string()});
    BOOST_TEST_REQUIRE(peer.read_line() == "locked");
    log_capture capture;
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file whose byte 0 another process holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == "UNKNOWN");
    }
    BOOST_TEST_REQUIRE(capture.records().size() == 1u);
    BOOST_TEST(capture.records()[0].message == "Error locking file " + path.u8string() + "; pid=UNKNOWN");
    peer.close_stdin();
    BOOST_TEST(peer.wait() == 0);
}

// Windows refuses every read of a range another handle has locked; wine reads it anyway. So under
// wine this passes whatever the library locks; on real Windows it fails if more than byte 0 is
// locked, as boost::interprocess::file_lock would lock the whole file.
BOOST_AUTO_TEST_CASE(contender_reads_holder_while_byte_0_is_locked_proven_only_on_real_windows)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path, {"{pid};web-1"});
    const read_result content = read_through_another_handle(path, 1, 64);
    BOOST_TEST(content.error == DWORD(ERROR_SUCCESS));
    BOOST_TEST(content.bytes == own_pid + ";web-1\n");
    child_process contender(test_support::lock_holder(), {"try", path.u8string()});
    BOOST_TEST(contender.read_line() == "busy " + own_pid + ";web-1");
    BOOST_TEST(contender.wait() == 3);
}

// ---- inspect() ---------------------------------------------------------------------------

// inspect() tells a lock held elsewhere by a read of byte 0 failing, which wine never refuses.
BOOST_AUTO_TEST_CASE(inspect_sees_other_processes_locks_proven_only_on_real_windows,
                     *boost::unit_test::precondition(on_real_windows))
{
    temp_dir dir;
    const auto path = dir / "lock";
    {
        child_process holder(test_support::lock_holder(), {"hold", path.u8string()});
        BOOST_TEST_REQUIRE(holder.read_line() == "locked");
        const ec::lock_status status = ec::inspect(path);
        BOOST_TEST(status.locked);
        BOOST_TEST(status.holder == std::to_string(holder.pid()));
        holder.close_stdin();
        BOOST_TEST(holder.wait() == 0);
    }
    BOOST_TEST(!ec::inspect(path).locked);
    child_process peer(test_support::lock_holder(), {"first-byte-hold", path.u8string()});
    BOOST_TEST_REQUIRE(peer.read_line() == "locked");
    BOOST_TEST(ec::inspect(path).locked);
    peer.close_stdin();
    BOOST_TEST(peer.wait() == 0);
}

// ---- Sharing modes ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(file_another_program_opened_without_sharing_counts_as_held_elsewhere)
{
    temp_dir dir;
    const auto path = dir / "lock";
    write_file(path, " 4242\n");
    // What a virus scanner or a backup does: open the file and share nothing.
    HANDLE exclusive = ::CreateFileW(path.c_str(), GENERIC_READ, 0, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL,
                                     nullptr);
    BOOST_TEST_REQUIRE((exclusive != INVALID_HANDLE_VALUE));
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file another program has open without sharing");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == "UNKNOWN");
    }
    ec::lock_file waiter(path, std::defer_lock);
    BOOST_TEST(!waiter.try_lock_for(100ms));
    std::thread closer([&] {
        std::this_thread::sleep_for(100ms);
        ::CloseHandle(exclusive);
    });
    const bool acquired = waiter.try_lock_for(test_support::patience);
    closer.join();
    BOOST_TEST(acquired);
    BOOST_TEST(read_file(path) == " " + own_pid + "\n");
}

// ---- Device names -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(device_name_is_refused_as_not_a_regular_file)
{
    const fs::filesystem_error error = filesystem_error_of([] { ec::lock_file lock("NUL"); });
    BOOST_TEST((error.code() == std::error_code(ERROR_INVALID_PARAMETER, std::system_category())), error.what());
    BOOST_TEST(contains(error.what(), "a character device"), error.what());
}
