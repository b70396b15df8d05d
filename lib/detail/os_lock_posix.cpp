// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// POSIX: an fcntl lock on the whole file through boost::interprocess::file_lock, lent our
// descriptor, and flock on the same descriptor where the two families are independent.
// Hazard numbers refer to doc/design.adoc.
#include "os_lock.hpp"

#include "file_error.hpp"
#include "file_lock_handle_posix.hpp"
#include "fork_handler_posix.hpp"
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

file_kind kind_of(mode_t mode) noexcept
{
    // clang-format off
    if (S_ISREG(mode)) return file_kind::regular;
    if (S_ISDIR(mode)) return file_kind::directory;
    if (S_ISFIFO(mode)) return file_kind::fifo;
    if (S_ISSOCK(mode)) return file_kind::socket;
    if (S_ISCHR(mode)) return file_kind::character_device;
    if (S_ISBLK(mode)) return file_kind::block_device;
    if (S_ISLNK(mode)) return file_kind::link;
    // clang-format on
    return file_kind::other;
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
            close_listed(file_);
        file_ = std::exchange(other.file_, no_file);
    }
    return *this;
}

unique_file::~unique_file()
{
    if (file_ >= 0)
        close_listed(file_);
}

unique_file unique_file::open_file(const char* path, int flags, unsigned mode) noexcept
{
    return unique_file(open_listed(path, flags, mode));
}

namespace {

/// Why the lock file could not be opened, named after what is at the path.
[[noreturn]] void refuse_open(const fs::path& path, const lock_options& options, int error)
{
    struct stat status;
    if (::lstat(path.c_str(), &status) != 0) {
        const int looked = errno;
        if (looked == ENOENT)
            fail("cannot create lock file", path, error);
        if (looked == EACCES)
            fail("cannot reach lock file: a directory on its path cannot be searched", path, error);
        fail("cannot open lock file", path, error);
    }
    if (S_ISLNK(status.st_mode)) {
        // O_NOFOLLOW fails with ELOOP on Linux, EMLINK on FreeBSD, EFTYPE on NetBSD.
        if (!options.follow_symlinks)
            fail(std::string("lock file is ") + name_of(file_kind::link) +
                     "; refusing to follow it (lock_options::follow_symlinks)",
                 path, error);
        if (::stat(path.c_str(), &status) != 0)
            fail("cannot create the file that the lock file's symbolic link names", path, error);
        if (!S_ISREG(status.st_mode))
            fail(std::string("lock file is ") + name_of(file_kind::link) + " to " + name_of(kind_of(status.st_mode)),
                 path, error);
    } else if (!S_ISREG(status.st_mode)) {
        fail(std::string("lock file is ") + name_of(kind_of(status.st_mode)), path, error);
    }
    fail("cannot open lock file", path, error);
}

} // namespace

unique_file open_lock_file(const fs::path& path, const lock_options& options)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it has no effect on regular files.
    const int flags = O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (options.follow_symlinks ? 0 : O_NOFOLLOW);
    // An existing file is opened without O_CREAT: fs.protected_regular (systemd's default)
    // refuses O_CREAT on a file that another user owns in a sticky directory such as /tmp, even
    // where the open itself would be allowed. A missing one is created exclusively, so that a
    // file created by someone else in between is opened in the next round rather than refused.
    const auto mode = static_cast<unsigned>(options.permissions & fs::perms::mask);
    constexpr int rounds = 8; // a file created and deleted over and over is an error, not a loop
    int error = 0;
    for (int round = 0; round < rounds; ++round) {
        if (unique_file file = unique_file::open_file(path.c_str(), flags); file.get() >= 0)
            return file;
        if ((error = errno) != ENOENT)
            break;
        if (unique_file file = unique_file::open_file(path.c_str(), flags | O_CREAT | O_EXCL, mode); file.get() >= 0)
            return file;
        if ((error = errno) != EEXIST)
            break;
        // O_EXCL never follows a symlink: a followed link whose target is missing is in the
        // way of its own creation, so its target is created plainly. If another user created
        // the target first, protected_regular refuses that; the next round opens it.
        struct stat status;
        if (options.follow_symlinks && ::lstat(path.c_str(), &status) == 0 && S_ISLNK(status.st_mode)) {
            if (unique_file file = unique_file::open_file(path.c_str(), flags | O_CREAT, mode); file.get() >= 0)
                return file;
            if ((error = errno) == EACCES && ::stat(path.c_str(), &status) == 0)
                continue;
            break;
        }
    }
    refuse_open(path, options, error);
}

file_status status_of(const struct stat& stat) noexcept
{
    file_status status;
    status.stat = stat;
    status.identity = file_identity{stat.st_dev, stat.st_ino};
    status.kind = kind_of(stat.st_mode);
    status.links = stat.st_nlink;
    return status;
}

file_status status_of(native_file fd, const fs::path& path)
{
    struct stat stat;
    if (::fstat(fd, &stat) != 0)
        fail("cannot stat lock file", path, errno);
    return status_of(stat);
}

std::optional<file_identity> identity_at(const fs::path& path, bool follow_symlinks) noexcept
{
    struct stat status;
    const int result = follow_symlinks ? ::stat(path.c_str(), &status) : ::lstat(path.c_str(), &status);
    if (result != 0)
        return std::nullopt;
    return file_identity{status.st_dev, status.st_ino};
}

bool held_by_this_process(native_file fd) noexcept
{
#if defined(F_OFD_GETLK)
    // An open file description's lock conflicts with every fcntl lock of this process (their
    // owner is the process, not the description), and the kernel names that owner's pid as this
    // process sees it, so the answer holds in any pid namespace.
    struct flock probe {};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET; // the whole file
    while (::fcntl(fd, F_OFD_GETLK, &probe) != 0)
        if (errno != EINTR)
            return false;
    return probe.l_type != F_UNLCK && probe.l_pid == ::getpid();
#else
    (void)fd;
    return false;
#endif
}

std::optional<lock_parts> try_lock(native_file fd, const fs::path& path)
{
    // fcntl would grant this process a second lock on a file it holds by other means (another
    // copy of the library, the program's own fcntl lock), where no flock half stops it (NFS,
    // BSD): then the file is busy (hazard 11).
    if (held_by_this_process(fd))
        return std::nullopt;
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
        const ssize_t n = ::pwrite(fd, record.data() + written, record.size() - written, static_cast<off_t>(written));
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
