// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Asking the kernel about a lock without taking it: the /proc/locks and mountinfo parsers on
// known text, and both queries against real locks.
#define BOOST_TEST_MODULE lock_query
#include <boost/test/unit_test.hpp>

#include "detail/lock_query_posix.hpp"

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <sstream>
#include <vector>

namespace detail = exclusive_control::detail;
using test_support::child_process;
using test_support::temp_dir;

namespace {

detail::listed_locks listed(const std::string& proc_locks, detail::kernel_file_key file, long self = 1)
{
    std::istringstream text(proc_locks);
    return detail::find_listed_locks(text, file, self);
}

detail::kernel_file_key key(unsigned long major, unsigned long minor, unsigned long long inode)
{
    detail::kernel_file_key k;
    k.major = major;
    k.minor = minor;
    k.inode = inode;
    return k;
}

/// Opens `path` for the duration of a test, closing it at the end.
struct descriptor {
    explicit descriptor(const std::filesystem::path& path)
        : fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644))
    {
        BOOST_TEST_REQUIRE(fd >= 0);
    }
    ~descriptor() { ::close(fd); }
    int fd;
};

detail::kernel_file_key key_of(const std::filesystem::path& path)
{
    struct stat status;
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &status) == 0);
    return detail::kernel_key_of(path, status);
}

} // namespace

BOOST_AUTO_TEST_CASE(locks_are_found_by_hexadecimal_device_and_decimal_inode)
{
    const std::string text = "1: POSIX  ADVISORY  WRITE 1454 fe:00:10987314 0 EOF\n"
                             "2: FLOCK  ADVISORY  WRITE 1681 103:0a:77 0 EOF\n";
    BOOST_TEST(listed(text, key(0xfe, 0, 10987314)).any);
    BOOST_TEST(listed(text, key(259, 10, 77)).any);
    BOOST_TEST(!listed(text, key(254, 0, 77)).any);
    BOOST_TEST(!listed(text, key(0xfe, 0, 1098731)).any);
}

BOOST_AUTO_TEST_CASE(every_lock_family_and_shared_locks_count)
{
    BOOST_TEST(listed("7: FLOCK  ADVISORY  READ 12 00:26:257 0 EOF\n", key(0, 0x26, 257)).any);
    BOOST_TEST(listed("7: OFDLCK ADVISORY  WRITE -1 00:26:257 0 EOF\n", key(0, 0x26, 257)).any);
    BOOST_TEST(listed("7: POSIX  MANDATORY READ 12 00:26:257 0 EOF\n", key(0, 0x26, 257)).any);
}

BOOST_AUTO_TEST_CASE(waiters_and_leases_hold_nothing)
{
    const auto file = key(0xfe, 1, 42);
    BOOST_TEST(!listed("3: -> FLOCK  ADVISORY  WRITE 99 fe:01:42 0 EOF\n", file).any);
    BOOST_TEST(!listed("3: LEASE  ACTIVE    READ 99 fe:01:42 0 EOF\n", file).any);
    BOOST_TEST(!listed("3: DELEG  ACTIVE    READ 99 fe:01:42 0 EOF\n", file).any);
}

BOOST_AUTO_TEST_CASE(an_fcntl_lock_of_the_asking_process_is_told_apart)
{
    const auto file = key(0xfe, 0, 5);
    const auto own_posix = listed("1: POSIX  ADVISORY  WRITE 42 fe:00:5 0 EOF\n", file, 42);
    BOOST_TEST(own_posix.any);
    BOOST_TEST(own_posix.fcntl_of_this_process);
    // Closing a descriptor drops neither a flock nor an OFD lock, so those are harmless.
    BOOST_TEST(!listed("1: FLOCK  ADVISORY  WRITE 42 fe:00:5 0 EOF\n", file, 42).fcntl_of_this_process);
    BOOST_TEST(!listed("1: POSIX  ADVISORY  WRITE 420 fe:00:5 0 EOF\n", file, 42).fcntl_of_this_process);
    BOOST_TEST(!listed("1: POSIX  ADVISORY  WRITE 42 fe:00:6 0 EOF\n", file, 42).fcntl_of_this_process);
}

BOOST_AUTO_TEST_CASE(lines_of_unexpected_shape_are_skipped)
{
    const std::string text = "\n"
                             "garbage\n"
                             "1: POSIX\n"
                             "2: POSIX  *NOINODE* WRITE 12 <none>:0 0 EOF\n"
                             "3: FLOCK  ADVISORY  WRITE 12 zz:00:5 0 EOF\n"
                             "4: FLOCK  ADVISORY  WRITE 12 fe:00:99999999999999999999999 0 EOF\n"
                             "5: FLOCK  ADVISORY  WRITE 12 fe:00:5 0 EOF\n";
    BOOST_TEST(listed(text, key(0xfe, 0, 5)).any);
    BOOST_TEST(!listed(text, key(0, 0, 0)).any);
}

