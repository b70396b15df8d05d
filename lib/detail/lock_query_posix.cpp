// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#include "lock_query_posix.hpp"

#include "file_error.hpp"
#include "fork_handler_posix.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/sysmacros.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

#if defined(__linux__)
/// The whole of a file under /proc, through a descriptor that no program this process starts
/// and no child it forks keeps (hazard 10); nothing if it cannot be read.
std::optional<std::string> read_proc_file(const char* name)
{
    struct listed_descriptor {
        int fd;
        ~listed_descriptor()
        {
            if (fd >= 0)
                close_listed(fd);
        }
    } const file{open_listed(name, O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0)
        return std::nullopt;
    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return std::nullopt;
        if (n == 0)
            return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

/// This process's pid in the pid namespace of the /proc that lists the locks, which need not be
/// the namespace getpid() answers in (`unshare --pid --fork` without a new /proc).
std::optional<long> pid_as_proc_sees_it()
{
    char target[32];
    const ssize_t n = ::readlink("/proc/self", target, sizeof target - 1);
    if (n <= 0)
        return std::nullopt; // this process is not visible in that /proc at all
    target[n] = '\0';
    char* end = nullptr;
    const long pid = std::strtol(target, &end, 10);
    if (end != target + n || pid <= 0)
        return std::nullopt;
    return pid;
}
#endif

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

bool proc_locks_may_hide_holders() noexcept
{
#if defined(__linux__)
    // The first pid namespace has had this inode number since Linux 3.8 (PROC_PID_INIT_INO).
    constexpr const char* first_namespace = "pid:[4026531836]";
    char name[64];
    const ssize_t n = ::readlink("/proc/self/ns/pid", name, sizeof name - 1);
    if (n <= 0)
        return true; // cannot tell: assume the worst
    name[n] = '\0';
    return std::strcmp(name, first_namespace) != 0;
#else
    return false;
#endif
}

bool flock_held_elsewhere(int fd, const fs::path& path)
{
    for (;;) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            ::flock(fd, LOCK_UN);
            return false;
        }
        switch (errno) {
        case EINTR: continue;
        case EWOULDBLOCK: return true;
        case ENOLCK:
        case EOPNOTSUPP:
        case EINVAL: return false; // no flock here: fcntl_locked_elsewhere() is the whole answer
        default: fail("cannot query the flock locks of lock file", path, errno);
        }
    }
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
        if (const std::optional<std::string> text = read_proc_file("/proc/self/mountinfo")) {
            std::istringstream mountinfo(*text);
            if (const auto device = mount_device(mountinfo, extended.stx_mnt_id)) {
                key.major = device->major;
                key.minor = device->minor;
            }
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
    // Without a pid to look for, none of the lines is ours; closing a descriptor of a file this
    // process holds is then still prevented by the process table's kernel check (hazard 11).
    const long this_process = pid_as_proc_sees_it().value_or(0);
    return agreed_reading(
        [&]() -> std::optional<listed_locks> {
            const std::optional<std::string> text = read_proc_file("/proc/locks");
            if (!text)
                return std::nullopt;
            std::istringstream proc_locks(*text);
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
