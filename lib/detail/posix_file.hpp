// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_POSIX_FILE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_POSIX_FILE_HPP

#include <exclusive_control/lock_options.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace exclusive_control {
namespace detail {

/// A file as the kernel knows it: the key of the in-process table (hazard 1).
struct file_identity {
    dev_t device;
    ino_t inode;
    friend bool operator<(const file_identity& a, const file_identity& b) noexcept
    {
        return std::pair(a.device, a.inode) < std::pair(b.device, b.inode);
    }
    friend bool operator==(const file_identity& a, const file_identity& b) noexcept
    {
        return a.device == b.device && a.inode == b.inode;
    }
    friend bool operator!=(const file_identity& a, const file_identity& b) noexcept { return !(a == b); }
};

/// Owns one POSIX descriptor.
class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept;
    ~unique_fd();
    int get() const noexcept { return fd_; }
    /// Gives up ownership without closing.
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_ = -1;
};

/// Opens (creating if missing, never truncating) the lock file for reading and writing,
/// close-on-exec, without following a final symlink unless asked, without blocking on a FIFO.
/// Throws: `std::filesystem::filesystem_error` naming the path and the reason.
unique_fd open_lock_descriptor(const std::filesystem::path& path, const lock_options& options);

/// `fstat` of an open descriptor. Throws: `std::filesystem::filesystem_error`.
struct stat status_of(int fd, const std::filesystem::path& path);

/// The identity of the file at `path` if it can be seen, without opening it.
std::optional<file_identity> identity_at(const std::filesystem::path& path, bool follow_symlinks) noexcept;

/// Throws `std::filesystem::filesystem_error` unless `status` is a regular file with one link.
void require_plain_file(const struct stat& status, const std::filesystem::path& path);

enum class flock_outcome { taken, busy, not_supported };

/// `flock(LOCK_EX | LOCK_NB)` on our descriptor. Throws on unexpected errors.
flock_outcome try_flock(int fd, const std::filesystem::path& path);
void release_flock(int fd) noexcept;

/// Whether the file system emulates `flock` with fcntl locks (Linux NFS, SMB), so that holding
/// both families from one process conflicts with itself.
bool flock_is_fcntl_on(int fd) noexcept;

/// Takes the fcntl half through `boost::interprocess::file_lock` on our descriptor.
/// Returns: whether it was taken; false if another process holds an fcntl lock on the file.
/// Throws: `std::filesystem::filesystem_error`.
bool try_fcntl_lock(int fd, const std::filesystem::path& path);
void release_fcntl_lock(int fd) noexcept;

/// Writes `" " + content + "\n"` at offset 0 and truncates what followed.
void write_content(int fd, const std::string& content, const std::filesystem::path& path);

} // namespace detail
} // namespace exclusive_control

#endif
