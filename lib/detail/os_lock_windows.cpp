// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Windows: one handle per acquisition, locking byte 0 with LockFileEx, as zc.lockfile does with
// msvcrt.locking. Byte-range locks are mandatory there: a locked range cannot be read through
// any other handle. Locking only byte 0 leaves the holder's content (from byte 1 on, after the
// leading space) readable by a contender (hazard 7). Locks belong to the handle that took them:
// other handles of the same process conflict too, and closing them drops nothing.
// Tests: test_windows.cpp, under wine (tools/test_windows.sh).
// Hazard numbers refer to doc/design.adoc.
#include "os_lock.hpp"

#include "holder.hpp"
#include "win32_windows.hpp"

#include <cstring>
#include <system_error>

namespace exclusive_control {
namespace detail {

namespace {

namespace fs = std::filesystem;

OVERLAPPED at_offset(std::uint64_t offset) noexcept
{
    OVERLAPPED position{};
    position.Offset = static_cast<DWORD>(offset);
    position.OffsetHigh = static_cast<DWORD>(offset >> 32);
    return position;
}

/// What the file is, from what status_of() reads: a symbolic link or a junction (a name for
/// another file) counts as a link.
file_kind kind_of(DWORD type, DWORD attributes, DWORD reparse_tag) noexcept
{
    if (type == FILE_TYPE_CHAR)
        return file_kind::character_device;
    if (type == FILE_TYPE_PIPE)
        return file_kind::fifo;
    if (type != FILE_TYPE_DISK)
        return file_kind::other;
    if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) && IsReparseTagNameSurrogate(reparse_tag))
        return file_kind::link;
    if (attributes & FILE_ATTRIBUTE_DIRECTORY)
        return file_kind::directory;
    return file_kind::regular;
}

/// The 128-bit file id where the file system gives one (Windows 8 and later), else the 64-bit
/// file index. Every identity comes from here, so that one file always gets the same one.
std::optional<file_identity> identity_of(HANDLE file) noexcept
{
    FILE_ID_INFO id;
    if (::GetFileInformationByHandleEx(file, FileIdInfo, &id, sizeof id)) {
        std::uint64_t halves[2];
        static_assert(sizeof halves == sizeof id.FileId.Identifier);
        std::memcpy(halves, id.FileId.Identifier, sizeof halves);
        return file_identity{id.VolumeSerialNumber, halves[0], halves[1]};
    }
    BY_HANDLE_FILE_INFORMATION information;
    if (!::GetFileInformationByHandle(file, &information))
        return std::nullopt;
    return file_identity{information.dwVolumeSerialNumber,
                         (std::uint64_t(information.nFileIndexHigh) << 32) | information.nFileIndexLow, 0};
}

} // namespace

unique_file& unique_file::operator=(unique_file&& other) noexcept
{
    if (this != &other) {
        if (file_)
            ::CloseHandle(file_);
        file_ = std::exchange(other.file_, no_file);
    }
    return *this;
}

unique_file::~unique_file()
{
    if (file_)
        ::CloseHandle(file_);
}

unique_file open_lock_file(const fs::path& path, const lock_options& options)
{
    // Others may open it to read the holder, and rename or delete it, as on POSIX. Without
    // security attributes the handle is not inherited by programs this process starts.
    // options.permissions does not apply: a new file gets its directory's inherited ACL.
    DWORD flags = FILE_ATTRIBUTE_NORMAL;
    if (!options.follow_symlinks)
        flags |= FILE_FLAG_OPEN_REPARSE_POINT; // opens a link itself, to be refused below
    const HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_ALWAYS,
                                        flags, nullptr);
    if (handle != INVALID_HANDLE_VALUE)
        return unique_file(handle);

    const DWORD error = ::GetLastError();
    // Another program has the file open without sharing it (a virus scanner, a backup, an
    // editor): nobody can lock it now, which for us is what "held elsewhere" means.
    if (error == ERROR_SHARING_VIOLATION)
        return {};
    const DWORD attributes = ::GetFileAttributesW(path.c_str());
    const bool exists = attributes != INVALID_FILE_ATTRIBUTES;
    if (exists && (attributes & FILE_ATTRIBUTE_REPARSE_POINT) && !options.follow_symlinks)
        fail("lock file is a reparse point (a link to a directory?); refusing to follow it "
             "(lock_options::follow_symlinks)",
             path, error);
    if (exists && (attributes & FILE_ATTRIBUTE_DIRECTORY))
        fail("lock file is a directory", path, error);
    fail(exists ? "cannot open lock file" : "cannot create lock file", path, error);
}

