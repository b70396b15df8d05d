// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_DETAIL_PENDING_LOCK_HPP
#define EXCLUSIVE_CONTROL_DETAIL_PENDING_LOCK_HPP

// The compiled half of async_lock.hpp, free of Asio: the attempts of one asynchronous wait and
// the wake-ups between them. async_lock.hpp puts them on an event loop. Not for direct use.

#include <exclusive_control/config.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <system_error>

namespace exclusive_control {

class lock_file;

namespace detail {

/// On Linux, one inotify instance shared by the asynchronous waits of one event loop: each wait
/// for a holder in another process watches its file for closes there, and the loop calls
/// `dispatch` when `descriptor()` is readable. Elsewhere, or if inotify is unavailable,
/// `descriptor()` is -1 and the waits poll. In a child created by fork(), the instance is
/// replaced by a descriptor that never becomes readable, so the child neither keeps the
/// parent's instance nor steals its events, and the loop's registration stays valid for
/// `io_context::notify_fork`.
class release_events {
public:
    EXCLUSIVE_CONTROL_DECL release_events();
    /// For the one synchronous wait of a thread: the instance comes fresh and is closed by a
    /// background thread once the wait is over, so the waiter that got the lock does not pay for
    /// removing its watch (a fraction of a millisecond) before it returns.
    struct for_one_wait_t {};
    explicit release_events(for_one_wait_t);
    EXCLUSIVE_CONTROL_DECL ~release_events();
    release_events(const release_events&) = delete;
    release_events& operator=(const release_events&) = delete;

    EXCLUSIVE_CONTROL_DECL int descriptor() const noexcept;
    /// Reads every queued event (the descriptor is edge-triggered in an event loop) and wakes
    /// the waits whose file someone closed. Never blocks.
    EXCLUSIVE_CONTROL_DECL void dispatch() noexcept;
    /// Whether no wait watches a file, so that the loop need not wait on `descriptor()`.
    EXCLUSIVE_CONTROL_DECL bool idle() const noexcept;

    struct state;
    state& get() noexcept { return *state_; }

private:
    std::unique_ptr<state> state_;
};

/// One asynchronous wait for a `lock_file`. Thread-safe.
class pending_lock {
public:
    /// Called, from any thread and possibly with the library's locks held, when an attempt may
    /// now succeed or the wait was abandoned: it must only schedule the next attempt.
    using wake_function = void (*)(void* waiter) noexcept;

    enum class outcome {
        acquired,       ///< the lock_file owns the lock now
        held_here,      ///< by another lock_file of this process; a wake-up comes on release
        held_watched,   ///< elsewhere, watched for closes; poll too, for releases closing nothing
        held_elsewhere, ///< elsewhere, unwatched: poll with back-off
        abandoned,      ///< the lock_file was closed, moved or destroyed, or this is a forked copy
        failed          ///< see the error
    };

    /// Begins a wait for `lock` and attaches it, replacing a finished one. Returns nothing, with
    /// `error` set, if `lock` owns the lock (`resource_deadlock_would_occur`), has a wait pending
    /// (`operation_in_progress`), or the content cannot be rendered.
    EXCLUSIVE_CONTROL_DECL static std::shared_ptr<pending_lock>
    start(lock_file& lock, release_events* events, wake_function wake, void* waiter, std::error_code& error) noexcept;

    /// One attempt, never waiting.
    EXCLUSIVE_CONTROL_DECL outcome try_once(std::error_code& error) noexcept;
    /// The Boost.Log record of a wait that ran out of time.
    EXCLUSIVE_CONTROL_DECL void log_timeout() const noexcept;
    /// Ends the wait: no more wake-ups once this returns. Cheap.
    EXCLUSIVE_CONTROL_DECL void finish() noexcept;
    /// After `finish`: gives back the watch and the descriptor kept open, which may take a
    /// fraction of a millisecond (inotify_rm_watch), so it comes after the handler is on its
    /// way. Must run before the `release_events` given to `start` is destroyed.
    EXCLUSIVE_CONTROL_DECL void clean_up() noexcept;
    /// For the lock_file: ends the wait with `abandoned` at its next attempt, never touching
    /// the lock_file again.
    EXCLUSIVE_CONTROL_DECL void abandon() noexcept;

    EXCLUSIVE_CONTROL_DECL ~pending_lock();

    struct state;
    explicit pending_lock(std::unique_ptr<state> state) noexcept;

private:
    friend class exclusive_control::lock_file;

    /// The synchronous waits of `lock_file` on the same engine, in the calling thread: returns
    /// whether `lock` took the lock before `deadline`, else sets `holder` to what the latest
    /// holder wrote. Throws what the synchronous calls document.
    static bool wait_here(lock_file& lock, std::chrono::steady_clock::time_point deadline, std::string& holder);
    static std::shared_ptr<pending_lock> begin(lock_file& lock, release_events* events, wake_function wake,
                                               void* waiter);
    outcome attempt();

    std::unique_ptr<state> state_;
};

/// When a wait tries again if nothing wakes it sooner, the same for synchronous and
/// asynchronous waits.
class retry_schedule {
public:
    using clock = std::chrono::steady_clock;

    /// After an attempt that ended with `outcome` (one of the held_* ones).
    clock::time_point next(pending_lock::outcome outcome, clock::time_point now, clock::time_point deadline) noexcept
    {
        switch (outcome) {
        case pending_lock::outcome::held_watched: return std::min(deadline, now + watched_poll);
        case pending_lock::outcome::held_elsewhere: {
            const clock::duration wait = back_off_;
            back_off_ = std::min<clock::duration>(back_off_ * 2, longest_poll);
            return now < deadline - wait ? now + wait : deadline;
        }
        default: return deadline; // held_here: the process table wakes the wait on release
        }
    }

    // A release that closes nothing (an fcntl user's F_UNLCK, a holder whose children share
    // its descriptor) raises no inotify event. Each wake-up costs 50-100 us of CPU here
    // (doc/performance.adoc), so this is what keeps a waiter near 1 ms of CPU per second; such
    // a release is seen within it.
    static constexpr std::chrono::milliseconds watched_poll{100};
    // Where nothing can wake the wait (no inotify: Windows, other systems): back-off.
    static constexpr std::chrono::milliseconds first_poll{1};
    static constexpr std::chrono::milliseconds longest_poll{50};

private:
    clock::duration back_off_ = first_poll;
};

} // namespace detail
} // namespace exclusive_control

#endif
