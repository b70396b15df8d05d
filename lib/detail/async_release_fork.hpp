// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_ASYNC_RELEASE_FORK_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_ASYNC_RELEASE_FORK_HPP

namespace exclusive_control {
namespace detail {

// For the fork handler (fork_handler.hpp): the inotify instances of the event loops'
// asynchronous waits (release_events, pending_lock.cpp) are the parent's. The child replaces
// its copies with descriptors that never become ready, keeping the numbers the event loops
// registered valid for io_context::notify_fork. Each instance's mutex is taken alone.
void async_release_events_lock_for_fork() noexcept;
void async_release_events_unlock_after_fork() noexcept;
void async_release_events_forget_in_child() noexcept;

} // namespace detail
} // namespace exclusive_control

#endif