file_status status_of(native_file file, const fs::path& path)
{
    file_status status{};
    const DWORD type = ::GetFileType(file);
    if (type != FILE_TYPE_DISK) {
        status.kind = kind_of(type, 0, 0);
        return status; // a device or a pipe: refused before its identity matters
    }
    BY_HANDLE_FILE_INFORMATION information;
    if (!::GetFileInformationByHandle(file, &information))
        fail("cannot read the lock file's information", path, ::GetLastError());
    const std::optional<file_identity> identity = identity_of(file);
    if (!identity)
        fail("cannot read the lock file's identity", path, ::GetLastError());
    status.identity = *identity;
    status.links = information.nNumberOfLinks;
    DWORD reparse_tag = 0;
    if (information.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
        FILE_ATTRIBUTE_TAG_INFO tag;
        if (!::GetFileInformationByHandleEx(file, FileAttributeTagInfo, &tag, sizeof tag))
            fail("cannot read the lock file's reparse tag", path, ::GetLastError());
        reparse_tag = tag.ReparseTag;
    }
    status.kind = kind_of(type, information.dwFileAttributes, reparse_tag);
    return status;
}

std::optional<file_identity> identity_at(const fs::path& path, bool follow_symlinks) noexcept
{
    // Only attributes are read; a handle opened and closed here takes and drops no lock.
    DWORD flags = FILE_FLAG_BACKUP_SEMANTICS; // directories too, so that they can be told apart
    if (!follow_symlinks)
        flags |= FILE_FLAG_OPEN_REPARSE_POINT;
    const HANDLE opened = ::CreateFileW(path.c_str(), FILE_READ_ATTRIBUTES,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        flags, nullptr);
    if (opened == INVALID_HANDLE_VALUE)
        return std::nullopt;
    const unique_file handle(opened);
    return identity_of(handle.get());
}

std::optional<lock_parts> try_lock(native_file file, const fs::path& path)
{
    // Only byte 0: the content after it stays readable by contenders. Byte 0 of an empty file
    // can be locked too; locks may lie beyond the end of a file.
    OVERLAPPED first_byte = at_offset(0);
    if (::LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &first_byte))
        return lock_parts{};
    const DWORD error = ::GetLastError();
    if (error == ERROR_LOCK_VIOLATION)
        return std::nullopt;
    fail("cannot lock lock file", path, error);
}

bool held_by_this_process(native_file) noexcept
{
    return false; // Windows locks belong to handles: closing another handle drops none of them
}

void unlock(native_file file, lock_parts) noexcept
{
    OVERLAPPED first_byte = at_offset(0);
    ::UnlockFileEx(file, 0, 1, 0, &first_byte);
}

std::string read_holder(native_file file)
{
    // From offset 0, so that files written by other tools without the leading space read whole;
    // but if another handle holds byte 0, Windows refuses any read that includes it, and the
    // content starts at offset 1.
    std::string raw(holder_read_limit, '\0');
    std::uint64_t start = 0;
    std::size_t got = 0;
    while (got < raw.size()) {
        OVERLAPPED position = at_offset(start + got);
        DWORD n = 0;
        if (!::ReadFile(file, raw.data() + got, static_cast<DWORD>(raw.size() - got), &n, &position)) {
            if (got == 0 && start == 0 && ::GetLastError() == ERROR_LOCK_VIOLATION) {
                start = 1;
                continue;
            }
            break; // report what we have
        }
        if (n == 0)
            break;
        got += n;
    }
    raw.resize(got);
    return parse_holder(raw);
}

void write_content(native_file file, const std::string& content, const fs::path& path)
{
    const std::string record = " " + content + "\n";
    std::size_t written = 0;
    while (written < record.size()) {
        OVERLAPPED position = at_offset(written);
        DWORD n = 0;
        if (!::WriteFile(file, record.data() + written, static_cast<DWORD>(record.size() - written), &n, &position))
            fail("cannot write the holder into lock file", path, ::GetLastError());
        written += n;
    }
    FILE_END_OF_FILE_INFO end{};
    end.EndOfFile.QuadPart = static_cast<LONGLONG>(record.size());
    if (!::SetFileInformationByHandle(file, FileEndOfFileInfo, &end, sizeof end))
        fail("cannot truncate lock file", path, ::GetLastError());
}

} // namespace detail
} // namespace exclusive_control
