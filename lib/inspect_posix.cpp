// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// "Who holds it", without touching the lock: look, never take. The order answers hazard 2
// (never close a descriptor of a file this process holds) and hazard 9 (a plain read of the
// file does exactly that). Tests: test_inspect.cpp.
// Hazard numbers refer to doc/design.adoc.
#include <exclusive_control/inspect.hpp>

#include "detail/file_error.hpp"
#include "detail/holder.hpp"
#include "detail/lock_query.hpp"
#include "detail/process_table.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <system_error>

namespace exclusive_control {

namespace {

namespace fs = std::filesystem;
using detail::fail;
using detail::file_identity;
using detail::process_table;

void require_regular_file(const struct stat& status, const fs::path& path)
{
    if (!S_ISREG(status.st_mode))
        fail(S_ISDIR(status.st_mode) ? "lock file is a directory" : "lock file is not a regular file", path, EINVAL);
}

/// Opens the file only to read it: no creation, no blocking on a FIFO, not inherited.
/// Returns an empty descriptor if the file no longer exists.
detail::unique_file open_to_look(const fs::path& path)
{
    detail::unique_file file = detail::unique_file::open_file(path.c_str(),
                                                              O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (file.get() < 0 && errno != ENOENT)
        fail("cannot open lock file to inspect it", path, errno);
    return file;
}

} // namespace

lock_status inspect(const fs::path& path)
{
    if (path.empty())
        fail("lock file path is empty", path, EINVAL);
    // A path replaced between stat() and open() is looked at again; a path replaced over and
    // over is an error rather than a loop.
    constexpr int attempts = 3;
    for (int attempt = 1;; ++attempt) {
        struct stat status;
        if (::stat(path.c_str(), &status) != 0) {
            if (errno == ENOENT)
                return {};
            fail("cannot inspect lock file", path, errno);
        }
        require_regular_file(status, path);
        const file_identity identity{status.st_dev, status.st_ino};
        if (auto holder = process_table::instance().holder_if_held(identity))
            return {true, std::move(*holder)};

        const detail::kernel_file_key key = detail::kernel_key_of(path, status);
        const std::optional<detail::listed_locks> listed = detail::read_listed_locks(key);
        if (listed && listed->fcntl_of_this_process) {
            // Another thread's lock_file may have taken it since we looked; if not, this
            // process locked it by other means, and opening and closing would drop that lock.
            if (auto holder = process_table::instance().holder_if_held(identity))
                return {true, std::move(*holder)};
            return {true, "UNKNOWN"};
        }

        detail::unique_file fd = open_to_look(path);
        if (fd.get() < 0)
            return {};
        struct stat opened;
        if (::fstat(fd.get(), &opened) != 0)
            fail("cannot stat lock file", path, errno);
        // Another thread may take the file before this closes: the table keeps it open then.
        const detail::table_descriptor file({opened.st_dev, opened.st_ino}, std::move(fd));
        if (!(file_identity{opened.st_dev, opened.st_ino} == identity)) {
            if (attempt == attempts)
                fail("lock file keeps being replaced while it is inspected", path, ESTALE);
            continue;
        }

        lock_status result;
        result.holder = detail::read_holder(file.get());
        result.locked = (listed && listed->any) || detail::fcntl_locked_elsewhere(file.get(), path) ||
                        (detail::proc_locks_may_hide_holders() && detail::flock_held_elsewhere(file.get(), path));
        return result;
    }
}

} // namespace exclusive_control
