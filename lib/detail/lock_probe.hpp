// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_LOCK_PROBE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_LOCK_PROBE_HPP

// The seam under inspect() (lib/inspect.cpp), which looks at a lock and never takes it: what
// each operating system can tell about the locks on a file without disturbing them.
//
// - POSIX (lock_probe_posix.cpp): stat by name, /proc/locks on Linux, F_GETLK through a
//   descriptor opened to look, and, inside a container where /proc/locks hides flock holders,
//   a flock tried and given back at once (hazard 12).
// - Windows (lock_probe_windows.cpp): a read of byte 0 through a handle of our own, which fails
//   while another handle locks it (hazard 7). Locks belong to handles there, so opening and
//   closing our own handles drops nothing.
//
// Tests: test_inspect.cpp; test_windows.cpp for the Windows half.

#include "os_lock.hpp"

#include <filesystem>
#include <optional>

namespace exclusive_control {
namespace detail {

/// The file at `path`, following symbolic links, seen without opening it to read: POSIX stat(),
/// a Windows handle that reads only attributes.
/// Returns: nothing if no file is there.
/// Throws: `std::filesystem::filesystem_error`.
std::optional<file_status> status_at(const std::filesystem::path& path);

/// What the operating system lists about the locks on a file, asked by name, so that no
/// descriptor of it is opened (hazard 9). Linux lists them in /proc/locks; elsewhere nothing
/// is listed and both are false.
struct listed_by_name {
    /// A lock of any family held by anyone.
    bool by_anyone = false;
    /// An fcntl lock of this process: through this copy of the library's table, or by other
    /// means (another copy of the library, the program's own lock: hazard 11). Closing any
    /// descriptor of the file would drop it (hazard 2).
    bool by_this_process = false;
};
listed_by_name locks_listed_for(const std::filesystem::path& path, const file_status& status);

/// Opens the file only to read it: no creation, no blocking on a FIFO, not inherited.
/// Returns: an empty file if nothing is at `path` any more.
/// Throws: `std::filesystem::filesystem_error`.
unique_file open_to_look(const std::filesystem::path& path);

/// Whether another process holds a lock on the file behind `file` that would stop ours, asked
/// without taking it (only inside a container, on Linux, is a flock taken and given back at
/// once: hazard 12).
/// Throws: `std::filesystem::filesystem_error` naming `path`.
bool locked_elsewhere(native_file file, const std::filesystem::path& path);

} // namespace detail
} // namespace exclusive_control

#endif
