// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_LOCK_QUERY_POSIX_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_LOCK_QUERY_POSIX_HPP

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <iosfwd>
#include <optional>

namespace exclusive_control {
namespace detail {

// Asking the kernel whether a file is locked, without locking it. Used by inspect().

/// Whether another process holds an fcntl-family lock that would stop a write lock on the
/// whole file behind `fd` (`F_GETLK`). Locks of this very process never count: POSIX does not
/// report a process's own locks to it. On FreeBSD and macOS this sees flock locks too.
/// Throws: `std::filesystem::filesystem_error` naming `path`.
bool fcntl_locked_elsewhere(int fd, const std::filesystem::path& path);

/// Whether `/proc/locks` may leave out locks that matter: the kernel lists only the locks of
/// processes that /proc's pid namespace can see, so inside a container (a pid namespace other
/// than the first) a flock holder in another container is invisible (hazard 12).
bool proc_locks_may_hide_holders() noexcept;

/// Whether a flock-family lock on the file behind `fd` stops an exclusive flock, found by
/// trying one (LOCK_EX | LOCK_NB) and giving it back at once: the only way to see a flock
/// holder that /proc/locks hides. For that instant the file is locked by us.
/// Throws: `std::filesystem::filesystem_error` naming `path`.
bool flock_held_elsewhere(int fd, const std::filesystem::path& path);

/// A file as `/proc/locks` names it: the device of its file system and its inode number.
struct kernel_file_key {
    unsigned long major = 0;
    unsigned long minor = 0;
    unsigned long long inode = 0;
};

/// What `/proc/locks` lists for one file.
struct listed_locks {
    /// A lock of any family, shared or exclusive, held (not waited for) by anyone.
    bool any = false;
    /// An fcntl (POSIX) lock owned by the process asking. Closing any descriptor of the file
    /// would drop it, so the file must not be opened.
    bool fcntl_of_this_process = false;

    friend bool operator==(const listed_locks& a, const listed_locks& b) noexcept
    {
        return a.any == b.any && a.fcntl_of_this_process == b.fcntl_of_this_process;
    }
};

/// Finds the locks on `file` in the text of `/proc/locks`, whose lines look like
/// `3: POSIX  ADVISORY  WRITE 1454 fe:00:10987314 0 EOF`: the device in hexadecimal
/// major:minor, the inode in decimal. Lines of waiters (`3: -> FLOCK ...`) and leases are not locks.
listed_locks find_listed_locks(std::istream& proc_locks, const kernel_file_key& file, long this_process);

/// The device of mount `mount_id` in the text of `/proc/self/mountinfo`, whose third field is
/// the file system's major:minor in decimal; nothing if the mount is not listed.
std::optional<kernel_file_key> mount_device(std::istream& mountinfo, unsigned long long mount_id);

/// The key under which `/proc/locks` lists the file at `path`, whose `stat` is `status`.
/// Usually its `st_dev`; but btrfs gives each subvolume a device of its own in `stat` while
/// `/proc/locks` names the file system's, which mountinfo lists for the file's mount.
kernel_file_key kernel_key_of(const std::filesystem::path& path, const struct stat& status);

/// The first reading by `read` that the next reading agrees with; after `most` readings, the
/// last one. Nothing if the first reading fails.
template <class Read>
std::optional<listed_locks> agreed_reading(Read read, int most)
{
    std::optional<listed_locks> previous = read();
    for (int taken = 1; previous && taken < most; ++taken) {
        const std::optional<listed_locks> next = read();
        if (!next || *next == *previous)
            return previous;
        previous = next;
    }
    return previous;
}

/// Reads `/proc/locks` for `file`. Nothing where it cannot be read (not Linux, no /proc).
/// The kernel leaves out the locks of processes outside this process's PID namespace. And its
/// listing is not exact while other processes lock and unlock: now and then one reading shows
/// a lock under another lock's pid and inode (seen on Linux 6.18, 1 reading in thousands under
/// heavy locking elsewhere), so the answer is one that the next reading agrees with.
std::optional<listed_locks> read_listed_locks(const kernel_file_key& file);

} // namespace detail
} // namespace exclusive_control

#endif
