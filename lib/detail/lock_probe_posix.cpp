// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// POSIX: looking at a lock file by name (stat, /proc/locks) before any descriptor of it is
// opened, and asking the kernel about its locks (F_GETLK) through one opened only to look.
// Hazard numbers refer to doc/design.adoc.
#include "lock_probe.hpp"

#include "file_error.hpp"
#include "lock_query_posix.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace exclusive_control {
namespace detail {

namespace fs = std::filesystem;

std::optional<file_status> status_at(const fs::path& path)
{
    struct stat status;
    if (::stat(path.c_str(), &status) != 0) {
        if (errno == ENOENT)
            return std::nullopt;
        fail("cannot inspect lock file", path, errno);
    }
    return status_of(status);
}

listed_by_name locks_listed_for(const fs::path& path, const file_status& status)
{
    const std::optional<listed_locks> listed = read_listed_locks(kernel_key_of(path, status.stat));
    if (!listed)
        return {};
    return {listed->any, listed->fcntl_of_this_process};
}

unique_file open_to_look(const fs::path& path)
{
    unique_file file = unique_file::open_file(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (file.get() < 0 && errno != ENOENT)
        fail("cannot open lock file to inspect it", path, errno);
    return file;
}

bool locked_elsewhere(native_file fd, const fs::path& path)
{
    return fcntl_locked_elsewhere(fd, path) || (proc_locks_may_hide_holders() && flock_held_elsewhere(fd, path));
}

} // namespace detail
} // namespace exclusive_control
