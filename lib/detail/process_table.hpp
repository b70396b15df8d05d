// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_PROCESS_TABLE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_PROCESS_TABLE_HPP

#include "os_lock.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace exclusive_control {
namespace detail {

class process_table;

/// A lock this process took: shared by the `lock_file` that owns it and the process table,
/// which alone changes it, under its mutex.
class held_file {
public:
    const file_identity identity;
    const lock_parts parts;

    /// The descriptor (handle) the lock was taken and the content written through; none once
    /// released.
    native_file file() const noexcept { return file_.get(); }
    /// In a child created by fork(): the lock is the parent's. The child never had the fcntl
    /// half and must not release the flock half it shares with its parent (hazard 4).
    bool orphaned() const noexcept { return orphaned_; }

    held_file(file_identity identity, unique_file file, lock_parts parts)
        : identity(identity), parts(parts), file_(std::move(file))
    {
    }

private:
    friend class process_table;

    unique_file file_;
    bool orphaned_ = false;
    /// Descriptors of this inode that this process opened while holding it: closing them now
    /// would drop the fcntl lock (hazard 2), so they close when the lock is released.
    std::vector<unique_file> deferred_;
};

/// Proof that the caller holds the table's mutex: every member of the table that reads or
/// changes it asks for one, so that the rule is checked by the compiler, not by a comment.
class table_guard {
public:
    table_guard(const table_guard&) = delete;
    table_guard& operator=(const table_guard&) = delete;

private:
    friend class process_table;
    explicit table_guard(std::mutex& mutex) : lock_(mutex) {}
    std::unique_lock<std::mutex> lock_;
};

/// A descriptor of a lock file that is not (yet) the descriptor of a lock held: one kept
/// between attempts, or opened only to look. Closing it goes through the table, which keeps it
/// open while this process holds the file, since closing any descriptor of it would drop the
/// fcntl lock (hazard 2). Taking the lock hands it to the table (`process_table::insert`).
class table_descriptor {
public:
    table_descriptor() noexcept = default;
    table_descriptor(file_identity identity, unique_file file) noexcept : identity_(identity), file_(std::move(file)) {}
    table_descriptor(table_descriptor&& other) noexcept = default;
    table_descriptor& operator=(table_descriptor&& other) noexcept;
    table_descriptor(const table_descriptor&) = delete;
    table_descriptor& operator=(const table_descriptor&) = delete;
    ~table_descriptor() { reset(); }

    /// Closes it as the table allows: takes the table's mutex.
    void reset() noexcept;

    native_file get() const noexcept { return file_.get(); }
    const file_identity& identity() const noexcept { return identity_; }
    explicit operator bool() const noexcept { return file_.get() != no_file; }

private:
    friend class process_table;
    file_identity identity_{};
    unique_file file_;
};

/// Told when this process releases a file it waits for (pending_lock.cpp). Called with the
/// table's guard held, so it must only note the release and return.
class release_listener {
public:
    virtual void released() noexcept = 0;

protected:
    ~release_listener() = default;
};

/// The locks held by this process, keyed by inode.
///
/// POSIX fcntl locks belong to a process, so a second fcntl lock by the same process succeeds
/// and closing any descriptor of the file drops them all (hazards 1 and 2). This table is what
/// makes two `lock_file` objects of one process exclude each other, and it is the only place
/// that decides when a descriptor of a lock file may be closed. On Windows, where locks belong
/// to a handle, it is what wakes a waiter of this process when the holder releases.
/// Tests: test_in_process.cpp, test_fork.cpp.
class process_table {
public:
    static process_table& instance();

    /// Cheap and lock-free: false when this process holds nothing, so an uncontended
    /// acquisition pays for no lookup by name.
    bool may_hold_any() const noexcept { return entries_.load(std::memory_order_acquire) != 0; }

    table_guard guard() { return table_guard(mutex_); }

    /// What the holder wrote, if this process holds `identity` through a `lock_file`: read
    /// through the holder's own descriptor, which reading by name could close (hazard 2).
    /// Takes the guard itself, so that the holder cannot close the descriptor meanwhile.
    std::optional<std::string> holder_if_held(const file_identity& identity);

    /// The entry for `identity`, if this process holds it.
    const held_file* live_entry(const table_guard&, const file_identity& identity) const;
    /// Registers the lock just taken through `file`.
    std::shared_ptr<held_file> insert(const table_guard&, table_descriptor&& file, lock_parts parts);
    /// Unregisters `held`, gives the lock back and closes its descriptors, under the mutex so
    /// that no other thread can take the file between these closes. In a forked child's copy
    /// (hazard 4), whose descriptors the fork handler closed, it only unregisters: unlocking
    /// would release the flock the child shares with its parent.
    void release(const table_guard&, held_file& held) noexcept;

    /// Tells `listener` once, when this process next releases `identity`; false, registering
    /// nothing, if it does not hold it now.
    bool listen_for_release(const table_guard&, const file_identity& identity, release_listener& listener);
    /// Idempotent.
    void stop_listening(const table_guard&, release_listener& listener) noexcept;

private:
    process_table() = default;
#if !defined(_WIN32)
    void forget_parents_locks_and_unlock() noexcept;
#endif
    friend class table_descriptor;
    /// Closes `file`, unless this process holds its inode: closing would drop the fcntl lock.
    /// Held through this table, it is kept until the release; held otherwise (another copy of
    /// the library in this process, or the program's own fcntl lock, which the kernel tells
    /// us about), it is parked until the kernel says the lock is gone (hazard 11).
    void close_or_defer(const file_identity& identity, unique_file file);
    held_file* entry(const file_identity& identity) const;
    /// Closes the parked descriptors whose inode this process no longer holds.
    void close_unparked() noexcept;

    struct parked_file {
        file_identity identity;
        unique_file file;
    };

    std::mutex mutex_;
    std::map<file_identity, std::shared_ptr<held_file>> held_;
    std::vector<parked_file> parked_;
    std::atomic<std::size_t> entries_{0};
    std::multimap<file_identity, release_listener*> listeners_;
};

} // namespace detail
} // namespace exclusive_control

#endif
