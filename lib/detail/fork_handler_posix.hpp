// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FORK_HANDLER_POSIX_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FORK_HANDLER_POSIX_HPP

// What a child created by fork() keeps of the library (POSIX only): nothing but its own copy of
// the state, unlocked and empty (hazards 4 and 10, doc/design.adoc).
//
// A fork can happen at any moment in another thread: while one thread holds a lock, waits for
// one (a descriptor kept open between attempts, an inotify instance), or inspects a file. The
// child inherits every descriptor, but none of the threads that own them, so nothing would ever
// close the child's copies: a copy of a descriptor the parent later locks with flock keeps that
// lock alive after the parent dies, and a copy of an inotify instance keeps it counted against
// the user's limit. So every descriptor the library opens is listed, and the child closes all
// of them before it returns from fork(). The list's mutex is held across fork(), so no
// descriptor can be open and not yet listed (or closed and still listed) at that moment.
//
// There is one pthread_atfork handler for the whole library, so that the order in which it takes
// the library's mutexes is written down in one place: the ranks below.
// Tests: test_fork.cpp.

namespace exclusive_control {
namespace detail {

/// The state that the fork handler resets, in the order it takes their mutexes before fork():
/// a thread holding the process table's mutex may open and close descriptors, whose list comes
/// next; the mutexes of the inotify instances of synchronous and of asynchronous waits are taken
/// alone. After fork() they are released in the opposite order, and in the child each is reset
/// before it is released.
enum class fork_rank { process_table, descriptors, inotify_instances, async_release_events, count };

/// What one piece of state does at a fork: `prepare` takes its mutexes, `in_parent` releases
/// them, `in_child` forgets what belongs to the parent and releases them.
struct fork_participant {
    void (*prepare)() noexcept;
    void (*in_parent)() noexcept;
    void (*in_child)() noexcept;
};

/// Called once by each piece of state when it is created, with a `participant` that lives for
/// ever; installs the handler on first use.
void join_fork_handler(fork_rank rank, const fork_participant& participant) noexcept;

/// open(2), retried on EINTR, with the descriptor listed for the fork handler. Returns -1 with
/// `errno` set on failure (ENOMEM if the list cannot grow).
int open_listed(const char* path, int flags, unsigned mode = 0) noexcept;

/// Closes a descriptor that open_listed() returned. In a forked child, whose handler has closed
/// its copies already, it does nothing: the number may name another file by now.
void close_listed(int fd) noexcept;

} // namespace detail
} // namespace exclusive_control

#endif
