// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The waiting engine of every wait, synchronous (lock_file's lock, try_lock_for, the timed
// constructor: wait_here below) and asynchronous (async_lock.hpp): attempts through
// lock_attempts (the protocol stays in lock_file.cpp), and a wake-up for each kind of release,
// none of them a periodic one when the holder is in this process:
// - a holder in this process: the process table tells the wait when it releases;
// - a holder elsewhere: its close, seen through inotify (release_events: one instance per event
//   loop, or one per synchronous wait), plus retry_schedule's poll for releases that close
//   nothing;
// - no inotify (Windows, or none left): retry_schedule's back-off poll.
// Tests: test_waiting.cpp, test_async_lock.cpp.
#include <exclusive_control/detail/pending_lock.hpp>
#include <exclusive_control/lock_file.hpp>

#include "lock_attempts.hpp"
#include "process_table.hpp"
#if !defined(_WIN32)
#include "fork_handler_posix.hpp"
#endif

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <system_error>
#include <thread>

#if defined(__linux__)
#include "inotify_instances_linux.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <vector>
#elif !defined(_WIN32)
#include <unistd.h>
#endif

namespace exclusive_control {
namespace detail {

namespace {

#if defined(_WIN32)
long this_process() noexcept
{
    return 0; // Windows has no fork()
}
#else
long this_process() noexcept
{
    return static_cast<long>(::getpid());
}
#endif

} // namespace

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

#if defined(__linux__)

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

    /// Whether `waiter` now watches `file`, and whether that began just now (the caller must
    /// then try again: a close before the watch began raised no event).
    enum class watching { no, already, since_now };
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

#else

struct release_events::state {
    state() = default;
    explicit state(for_one_wait_t) {}
    enum class watching { no, already, since_now };
    watching watch(pending_lock::state&, native_file, const file_identity&) noexcept { return watching::no; }
    void unwatch(pending_lock::state&) noexcept {}
    void dispatch() noexcept {}
    const int instance = -1;
    const std::map<int, int> waiters;
};

#endif

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
#if defined(__linux__)
    const std::lock_guard<std::mutex> guard(state_->mutex);
#endif
    return state_->waiters.empty();
}

pending_lock::pending_lock(std::unique_ptr<state> state) noexcept : state_(std::move(state)) {}

pending_lock::~pending_lock()
{
    clean_up();
}

std::shared_ptr<pending_lock> pending_lock::start(lock_file& lock, release_events* events, wake_function wake,
                                                  void* waiter, std::error_code& error) noexcept
{
    error.clear();
    if (lock.owns_lock()) {
        error = std::make_error_code(std::errc::resource_deadlock_would_occur);
        return nullptr;
    }
    if (lock.pending_.wait) {
        state& previous = *lock.pending_.wait->state_;
        const std::lock_guard<std::mutex> guard(previous.mutex);
        if (!previous.finished) {
            error = std::make_error_code(std::errc::operation_in_progress);
            return nullptr;
        }
    }
    try {
        return begin(lock, events, wake, waiter);
    } catch (const std::system_error& failure) {
        error = failure.code();
    } catch (const std::bad_alloc&) {
        error = std::make_error_code(std::errc::not_enough_memory);
    } catch (const std::invalid_argument&) {
        error = std::make_error_code(std::errc::invalid_argument);
    }
    return nullptr;
}

std::shared_ptr<pending_lock> pending_lock::begin(lock_file& lock, release_events* events, wake_function wake,
                                                  void* waiter)
{
    lock.close(); // a copy inherited through fork() holds nothing of ours
    auto started = std::make_shared<pending_lock>(std::make_unique<state>(lock, events, wake, waiter));
    lock.pending_.wait = started;
    return started;
}

pending_lock::outcome pending_lock::try_once(std::error_code& error) noexcept
{
    error.clear();
    try {
        return attempt();
    } catch (const std::system_error& failure) { // filesystem_error among them
        error = failure.code();
    } catch (const std::bad_alloc&) {
        error = std::make_error_code(std::errc::not_enough_memory);
    }
    return outcome::failed;
}

pending_lock::outcome pending_lock::attempt()
{
    state& wait = *state_;
    if (wait.process != this_process())
        return outcome::abandoned; // a child's copy of its parent's wait
    {
        const std::lock_guard<std::mutex> guard(wait.mutex);
        if (!wait.lock)
            return outcome::abandoned;
    }
    // A release between an attempt and the start of its wake-up would be missed, so each
    // wake-up is set up first and the attempt repeated once it is in place.
    for (;;) {
        if (std::shared_ptr<held_file> held = wait.attempts->try_once()) {
            std::unique_lock<std::mutex> guard(wait.mutex);
            if (!wait.lock) {
                guard.unlock();
                lock_attempts::release(*held); // taken as the lock_file went away
                return outcome::abandoned;
            }
            wait.lock->held_ = std::move(held);
            return outcome::acquired;
        }
        if (wait.attempts->blocked_by_this_process()) {
            process_table& table = process_table::instance();
            const table_guard guard = table.guard();
            table.stop_listening(guard, wait);
            if (table.listen_for_release(guard, wait.attempts->identity(), wait))
                return outcome::held_here;
            continue; // released since the attempt
        }
        if (!wait.events)
            return outcome::held_elsewhere;
        switch (wait.events->get().watch(wait, wait.attempts->descriptor(), wait.attempts->identity())) {
        case release_events::state::watching::no: return outcome::held_elsewhere;
        case release_events::state::watching::already: return outcome::held_watched;
        case release_events::state::watching::since_now: continue;
        }
    }
}

namespace {

/// A thread blocked in a synchronous wait, woken as an event loop would be.
struct blocked_thread {
    static void wake(void* waiter) noexcept
    {
        auto& self = *static_cast<blocked_thread*>(waiter);
        {
            const std::lock_guard<std::mutex> guard(self.mutex);
            self.woken = true;
        }
        self.wakes.notify_one();
    }

