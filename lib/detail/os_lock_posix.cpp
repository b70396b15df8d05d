// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// POSIX: an fcntl lock on the whole file through boost::interprocess::file_lock, lent our
// descriptor, and flock on the same descriptor where the two families are independent.
// Hazard numbers refer to doc/design.adoc.
#include "os_lock.hpp"

#include "file_error.hpp"
#include "file_lock_handle.hpp"
#include "holder.hpp"

#include <boost/interprocess/exceptions.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/vfs.h>
#endif

#include <cerrno>
#include <system_error>

namespace exclusive_control {
namespace detail {

namespace {

namespace fs = std::filesystem;

const char* kind_of(mode_t mode)
{
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a regular file";
}

// Hazard 3. On Linux the flock and fcntl families are independent: a peer using either one is
// only excluded if we hold both. FreeBSD, and macOS whose locking comes from the same BSD code,
// keep both families in one list of locks per file (FreeBSD's flock(2) calls the interfaces
// compatible and advises a process to use only one), a flock lock owned by the open file and
// an fcntl lock by the process. There the fcntl lock alone excludes peers of both families,
// and taking flock as well would make this process conflict with itself: the two locks have
// different owners, even on one descriptor. Solaris implements flock on top of fcntl, so fcntl
// alone is right there too.
#if defined(__linux__)
constexpr bool take_flock_too = true;
#else
constexpr bool take_flock_too = false;
#endif

enum class flock_outcome { taken, busy, not_supported };

flock_outcome try_flock(int fd, const fs::path& path)
{
    for (;;) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0)
            return flock_outcome::taken;
        switch (errno) {
        case EINTR: continue;
        case EWOULDBLOCK: return flock_outcome::busy;
        case ENOLCK:
        case EOPNOTSUPP:
        case EINVAL: return flock_outcome::not_supported;
        default: fail("cannot flock lock file", path, errno);
        }
    }
}

void release_flock(int fd) noexcept
{
    ::flock(fd, LOCK_UN);
}

/// Whether the file system emulates `flock` with fcntl locks (Linux NFS, SMB), so that holding
/// both families from one process conflicts with itself.
bool flock_is_fcntl_on(int fd) noexcept
{
#if defined(__linux__)
    constexpr long nfs = 0x6969, smb = 0x517B, cifs = 0xFF534D42, smb2 = 0xFE534D42;
    struct statfs info;
    if (::fstatfs(fd, &info) != 0)
        return false;
    const long type = static_cast<long>(info.f_type);
    return type == nfs || type == smb || type == cifs || type == smb2;
#else
    (void)fd;
    return false;
#endif
}

/// The fcntl half, through `boost::interprocess::file_lock` on our descriptor. Returns whether
/// it was taken; false if another process holds an fcntl lock on the file.
bool try_fcntl_lock(int fd, const fs::path& path)
{
    borrowed_file_lock lock(fd);
    try {
        return lock.get().try_lock();
    } catch (const boost::interprocess::interprocess_exception& error) {
        fail("cannot fcntl-lock lock file", path, error.get_native_error());
    }
}

void release_fcntl_lock(int fd) noexcept
{
    borrowed_file_lock lock(fd);
    try {
        lock.get().unlock();
    } catch (const boost::interprocess::interprocess_exception&) {
        // Only for a bad descriptor; closing it, which follows, drops the lock in any case.
    }
}

} // namespace

unique_file& unique_file::operator=(unique_file&& other) noexcept
{
    if (this != &other) {
        if (file_ >= 0)
            ::close(file_);
        file_ = std::exchange(other.file_, no_file);
    }
    return *this;
}

unique_file::~unique_file()
{
    if (file_ >= 0)
        ::close(file_);
}

