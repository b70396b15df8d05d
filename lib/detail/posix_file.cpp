// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "posix_file.hpp"

#include "file_lock_handle.hpp"

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

[[noreturn]] void fail(const std::string& what, const fs::path& path, int error)
{
    throw fs::filesystem_error(what, path, std::error_code(error, std::generic_category()));
}

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

} // namespace

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

unique_fd::~unique_fd()
{
    if (fd_ >= 0)
        ::close(fd_);
}

unique_fd open_lock_descriptor(const fs::path& path, const lock_options& options)
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
        return unique_fd(fd);

    const int error = errno;
    struct stat status;
    const bool exists = ::lstat(path.c_str(), &status) == 0;
    if (exists && S_ISLNK(status.st_mode) && error == ELOOP)
        fail("lock file is a symbolic link; refusing to follow it (lock_options::follow_symlinks)",
             path, error);
    if (exists && !S_ISREG(status.st_mode))
        fail(std::string("lock file is ") + kind_of(status.st_mode), path, error);
    fail(exists ? "cannot open lock file" : "cannot create lock file", path, error);
}

struct stat status_of(int fd, const fs::path& path)
{
    struct stat status;
    if (::fstat(fd, &status) != 0)
        fail("cannot stat lock file", path, errno);
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

void require_plain_file(const struct stat& status, const fs::path& path)
{
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

void write_content(int fd, const std::string& content, const fs::path& path)
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

} // namespace detail
} // namespace exclusive_control
