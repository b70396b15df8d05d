// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Windows: a byte-range lock there is mandatory, so a read of byte 0 through another handle
// fails while someone holds it, which tells without locking anything. Trying LockFileEx and
// undoing it would hold the lock for a moment, long enough to make a concurrent acquirer fail.
// Locks belong to handles, so opening and closing our own handles drops nothing (unlike POSIX,
// hazard 2), and nothing is listed by name. Tests: test_windows.cpp.
// Hazard numbers refer to doc/design.adoc.
#include "lock_probe.hpp"

#include "win32_windows.hpp"

namespace exclusive_control {
namespace detail {

namespace fs = std::filesystem;

namespace {

bool not_found(DWORD error) noexcept
{
    return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND;
}

} // namespace

std::optional<file_status> status_at(const fs::path& path)
{
    // Only attributes are read. FILE_FLAG_BACKUP_SEMANTICS opens a directory too, so that it is
    // reported as one.
    const HANDLE opened = ::CreateFileW(path.c_str(), FILE_READ_ATTRIBUTES,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (opened == INVALID_HANDLE_VALUE) {
        const DWORD error = ::GetLastError();
        if (not_found(error))
            return std::nullopt;
        fail("cannot inspect lock file", path, error);
    }
    const unique_file handle(opened);
    return status_of(handle.get(), path);
}

listed_by_name locks_listed_for(const fs::path&, const file_status&)
{
    return {};
}

unique_file open_to_look(const fs::path& path)
{
    const HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (handle != INVALID_HANDLE_VALUE)
        return unique_file(handle);
    const DWORD error = ::GetLastError();
    if (not_found(error))
        return {};
    fail("cannot open lock file to inspect it", path, error);
}

bool locked_elsewhere(native_file file, const fs::path& path)
{
    OVERLAPPED first_byte{};
    char byte;
    DWORD n = 0;
    if (::ReadFile(file, &byte, 1, &n, &first_byte))
        return false;
    const DWORD error = ::GetLastError();
    if (error == ERROR_LOCK_VIOLATION)
        return true;
    if (error == ERROR_HANDLE_EOF)
        return false;
    fail("cannot read lock file to inspect it", path, error);
}

} // namespace detail
} // namespace exclusive_control