BOOST_AUTO_TEST_CASE(a_reading_counts_once_the_next_one_agrees)
{
    const detail::listed_locks unlocked{false, false}, locked{true, false}, ours{true, true};
    auto sequence = [](std::vector<std::optional<detail::listed_locks>> readings) {
        return [readings, next = std::size_t(0)]() mutable { return readings.at(next++); };
    };
    BOOST_TEST((detail::agreed_reading(sequence({locked, locked}), 4) == locked));
    BOOST_TEST((detail::agreed_reading(sequence({ours, locked, locked}), 4) == locked));
    BOOST_TEST((detail::agreed_reading(sequence({unlocked, locked, unlocked, unlocked}), 4) == unlocked));
    BOOST_TEST((detail::agreed_reading(sequence({unlocked, locked, ours, unlocked}), 4) == unlocked));
    BOOST_TEST(!detail::agreed_reading(sequence({std::nullopt}), 4).has_value());
}

BOOST_AUTO_TEST_CASE(mountinfo_gives_a_mounts_device_in_decimal)
{
    std::istringstream text("21 26 0:20 / /proc rw,relatime - proc proc rw\n"
                            "42 26 0:38 / /srv rw,relatime - btrfs /dev/loop0 rw,subvol=/\n"
                            "43 26 259:2 / /data rw - ext4 /dev/nvme0n1p2 rw\n");
    const auto btrfs = detail::mount_device(text, 42);
    BOOST_TEST_REQUIRE(btrfs.has_value());
    BOOST_TEST(btrfs->major == 0u);
    BOOST_TEST(btrfs->minor == 38u);
    text.clear();
    text.seekg(0);
    const auto nvme = detail::mount_device(text, 43);
    BOOST_TEST_REQUIRE(nvme.has_value());
    BOOST_TEST(nvme->major == 259u);
    BOOST_TEST(nvme->minor == 2u);
    text.clear();
    text.seekg(0);
    BOOST_TEST(!detail::mount_device(text, 4).has_value());
}

// The key must be the one the kernel writes, whatever the file system of the temp directory.
BOOST_AUTO_TEST_CASE(a_real_flock_is_listed_under_the_files_key)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const auto other = dir / "other";
    descriptor file(path);
    descriptor unrelated(other);
    BOOST_TEST_REQUIRE(::flock(file.fd, LOCK_EX | LOCK_NB) == 0);
    const auto found = detail::read_listed_locks(key_of(path));
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST(found->any);
    BOOST_TEST(!found->fcntl_of_this_process);
    BOOST_TEST(!detail::read_listed_locks(key_of(other))->any);
}

BOOST_AUTO_TEST_CASE(a_real_fcntl_lock_of_this_process_is_listed_as_ours)
{
    temp_dir dir;
    const auto path = dir / "lock";
    descriptor file(path);
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    BOOST_TEST_REQUIRE(::fcntl(file.fd, F_SETLK, &request) == 0);
    const auto found = detail::read_listed_locks(key_of(path));
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST(found->fcntl_of_this_process);
}

BOOST_AUTO_TEST_CASE(f_getlk_sees_an_fcntl_lock_of_another_process_only)
{
    temp_dir dir;
    const auto path = dir / "lock";
    descriptor file(path);
    BOOST_TEST(!detail::fcntl_locked_elsewhere(file.fd, path));

    child_process fcntl_peer(test_support::lock_holder(), {"fcntl-hold", path.string()});
    BOOST_TEST_REQUIRE(fcntl_peer.read_line() == "locked");
    BOOST_TEST(detail::fcntl_locked_elsewhere(file.fd, path));
    fcntl_peer.close_stdin();
    BOOST_TEST(fcntl_peer.wait() == 0);
    BOOST_TEST(!detail::fcntl_locked_elsewhere(file.fd, path));

    child_process flock_peer("/usr/bin/flock", {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(flock_peer.read_line() == "locked");
    // On Linux the families are independent: the flock half is /proc/locks' to see.
    BOOST_TEST(!detail::fcntl_locked_elsewhere(file.fd, path));
    flock_peer.close_stdin();
    BOOST_TEST(flock_peer.wait() == 0);
}
