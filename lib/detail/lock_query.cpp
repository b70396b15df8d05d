// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "lock_query.hpp"

#include "file_error.hpp"

#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/sysmacros.h>
#endif

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace exclusive_control {
namespace detail {

namespace {

namespace fs = std::filesystem;

/// Parses "major:minor" (in `base`) at the start of `text`; `rest` receives what follows.
bool parse_device(const std::string& text, int base, kernel_file_key& key, std::string* rest)
{
    const auto colon = text.find(':');
    if (colon == std::string::npos)
        return false;
    try {
        std::size_t used = 0;
        key.major = std::stoul(text.substr(0, colon), &used, base);
        if (used != colon)
            return false;
        const std::string after = text.substr(colon + 1);
        key.minor = std::stoul(after, &used, base);
        if (rest)
            *rest = after.substr(used);
        else if (used != after.size())
            return false;
        return true;
    } catch (const std::logic_error&) { // not a number, or out of range
        return false;
    }
}

/// Parses the "fe:00:10987314" field of a /proc/locks line.
bool parse_lock_key(const std::string& text, kernel_file_key& key)
{
    std::string rest;
    if (!parse_device(text, 16, key, &rest) || rest.size() < 2 || rest[0] != ':')
        return false;
    try {
        std::size_t used = 0;
        key.inode = std::stoull(rest.substr(1), &used, 10);
        return used == rest.size() - 1;
    } catch (const std::logic_error&) {
        return false;
    }
}

bool operator==(const kernel_file_key& a, const kernel_file_key& b)
{
    return a.major == b.major && a.minor == b.minor && a.inode == b.inode;
}

} // namespace

bool fcntl_locked_elsewhere(int fd, const fs::path& path)
{
    struct flock probe {};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET; // l_start 0, l_len 0: the whole file, as lock_file locks it
    while (::fcntl(fd, F_GETLK, &probe) != 0)
        if (errno != EINTR)
            fail("cannot query the fcntl locks of lock file", path, errno);
    return probe.l_type != F_UNLCK;
}

listed_locks find_listed_locks(std::istream& proc_locks, const kernel_file_key& file, long this_process)
{
    listed_locks found;
    for (std::string line; std::getline(proc_locks, line);) {
        std::istringstream fields(line);
        std::string number, kind;
        fields >> number >> kind;
        if (kind != "POSIX" && kind != "FLOCK" && kind != "OFDLCK")
            continue; // a waiter ("->"), a lease or delegation, or an unknown kind
        // The owner's pid comes just before the key. Finding the key by its shape keeps the
        // parse independent of the columns in between, which kernels have changed.
        std::string previous, field;
        kernel_file_key key;
        while (fields >> field && !parse_lock_key(field, key))
            previous = field;
        if (!fields || !(key == file))
            continue;
        found.any = true;
        if (kind == "POSIX" && previous == std::to_string(this_process))
            found.fcntl_of_this_process = true;
    }
    return found;
}

std::optional<kernel_file_key> mount_device(std::istream& mountinfo, unsigned long long mount_id)
{
    const std::string wanted = std::to_string(mount_id);
    for (std::string line; std::getline(mountinfo, line);) {
        std::istringstream fields(line);
        std::string id, parent, device;
        fields >> id >> parent >> device;
        kernel_file_key key;
        if (id == wanted && parse_device(device, 10, key, nullptr))
            return key;
    }
    return std::nullopt;
}

kernel_file_key kernel_key_of(const fs::path& path, const struct stat& status)
{
    kernel_file_key key;
    key.inode = status.st_ino;
#if defined(__linux__)
    key.major = major(status.st_dev);
    key.minor = minor(status.st_dev);
#if defined(STATX_MNT_ID) // Linux 5.8
    struct statx extended;
    if (::statx(AT_FDCWD, path.c_str(), AT_STATX_SYNC_AS_STAT, STATX_MNT_ID, &extended) == 0 &&
        (extended.stx_mask & STATX_MNT_ID)) {
        std::ifstream mountinfo("/proc/self/mountinfo");
        if (const auto device = mount_device(mountinfo, extended.stx_mnt_id)) {
            key.major = device->major;
            key.minor = device->minor;
        }
    }
#endif
#endif
    (void)path;
    return key;
}

std::optional<listed_locks> read_listed_locks(const kernel_file_key& file)
{
#if defined(__linux__)
    const long this_process = ::getpid();
    return agreed_reading(
        [&]() -> std::optional<listed_locks> {
            std::ifstream proc_locks("/proc/locks");
            if (!proc_locks)
                return std::nullopt;
            return find_listed_locks(proc_locks, file, this_process);
        },
        4);
#else
    (void)file;
    return std::nullopt;
#endif
}

} // namespace detail
} // namespace exclusive_control
