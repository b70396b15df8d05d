// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_OS_LOCK_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_OS_LOCK_HPP

// The seam between the locking protocol (lock_file.cpp), which is the same everywhere, and what
// a lock *is* on each operating system:
//
// - POSIX (os_lock_posix.cpp): an fcntl lock on the whole file, taken through
//   `boost::interprocess::file_lock` lent our descriptor, plus `flock` on that descriptor where
//   the two families are independent (Linux). fcntl locks belong to the process and closing any
//   descriptor of the file drops them, which is why the protocol never closes a descriptor of a
//   file it holds (hazards 1-3).
// - Windows (os_lock_windows.cpp): `LockFileEx` on byte 0 of the one handle we write through.
//   `boost::interprocess::file_lock` is not used there: it locks the whole file, and Windows
//   byte-range locks are mandatory, so nobody could read the holder's content (hazard 7).
//
// Tests: every suite under test/ goes through here; test_windows.cpp for the Windows half.
//
// Where the platform lives (doc/design.adoc, "Porting: where the platform lives"): a file
// compiled or included for one platform family only ends in `_posix` (every POSIX system),
// `_linux` or `_windows`, and the build picks files by that suffix; inside a `_posix` file,
// `#if defined(__linux__)` chooses among POSIX systems. A file without a suffix compiles
// everywhere and reaches the platform through a seam, a header without a suffix that each
// platform implements: this one, lock_probe.hpp for inspect(), and pending_lock_state.hpp for
// the wake-ups of a wait. It uses `#if` only to leave out a step that a platform lacks (fork on
// Windows, inotify beyond Linux), never to hold one platform's way of doing a step.

#include "file_kind.hpp"

#include <exclusive_control/lock_options.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#if !defined(_WIN32)
#include <sys/stat.h>
#endif

namespace exclusive_control {
namespace detail {

/// A file as the operating system knows it, whatever its name: the key of the in-process
/// table (hazard 1). POSIX: device and inode. Windows: volume serial number and the 128-bit
/// file id (ReFS does not promise that the 64-bit file index alone is unique).
struct file_identity {
    std::uint64_t device;
    std::uint64_t inode;
    std::uint64_t inode_high = 0; // Windows only
    friend bool operator<(const file_identity& a, const file_identity& b) noexcept
    {
        return std::tie(a.device, a.inode, a.inode_high) < std::tie(b.device, b.inode, b.inode_high);
    }
    friend bool operator==(const file_identity& a, const file_identity& b) noexcept
    {
        return a.device == b.device && a.inode == b.inode && a.inode_high == b.inode_high;
    }
    friend bool operator!=(const file_identity& a, const file_identity& b) noexcept { return !(a == b); }
};

#if defined(_WIN32)
using native_file = void*; // a HANDLE; null when empty
constexpr native_file no_file = nullptr;
#else
using native_file = int;
constexpr native_file no_file = -1;
#endif

/// Owns one descriptor (POSIX) or handle (Windows) that the library opened. POSIX: the
/// descriptor comes from open_listed() (fork_handler_posix.hpp), so that a forked child closes its
/// copy; `open_file` does both.
class unique_file {
public:
    unique_file() noexcept = default;
    explicit unique_file(native_file file) noexcept : file_(file) {}
#if !defined(_WIN32)
    /// open(2), retried on EINTR: an empty file, with `errno` set, if it fails.
    static unique_file open_file(const char* path, int flags, unsigned mode = 0) noexcept;
#endif
    unique_file(unique_file&& other) noexcept : file_(std::exchange(other.file_, no_file)) {}
    unique_file& operator=(unique_file&& other) noexcept;
    ~unique_file();
    native_file get() const noexcept
    {
        return file_;
    }
    /// Gives up ownership without closing.
    native_file release() noexcept
    {
        return std::exchange(file_, no_file);
    }

private:
    native_file file_ = no_file;
};

/// What the protocol checks about an open lock file before it locks it.
struct file_status {
    file_identity identity;
    file_kind kind = file_kind::other;
    std::uint64_t links = 0; // its names: hard links
#if !defined(_WIN32)
    struct stat stat;
#endif
};

/// Opens (creating if missing, never truncating) the lock file for reading and writing, not
/// inherited by programs this process starts (hazard 4), without following a final symlink
/// unless asked, without blocking on a FIFO.
/// Returns: an empty file if another program has it open without sharing (Windows), which
/// counts as held elsewhere.
/// Throws: `std::filesystem::filesystem_error` naming the path and the reason.
unique_file open_lock_file(const std::filesystem::path& path, const lock_options& options);

/// What the file behind `file` is (require_plain_file, file_kind.hpp, refuses what cannot be a
/// lock file).
/// Throws: `std::filesystem::filesystem_error`.
file_status status_of(native_file file, const std::filesystem::path& path);
#if !defined(_WIN32)
/// The status that `stat` describes, for a file looked at by name. Throws nothing.
file_status status_of(const struct stat& stat) noexcept;
#endif

/// The identity of the file at `path` if it can be seen, without locking or unlocking anything.
std::optional<file_identity> identity_at(const std::filesystem::path& path, bool follow_symlinks) noexcept;

/// What one successful `try_lock` took, for `unlock` to give back.
struct lock_parts {
    bool flock = false; // POSIX: the flock half besides the fcntl lock
};

/// Tries to take the operating system's lock through `file`.
/// Returns: what was taken, or nothing if another process holds the lock (then nothing is held).
/// Throws: `std::filesystem::filesystem_error`, holding nothing.
std::optional<lock_parts> try_lock(native_file file, const std::filesystem::path& path);

/// Whether this process holds a lock on the file behind `file` that closing a descriptor of it
/// would drop, taken by other means than this copy of the library's table: another copy of the
/// library loaded into this process (a plugin with its own static copy), or the program's own
/// fcntl lock (hazard 11). Linux asks the kernel (F_OFD_GETLK); false where it cannot tell.
bool held_by_this_process(native_file file) noexcept;

/// Releases what `try_lock` took. The file stays open.
void unlock(native_file file, lock_parts parts) noexcept;

/// Writes `" " + content + "\n"` at offset 0 and truncates what followed.
/// Throws: `std::filesystem::filesystem_error`.
void write_content(native_file file, const std::string& content, const std::filesystem::path& path);

/// What the holder wrote, as `lock_error::holder()` reports it, read through `file`. Never
/// opens or closes anything: see hazard 2.
std::string read_holder(native_file file);

} // namespace detail
} // namespace exclusive_control

#endif
