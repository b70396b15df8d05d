// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_RELEASE_WATCH_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_RELEASE_WATCH_HPP

#include "os_lock.hpp"

#include <chrono>

namespace exclusive_control {
namespace detail {

/// Lets a waiter sleep until another process probably released the lock file.
///
/// On Linux it watches the file with inotify for closes: a holder closes its descriptor when it
/// releases, and the kernel closes it when the holder dies, so the waiter usually wakes within
/// microseconds instead of at its next poll. Releases that close nothing raise no event: an
/// fcntl user calling F_UNLCK and keeping the file open, or a holder whose forked children
/// still share its descriptor (inotify reports only the last close). The caller's bounded
/// fallback poll catches those. Peers that open and close the file wake us for nothing, which
/// costs one retry. Elsewhere, or when inotify is unavailable, `watch` returns false and the
/// caller polls with back-off. Tests: test_waiting.cpp; bench/handoff.cpp measures it.
class release_watch {
public:
    release_watch() noexcept = default;
    ~release_watch();
    release_watch(const release_watch&) = delete;
    release_watch& operator=(const release_watch&) = delete;

    /// Starts watching the file behind `fd` (one descriptor the waiter keeps open). Events from
    /// before this call are not reported, so the caller must try the lock once more after it.
    bool watch(native_file file) noexcept;

    /// Sleeps until a watched file is closed by someone, or `until`.
    void wait_until(std::chrono::steady_clock::time_point until) noexcept;

private:
    int instance_ = -1;
    int watch_descriptor_ = -1;
};

} // namespace detail
} // namespace exclusive_control

#endif
