// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The wake-ups of waits for a holder in another process on Linux: its close of the file, seen
// through inotify. One instance per event loop (async_lock.hpp), or one per synchronous wait
// (from inotify_instances_linux.cpp). Tests: test_waiting.cpp, test_async_lock.cpp, test_fork.cpp.
#include "pending_lock_state.hpp"

#include "fork_handler_posix.hpp"
#include "inotify_instances_linux.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <new>
#include <set>

namespace exclusive_control {
namespace detail {

// The inotify half. A watch is shared by the waits of one instance on one file: inotify gives
// one watch descriptor per inode and instance.
struct release_events::state {
    state() { instance = registry().create_and_add(this); }
    explicit state(for_one_wait_t) : for_one_wait(true) { registry().add(this, take_inotify_instance()); }
    ~state()
    {
        registry().remove(this);
        if (instance < 0 || forked)
            return;
        if (for_one_wait)
            give_back_inotify_instance(instance); // its watches go with it
        else
            ::close(instance);
    }

    watching watch(pending_lock::state& waiter, native_file file, const file_identity& identity) noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex);
        if (instance < 0 || forked)
            return watching::no;
        if (waiter.watch >= 0 && waiter.watched == identity)
            return watching::already;
        // /proc/self/fd/N names the inode the wait opened, even if the path was replaced since.
        char name[32];
        std::snprintf(name, sizeof name, "/proc/self/fd/%d", file);
        const int added = ::inotify_add_watch(
            instance, name, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
        if (added < 0)
            return watching::no;
        try {
            waiters[added].insert(&waiter);
        } catch (const std::bad_alloc&) {
            drop_if_unused(added);
            return watching::no;
        }
        if (waiter.watch >= 0)
            forget(waiter);
        waiter.watch = added;
        waiter.watched = identity;
        return watching::since_now;
    }

    void unwatch(pending_lock::state& waiter) noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex);
        if (waiter.watch < 0)
            return;
        if (for_one_wait) { // the instance goes with its watch: no inotify_rm_watch to pay for
            waiters.erase(waiter.watch);
            waiter.watch = -1;
            return;
        }
        forget(waiter);
    }

    void dispatch() noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex);
        if (instance < 0 || forked)
            return;
        alignas(inotify_event) char buffer[4096];
        for (;;) {
            const ssize_t got = ::read(instance, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                return; // EAGAIN: drained, as an edge-triggered wait needs
            for (ssize_t at = 0; at < got;) {
                const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
                at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
                if (event->mask & IN_Q_OVERFLOW) {
                    for (const auto& [watch, those] : waiters)
                        wake_all(those);
                    continue;
                }
                const auto found = waiters.find(event->wd);
                if (found == waiters.end())
                    continue;
                wake_all(found->second);
                if (event->mask & IN_IGNORED) { // the file is gone: its waits watch afresh
                    for (pending_lock::state* waiter : found->second)
                        waiter->watch = -1;
                    waiters.erase(found);
                }
            }
        }
    }

    static void wake_all(const std::set<pending_lock::state*>& those) noexcept
    {
        for (pending_lock::state* waiter : those)
            waiter->wake_now();
    }

    void forget(pending_lock::state& waiter) noexcept
    {
        const auto found = waiters.find(waiter.watch);
        if (found != waiters.end()) {
            found->second.erase(&waiter);
            drop_if_unused(waiter.watch);
        }
        waiter.watch = -1;
    }

    void drop_if_unused(int watch) noexcept
    {
        const auto found = waiters.find(watch);
        if (found == waiters.end() || found->second.empty()) {
            if (found != waiters.end())
                waiters.erase(found);
            ::inotify_rm_watch(instance, watch);
        }
    }

    /// In a child created by fork(): the instance is the parent's. Closing our reference would
    /// leave the event loop registered on a number that the child may reuse; an eventfd in its
    /// place never becomes readable and keeps `io_context::notify_fork` working.
    void forget_parents_instance() noexcept
    {
        forked = true;
        waiters.clear();
        if (instance < 0 || for_one_wait) // take_inotify_instance's list closes those
            return;
        const int quiet = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (quiet >= 0 && ::dup3(quiet, instance, O_CLOEXEC) >= 0) {
            ::close(quiet);
            return;
        }
        if (quiet >= 0)
            ::close(quiet);
        ::close(instance);
        instance = -1;
    }

    /// Every instance of the process, for the fork handler.
    class instances {
    public:
        /// The instance of `events`, created under the mutex that the fork handler holds, so
        /// that no fork can come between its creation and its listing.
        int create_and_add(state* events)
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            all_.insert(events);
            return ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        }
        /// For an instance listed for fork() elsewhere.
        void add(state* events, int instance)
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            events->instance = instance;
            all_.insert(events);
        }
        void remove(state* events) noexcept
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            all_.erase(events);
        }
        // Holding the mutexes across fork() leaves the child's copies free and consistent.
        void before_fork() noexcept
        {
            mutex_.lock();
            for (state* events : all_)
                events->mutex.lock();
        }
        void after_fork(bool in_child) noexcept
        {
            for (state* events : all_) {
                if (in_child)
                    events->forget_parents_instance();
                events->mutex.unlock();
            }
            mutex_.unlock();
        }

    private:
        std::mutex mutex_;
        std::set<state*> all_;
    };
    static instances& registry()
    {
        static instances* const all = [] {
            auto* created = new instances; // used until the very end
            static const fork_participant participant{[]() noexcept { registry().before_fork(); },
                                                      []() noexcept { registry().after_fork(false); },
                                                      []() noexcept { registry().after_fork(true); }};
            join_fork_handler(fork_rank::async_release_events, participant);
            return created;
        }();
        return *all;
    }

    std::mutex mutex;
    int instance = -1;
    const bool for_one_wait = false;
    bool forked = false;
    std::map<int, std::set<pending_lock::state*>> waiters;
};

release_events::release_events() : state_(std::make_unique<state>()) {}
release_events::release_events(for_one_wait_t tag) : state_(std::make_unique<state>(tag)) {}
release_events::~release_events() = default;

int release_events::descriptor() const noexcept
{
    return state_->instance;
}

void release_events::dispatch() noexcept
{
    state_->dispatch();
}

bool release_events::idle() const noexcept
{
    const std::lock_guard<std::mutex> guard(state_->mutex);
    return state_->waiters.empty();
}

watching watch_for_release(release_events& events, pending_lock::state& waiter, native_file file,
                           const file_identity& identity) noexcept
{
    return events.get().watch(waiter, file, identity);
}

void stop_watching(release_events& events, pending_lock::state& waiter) noexcept
{
    events.get().unwatch(waiter);
}

void wait_for_events(const release_events& events, std::chrono::steady_clock::time_point until) noexcept
{
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero())
        return;
    const long long nanoseconds = std::min<long long>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(left).count(), 60'000'000'000LL);
    const timespec timeout{static_cast<time_t>(nanoseconds / 1'000'000'000),
                           static_cast<long>(nanoseconds % 1'000'000'000)};
    pollfd ready{events.descriptor(), POLLIN, 0};
    ::ppoll(&ready, 1, &timeout, nullptr);
}

} // namespace detail
} // namespace exclusive_control
