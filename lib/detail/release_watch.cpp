// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "release_watch.hpp"

#include <algorithm>
#include <thread>


#if defined(__linux__)
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <string>
#endif

namespace exclusive_control {
namespace detail {

#if defined(__linux__)

namespace {

/// One inotify instance per thread, reused by every wait of that thread. Closing an inotify
/// instance can block for 10-16 ms while the kernel waits for a grace period, so a wait must
/// never close one on its way to taking the lock; the instance is closed when the thread ends.
class thread_inotify {
public:
    ~thread_inotify()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }

    /// The instance, or -1 if none can be had. A child created by fork() shares its parent's
    /// instance and would steal its events, so it makes its own.
    int get() noexcept
    {
        if (fd_ >= 0 && owner_ != ::getpid()) {
            ::close(fd_); // only our reference to the parent's instance: cheap
            fd_ = -1;
        }
        if (fd_ < 0) {
            fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
            owner_ = ::getpid();
        }
        return fd_;
    }

private:
    int fd_ = -1;
    pid_t owner_ = 0;
};

thread_local thread_inotify inotify;

void drain(int fd) noexcept
{
    alignas(inotify_event) char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
}

} // namespace

release_watch::~release_watch()
{
    if (watch_descriptor_ >= 0)
        ::inotify_rm_watch(inotify.get(), watch_descriptor_);
}

bool release_watch::watch(int fd) noexcept
{
    const int instance = inotify.get();
    if (instance < 0)
        return false;
    // Events queued by earlier waits of this thread are stale; drop them before watching.
    drain(instance);
    // /proc/self/fd/N names the inode the waiter opened, even if the path was replaced since.
    // Our own descriptors stay open while we wait, so only others' closes are reported.
    const std::string name = "/proc/self/fd/" + std::to_string(fd);
    const int added = ::inotify_add_watch(instance, name.c_str(),
                                          IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_ATTRIB |
                                              IN_DELETE_SELF | IN_MOVE_SELF);
    if (added < 0)
        return false;
    if (watch_descriptor_ >= 0 && watch_descriptor_ != added)
        ::inotify_rm_watch(instance, watch_descriptor_);
    watch_descriptor_ = added;
    return true;
}

void release_watch::wait_until(std::chrono::steady_clock::time_point until) noexcept
{
    const int instance = inotify.get();
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= left.zero())
        return;
    const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const long long capped = std::min<long long>(nanoseconds, 60'000'000'000LL);
    const timespec timeout{static_cast<time_t>(capped / 1'000'000'000), static_cast<long>(capped % 1'000'000'000)};
    pollfd ready{instance, POLLIN, 0};
    if (::ppoll(&ready, 1, &timeout, nullptr) > 0)
        drain(instance);
}

#else

release_watch::~release_watch() = default;

bool release_watch::watch(int) noexcept
{
    return false;
}

void release_watch::wait_until(std::chrono::steady_clock::time_point until) noexcept
{
    std::this_thread::sleep_until(until);
}

#endif

} // namespace detail
} // namespace exclusive_control
