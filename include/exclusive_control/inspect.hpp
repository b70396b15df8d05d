// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_INSPECT_HPP
#define EXCLUSIVE_CONTROL_INSPECT_HPP

#include <exclusive_control/config.hpp>

#include <filesystem>
#include <string>

namespace exclusive_control {

/// What `inspect` found: a snapshot, which may be out of date the moment it is returned.
struct lock_status {
    /// Whether some process (this one included) held a lock on the file: a `lock_file`, a
    /// `flock(1)` or other flock-family peer, or an fcntl-family peer.
    bool locked = false;

    /// What the file says, by the rules of `lock_error::holder()`: the holder's record when
    /// `locked`, otherwise the record the last holder left behind; `"UNKNOWN"` when the file is
    /// empty or missing, or, on Linux, when this process holds an fcntl lock on it by other
    /// means than `lock_file` (reading the file would drop that lock; elsewhere it cannot tell).
    std::string holder = "UNKNOWN";
};

/// Says whether the lock file at `path` is locked right now and what its holder wrote: the
/// safe way to ask "who holds it", from any process, including the holder's own.
///
/// Effects: none on the lock. It never takes the lock, not even briefly, so it never makes a
/// concurrent acquirer fail; it never closes a descriptor of a file this process holds, so it
/// never drops this process's lock (reading the file with a stream would). A symbolic link
/// at `path` is followed: looking does not write.
///
/// On Linux it sees both lock families (`/proc/locks`, and `F_GETLK` for fcntl locks of
/// processes in other PID namespaces); elsewhere it asks `F_GETLK`, which on FreeBSD and
/// macOS sees both families too. A flock-only peer in another PID namespace (another
/// container) is invisible from Linux; a `lock_file` holder always shows, through its fcntl half.
/// On Windows it reads byte 0, the byte a holder locks: Windows refuses that read while another
/// handle holds the lock, which tells without locking anything.
///
/// Returns: `{false, "UNKNOWN"}` if nothing exists at `path`.
/// Throws: `std::filesystem::filesystem_error` naming the path and the reason if `path` is
/// empty, names a directory or another file that is not regular, cannot be read, or its
/// file system refuses to say whether it is locked (`F_GETLK` failing, as on NFS without lockd).
EXCLUSIVE_CONTROL_DECL lock_status inspect(const std::filesystem::path& path);

} // namespace exclusive_control

#endif
