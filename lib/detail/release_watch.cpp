// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "release_watch.hpp"

#include <algorithm>
#include <thread>

#if defined(__linux__)
#include <poll.h>
#include <pthread.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <vector>
#endif

namespace exclusive_control {
namespace detail {

#if defined(__linux__)

namespace {

void drain(int instance) noexcept
{
    // Events on files carry no name, so a short read means the queue is empty: one read
    // usually does, and a waiter that was just woken tries the lock one system call sooner.
    alignas(inotify_event) char events[4096];
    while (::read(instance, events, sizeof events) == static_cast<ssize_t>(sizeof events)) {
    }
}

/// Inotify instances kept for the next wait. Closing an instance can block for 10-16 ms while
/// the kernel waits for a grace period, so waits do not close theirs: they hand it back here.
/// Only when more threads wait at once than the pool keeps does one close, after it got the
/// lock. Instances are limited per user (fs.inotify.max_user_instances, often 128), which is
/// why the pool is small and shared rather than one per thread.
///
/// Removing a watch costs 0.3 ms here (measured with strace -T), and a wait that just got the
/// lock would pay it before returning: it hands its watch back with the instance, and the
/// next wait to take that instance removes it. Until then the watch reports closes of a file
/// nobody waits for into a queue nobody reads, which the next taker drains.
class inotify_pool {
public:
    static inotify_pool& instance()
    {
        static inotify_pool* const pool = new inotify_pool; // used until the very end
        return *pool;
    }

    int take() noexcept
    {
        kept_instance kept{-1, -1};
        {
            std::lock_guard<std::mutex> guard(mutex_);
            if (!free_.empty()) {
                kept = free_.back();
                free_.pop_back();
            }
        }
        if (kept.instance < 0)
            return ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (kept.stale_watch >= 0)
            ::inotify_rm_watch(kept.instance, kept.stale_watch);
        drain(kept.instance); // the events of the finished wait, including IN_IGNORED
        return kept.instance;
    }

    void give_back(int instance, int watch_descriptor) noexcept
    {
        {
            std::lock_guard<std::mutex> guard(mutex_);
            if (free_.size() < kept) {
                free_.push_back({instance, watch_descriptor}); // never reallocates: reserved below
                return;
            }
        }
        ::close(instance);
    }

private:
    static constexpr std::size_t kept = 4;

    struct kept_instance {
        int instance;
        int stale_watch; // -1 if none
    };

    inotify_pool()
    {
        free_.reserve(kept);
        // A child created by fork() shares these instances with its parent and would steal
        // its events: it forgets them (closing its references is cheap while the parent keeps
        // the instances open). Holding the mutex across fork() keeps the child's copy usable.
        ::pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                         [] {
                             inotify_pool& pool = instance();
                             for (const kept_instance& kept : pool.free_)
                                 ::close(kept.instance);
                             pool.free_.clear();
                             pool.mutex_.unlock();
                         });
    }

    std::mutex mutex_;
    std::vector<kept_instance> free_;
};

} // namespace

release_watch::~release_watch()
{
    if (instance_ >= 0)
        inotify_pool::instance().give_back(instance_, watch_descriptor_);
}

bool release_watch::watch(native_file fd) noexcept
{
    if (instance_ < 0)
        instance_ = inotify_pool::instance().take();
    if (instance_ < 0)
        return false;
    // /proc/self/fd/N names the inode the waiter opened, even if the path was replaced since.
    // The waiter keeps its own descriptor open while it waits, so only others' closes count.
    char name[32];
    std::snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    const int added = ::inotify_add_watch(instance_, name,
                                          IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_ATTRIB |
                                              IN_DELETE_SELF | IN_MOVE_SELF);
    if (added < 0)
        return false;
    if (watch_descriptor_ >= 0 && watch_descriptor_ != added)
        ::inotify_rm_watch(instance_, watch_descriptor_);
    watch_descriptor_ = added;
    return true;
}

void release_watch::wait_until(std::chrono::steady_clock::time_point until) noexcept
{
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= left.zero())
        return;
    const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const long long capped = std::min<long long>(nanoseconds, 60'000'000'000LL);
    const timespec timeout{static_cast<time_t>(capped / 1'000'000'000), static_cast<long>(capped % 1'000'000'000)};
    pollfd ready{instance_, POLLIN, 0};
    if (::ppoll(&ready, 1, &timeout, nullptr) > 0)
        drain(instance_);
}

#else

release_watch::~release_watch() = default;

bool release_watch::watch(native_file) noexcept
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