unique_file open_lock_file(const fs::path& path, const lock_options& options)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it has no effect on regular files.
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    if (!options.follow_symlinks)
        flags |= O_NOFOLLOW;
    const auto mode = static_cast<mode_t>(options.permissions & fs::perms::mask);
    int fd;
    do
        fd = ::open(path.c_str(), flags, mode);
    while (fd < 0 && errno == EINTR);
    if (fd >= 0)
        return unique_file(fd);

    const int error = errno;
    struct stat status;
    const bool exists = ::lstat(path.c_str(), &status) == 0;
    // O_NOFOLLOW fails with ELOOP on Linux, EMLINK on FreeBSD, EFTYPE on NetBSD.
    if (exists && S_ISLNK(status.st_mode) && !options.follow_symlinks)
        fail("lock file is a symbolic link; refusing to follow it (lock_options::follow_symlinks)",
             path, error);
    if (exists && !S_ISREG(status.st_mode))
        fail(std::string("lock file is ") + kind_of(status.st_mode), path, error);
    fail(exists ? "cannot open lock file" : "cannot create lock file", path, error);
}

file_status status_of(native_file fd, const fs::path& path)
{
    file_status status;
    if (::fstat(fd, &status.stat) != 0)
        fail("cannot stat lock file", path, errno);
    status.identity = file_identity{status.stat.st_dev, status.stat.st_ino};
    return status;
}

std::optional<file_identity> identity_at(const fs::path& path, bool follow_symlinks) noexcept
{
    struct stat status;
    const int result = follow_symlinks ? ::stat(path.c_str(), &status) : ::lstat(path.c_str(), &status);
    if (result != 0)
        return std::nullopt;
    return file_identity{status.st_dev, status.st_ino};
}

void require_plain_file(const file_status& file, const fs::path& path)
{
    const struct stat& status = file.stat;
    if (!S_ISREG(status.st_mode))
        fail(std::string("lock file is ") + kind_of(status.st_mode), path, EINVAL);
    // A second name for the file is either ours (the in-process table already treats it as the
    // same file) or one another user planted in a shared directory to make us overwrite a file
    // of theirs choosing. We cannot tell which, so refuse.
    if (status.st_nlink > 1)
        fail("lock file has " + std::to_string(status.st_nlink) +
                 " hard links; refusing a file that has other names",
             path, EMLINK);
}

std::optional<lock_parts> try_lock(native_file fd, const fs::path& path)
{
    lock_parts parts;
    if (take_flock_too) {
        const flock_outcome outcome = try_flock(fd, path);
        if (outcome == flock_outcome::busy)
            return std::nullopt;
        parts.flock = outcome == flock_outcome::taken;
    }
    try {
        bool locked = try_fcntl_lock(fd, path);
        // Where the file system implements flock with fcntl locks (Linux NFS and SMB), our own
        // flock is what blocks the fcntl half; there the fcntl lock alone excludes everyone.
        if (!locked && parts.flock && flock_is_fcntl_on(fd)) {
            release_flock(fd);
            parts.flock = false;
            locked = try_fcntl_lock(fd, path);
        }
        if (!locked) {
            if (parts.flock)
                release_flock(fd);
            return std::nullopt;
        }
    } catch (...) {
        if (parts.flock)
            release_flock(fd);
        throw;
    }
    return parts;
}

void unlock(native_file fd, lock_parts parts) noexcept
{
    release_fcntl_lock(fd);
    if (parts.flock)
        release_flock(fd);
}

void write_content(native_file fd, const std::string& content, const fs::path& path)
{
    const std::string record = " " + content + "\n";
    std::size_t written = 0;
    while (written < record.size()) {
        const ssize_t n = ::pwrite(fd, record.data() + written, record.size() - written,
                                   static_cast<off_t>(written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail("cannot write the holder into lock file", path, errno);
        written += static_cast<std::size_t>(n);
    }
    while (::ftruncate(fd, static_cast<off_t>(record.size())) != 0)
        if (errno != EINTR)
            fail("cannot truncate lock file", path, errno);
}

std::string read_holder(native_file fd)
{
    // From offset 0: files written by other tools without the leading space read whole.
    std::string raw(holder_read_limit, '\0');
    std::size_t got = 0;
    while (got < raw.size()) {
        const ssize_t n = ::pread(fd, raw.data() + got, raw.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    raw.resize(got);
    return parse_holder(raw);
}

} // namespace detail
} // namespace exclusive_control
