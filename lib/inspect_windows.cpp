// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// "Who holds it" on Windows, without touching the lock. A byte-range lock there is mandatory:
// a read of byte 0 through another handle fails while someone holds it, which tells without
// locking anything. Trying LockFileEx and undoing it would hold the lock for a moment, long
// enough to make a concurrent acquirer fail. Locks belong to handles, so opening and closing
// our own handle drops nothing (unlike POSIX, hazard 2). Tests: test_windows.cpp.
// Hazard numbers refer to doc/design.adoc.
#include <exclusive_control/inspect.hpp>

#include "detail/file_error.hpp"
#include "detail/holder.hpp"
#include "detail/os_lock.hpp"
#include "detail/process_table.hpp"

#include <optional>
#include <system_error>

namespace exclusive_control {

namespace {

namespace fs = std::filesystem;
using detail::fail;

/// Opens the file only to read it; an empty handle if nothing exists at `path`.
detail::unique_file open_to_look(const fs::path& path)
{
    // FILE_FLAG_BACKUP_SEMANTICS opens a directory too, so that it is reported as one.
    const HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (handle != INVALID_HANDLE_VALUE)
        return detail::unique_file(handle);
    const DWORD error = ::GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
        return {};
    fail("cannot open lock file to inspect it", path, error);
}

bool first_byte_locked_elsewhere(const detail::unique_file& file, const fs::path& path)
{
    OVERLAPPED first_byte{};
    char byte;
    DWORD n = 0;
    if (::ReadFile(file.get(), &byte, 1, &n, &first_byte))
        return false;
    const DWORD error = ::GetLastError();
    if (error == ERROR_LOCK_VIOLATION)
        return true;
    if (error == ERROR_HANDLE_EOF)
        return false;
    fail("cannot read lock file to inspect it", path, error);
}

} // namespace

lock_status inspect(const fs::path& path)
{
    if (path.empty())
        fail("lock file path is empty", path, ERROR_INVALID_PARAMETER);
    const detail::unique_file file = open_to_look(path);
    if (file.get() == detail::no_file)
        return {};
    const detail::file_status status = detail::status_of(file.get(), path);
    if (status.type != FILE_TYPE_DISK || (status.attributes & FILE_ATTRIBUTE_DIRECTORY))
        fail((status.attributes & FILE_ATTRIBUTE_DIRECTORY) ? "lock file is a directory"
                                                            : "lock file is not a regular file",
             path, ERROR_INVALID_PARAMETER);
    if (auto holder = detail::process_table::instance().holder_if_held(status.identity))
        return {true, std::move(*holder)};
    lock_status result;
    result.locked = first_byte_locked_elsewhere(file, path);
    result.holder = detail::read_holder(file.get());
    return result;
}

} // namespace exclusive_control
