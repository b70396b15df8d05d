// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_PENDING_LOCK_STATE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_PENDING_LOCK_STATE_HPP

// One wait, as the waiting engine (pending_lock.cpp) and the wake-ups for a release in another
// process (release_events_linux.cpp, inotify) both see it, and what the engine asks of those
// wake-ups. Where inotify is missing, pending_lock.cpp leaves them out: the waits poll.

#include <exclusive_control/detail/pending_lock.hpp>
#include <exclusive_control/lock_file.hpp>

#include "lock_attempts.hpp"
#include "process_table.hpp"

#include <chrono>
#include <mutex>
#include <optional>

#if !defined(_WIN32)
#include <unistd.h>
#endif

namespace exclusive_control {
namespace detail {

/// The process a wait began in: a forked child's copy of it is not the child's to run.
inline long this_process() noexcept
{
#if defined(_WIN32)
    return 0; // Windows has no fork()
#else
    return static_cast<long>(::getpid());
#endif
}

struct pending_lock::state final : release_listener {
    state(lock_file& lock, release_events* events, wake_function wake, void* waiter)
        : lock(&lock), events(events), wake(wake), waiter(waiter), attempts(std::in_place, lock.path(), lock.options())
    {
    }

    void released() noexcept override { wake_now(); }

    void wake_now() noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex);
        if (wake)
            wake(waiter);
    }

    std::mutex mutex; // guards the four members below
    lock_file* lock;  // null once abandoned
    bool finished = false;
    release_events* events; // until clean_up
    wake_function wake;
    void* const waiter;

    const long process = this_process();
    // Used by one attempt at a time (the caller serialises them); gone once finished, with the
    // descriptor it kept open.
    std::optional<lock_attempts> attempts;

    // Guarded by the release_events' mutex.
    int watch = -1;
    file_identity watched{};
};

/// Whether a wait now watches its file for closes, and whether that began just now (the wait
/// must then try again: a close before the watch began raised no event).
enum class watching { no, already, since_now };

watching watch_for_release(release_events& events, pending_lock::state& waiter, native_file file,
                           const file_identity& identity) noexcept;
/// Ends the watch of `waiter`, if it has one.
void stop_watching(release_events& events, pending_lock::state& waiter) noexcept;
/// Blocks until `events` has something to dispatch, or until `until`.
void wait_for_events(const release_events& events, std::chrono::steady_clock::time_point until) noexcept;

} // namespace detail
} // namespace exclusive_control

#endif