    /// Sleeps until woken (by the process table or inotify), or `until`.
    void sleep_until(const release_events* events, std::chrono::steady_clock::time_point until)
    {
        if (events && events->descriptor() >= 0 && !events->idle()) {
            poll_until(*events, until);
            return;
        }
        std::unique_lock<std::mutex> guard(mutex);
        if (until == std::chrono::steady_clock::time_point::max())
            wakes.wait(guard, [this] { return woken; });
        else
            wakes.wait_until(guard, until, [this] { return woken; });
    }

    /// Before an attempt: only a release after it counts.
    void forget_wakes() noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex);
        woken = false;
    }

#if defined(__linux__)
    void poll_until(const release_events& events, std::chrono::steady_clock::time_point until) noexcept
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
#else
    void poll_until(const release_events&, std::chrono::steady_clock::time_point) noexcept {}
#endif

    std::mutex mutex;
    std::condition_variable wakes;
    bool woken = false;
};

} // namespace

bool pending_lock::wait_here(lock_file& lock, std::chrono::steady_clock::time_point deadline, std::string& holder)
{
    blocked_thread thread;
    // Created at the first holder seen in another process: a wait that a holder here ends, or
    // none at all, needs no inotify instance.
    std::optional<release_events> events;
    const std::shared_ptr<pending_lock> wait = begin(lock, nullptr, &blocked_thread::wake, &thread);
    state& waiting = *wait->state_;
    // Gives back the instance's watch before the instance itself goes.
    const auto done = [&]() noexcept {
        wait->clean_up();
        lock.pending_.wait.reset();
    };
    retry_schedule schedule;
    try {
        for (;;) {
            thread.forget_wakes();
            const outcome latest = wait->attempt();
            if (latest == outcome::acquired) {
                done();
                return true;
            }
            holder = waiting.attempts->holder();
            const auto now = std::chrono::steady_clock::now();
            if (latest == outcome::abandoned || !(now < deadline)) {
                done();
                return false;
            }
            if (latest == outcome::held_elsewhere && !events) {
                events.emplace(release_events::for_one_wait_t{});
                const std::lock_guard<std::mutex> guard(waiting.mutex);
                waiting.events = &*events;
                continue;
            }
            thread.sleep_until(waiting.events, schedule.next(latest, now, deadline));
            if (events)
                events->dispatch();
        }
    } catch (...) {
        done();
        throw;
    }
}

void pending_lock::log_timeout() const noexcept
{
    state_->attempts->log_timeout();
}

void pending_lock::finish() noexcept
{
    state& wait = *state_;
    if (wait.process != this_process())
        return; // a forked child's copy: its mutex may have been held at the fork, and is not ours
    {
        // First, so that no wake-up starts after this; one under way finds `wake` gone.
        const std::lock_guard<std::mutex> guard(wait.mutex);
        if (wait.finished)
            return;
        wait.finished = true;
        wait.wake = nullptr;
    }
    process_table& table = process_table::instance();
    table.stop_listening(table.guard(), wait);
}

void pending_lock::clean_up() noexcept
{
    finish();
    state& wait = *state_;
    if (wait.process != this_process())
        return; // the fork handler closed the child's copies already
    if (wait.events) {
        wait.events->get().unwatch(wait);
        wait.events = nullptr; // it may go with its io_context after this
    }
    wait.attempts.reset();
}

void pending_lock::abandon() noexcept
{
    state& wait = *state_;
    if (wait.process != this_process())
        return; // as in finish(); try_once() reports a forked copy abandoned anyway
    const std::lock_guard<std::mutex> guard(wait.mutex);
    wait.lock = nullptr;
    if (wait.wake)
        wait.wake(wait.waiter);
}

void pending_link::abandon() noexcept
{
    if (wait) {
        wait->abandon();
        wait.reset();
    }
}

} // namespace detail
} // namespace exclusive_control
