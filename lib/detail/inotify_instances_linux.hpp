// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_INOTIFY_INSTANCES_LINUX_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_INOTIFY_INSTANCES_LINUX_HPP

namespace exclusive_control {
namespace detail {

/// The inotify instances of the synchronous waits in progress (Linux).
///
/// Each wait takes a fresh instance (10-30 us) and, when done, gives it back to be closed by a
/// background thread: closing an instance waits for a kernel grace period (0.2-16 ms measured
/// here), which a waiter that just got its lock should not pay, and reusing one would cost the
/// same order in inotify_rm_watch. Instances are limited per user
/// (fs.inotify.max_user_instances, often 128), so a process keeps none once its waits are over;
/// the closing thread exits when it has had nothing to close for a while, so an idle process has
/// no thread of ours either. A child created by fork() closes its copies of all of them
/// (hazard 10 of doc/design.adoc).
/// Returns -1 if no instance can be had.
int take_inotify_instance() noexcept;
void give_back_inotify_instance(int instance) noexcept;

} // namespace detail
} // namespace exclusive_control

#endif
