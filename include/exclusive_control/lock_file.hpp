// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LOCK_FILE_HPP
#define EXCLUSIVE_CONTROL_LOCK_FILE_HPP

#include <exclusive_control/config.hpp>
#include <exclusive_control/detail/deadline.hpp>
#include <exclusive_control/lock_error.hpp>
#include <exclusive_control/lock_options.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace exclusive_control {

namespace detail {
class held_file;
class pending_lock;

// The asynchronous wait (async_lock.hpp) pending on a `lock_file`, if any. Moving it away or
// destroying it abandons the wait, which then completes with `operation_aborted` and never
// touches the `lock_file` again.
class pending_link {
public:
    pending_link() noexcept = default;
    pending_link(pending_link&& other) noexcept { other.abandon(); }
    pending_link& operator=(pending_link&& other) noexcept
    {
        abandon();
        other.abandon();
        return *this;
    }
    ~pending_link() { abandon(); }

    EXCLUSIVE_CONTROL_DECL void abandon() noexcept;
    std::shared_ptr<pending_lock> wait;
};
} // namespace detail

/// An exclusive lock on a file, held by one object in one process.
///
/// Acquiring creates the file if it is missing (never truncating it first), takes the lock,
/// then writes `" " + content + "\n"` at offset 0 and truncates the rest, the on-disk format
/// of zc.lockfile. Releasing leaves the file and its content behind.
///
/// The lock excludes other processes, whether they use `flock` (`flock(1)`, zc.lockfile,
/// py-filelock) or `fcntl` (`lockf`, `boost::interprocess::file_lock`), and other `lock_file`
/// objects of this process on the same file under any name.
///
/// Meets Lockable and TimedLockable, so `std::unique_lock<lock_file>` and
/// `std::scoped_lock` work. Move-only. One object is not meant to be used by two threads at once.
///
/// I/O failures throw `std::filesystem::filesystem_error` naming the path and the reason:
/// a missing directory, no permission, a directory, FIFO, socket, device or (by default)
/// symbolic link where the lock file should be, a file with more than one hard link. So does a
/// `{hostname}` in the content template whose lookup fails, before any file is touched, with
/// the system's error code: without it the lock cannot be taken as asked.
class EXCLUSIVE_CONTROL_DECL lock_file {
public:
    /// Effects: takes the lock now, without waiting.
    /// Throws: `lock_error` if it is held elsewhere, after emitting one Boost.Log record
    /// (severity error, channel "exclusive_control"); `std::invalid_argument` for a bad
    /// content template; `std::filesystem::filesystem_error` for I/O failures.
    /// Postconditions: `owns_lock()`.
    explicit lock_file(std::filesystem::path path, lock_options options = {});

    /// Effects: waits up to `timeout` for the lock.
    /// Throws: `lock_timeout` when the time runs out, after emitting one Boost.Log record;
    /// otherwise as the constructor above.
    /// Postconditions: `owns_lock()`.
    template <class Rep, class Period>
    lock_file(std::filesystem::path path, std::chrono::duration<Rep, Period> timeout, lock_options options = {})
        : lock_file(std::move(path), std::defer_lock, std::move(options))
    {
        lock_or_throw_timeout(detail::deadline_after(timeout));
    }

    /// Effects: checks the path and the template; touches no file.
    /// Throws: `std::invalid_argument` for a bad content template,
    /// `std::filesystem::filesystem_error` for an empty path.
    /// Postconditions: `!owns_lock()`.
    lock_file(std::filesystem::path path, std::defer_lock_t, lock_options options = {});

    lock_file(lock_file&& other) noexcept;
    /// Releases the lock this object held, then takes over `other`'s.
    lock_file& operator=(lock_file&& other) noexcept;
    lock_file(const lock_file&) = delete;
    lock_file& operator=(const lock_file&) = delete;

    /// Releases the lock if held.
    ~lock_file();

    /// Effects: releases the lock if this object holds it; otherwise nothing. The file stays,
    /// with its content. In a child created by `fork()` it closes the child's copies of the
    /// descriptors and leaves the parent's lock alone.
    /// Postconditions: `!owns_lock()`.
    void close() noexcept;

    /// Effects: waits as long as it takes for the lock.
    /// Throws: `std::system_error` (`resource_deadlock_would_occur`) if this object already
    /// holds it; otherwise as the constructor, except that contention is never an error.
    void lock();

    /// Effects: takes the lock if it is free right now. Emits no log record.
    /// Returns: whether this object now holds it.
    /// Throws: as `lock()`.
    bool try_lock();

    /// Effects: waits up to `timeout` for the lock. Emits no log record.
    /// Returns: whether this object now holds it. Never returns `false` before `timeout`
    /// has passed.
    /// Throws: as `lock()`.
    template <class Rep, class Period>
    bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout)
    {
        return try_lock_until_steady(detail::deadline_after(timeout));
    }

    /// As `try_lock_for`, until `deadline` on `Clock`. The wait is measured on the steady
    /// clock; a clock that can be set (such as `system_clock`) is read again when that wait
    /// ends, and the wait goes on if that clock has not reached `deadline` yet. A jump forward
    /// of such a clock does not cut a wait short, as with `std::condition_variable`.
    template <class Clock, class Duration>
    bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline)
    {
        for (;;) {
            // In long double: a coarse deadline such as time_point<system_clock, seconds>::max()
            // would overflow when converted to the clock's nanoseconds.
            const std::chrono::duration<long double> left =
                std::chrono::duration<long double>(deadline.time_since_epoch()) -
                std::chrono::duration<long double>(Clock::now().time_since_epoch());
            if (!(left > std::chrono::duration<long double>::zero()))
                return try_lock();
            if (try_lock_until_steady(detail::deadline_after(left)))
                return true;
        }
    }

    /// Effects: releases the lock.
    /// Throws: `std::system_error` (`operation_not_permitted`) if this object does not hold it.
    void unlock();

    /// Whether this object holds the lock, in this process (false in a forked child).
    bool owns_lock() const noexcept;

    /// The lock file's path, exactly as given to the constructor.
    const std::filesystem::path& path() const noexcept { return path_; }

    /// The options given to the constructor.
    const lock_options& options() const noexcept { return options_; }

private:
    friend class detail::pending_lock;

    bool try_lock_until_steady(std::chrono::steady_clock::time_point deadline);
    void lock_or_throw_timeout(std::chrono::steady_clock::time_point deadline);
    bool acquire_until(std::chrono::steady_clock::time_point deadline, std::string& holder);

    std::filesystem::path path_;
    lock_options options_;
    detail::pending_link pending_; // before held_: a move abandons the wait before taking the lock
    std::shared_ptr<detail::held_file> held_;
};

} // namespace exclusive_control

#endif
