// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The waiting engine of every wait, synchronous (lock_file's lock, try_lock_for, the timed
// constructor: wait_here below) and asynchronous (async_lock.hpp): attempts through
// lock_attempts (the protocol stays in lock_file.cpp), and a wake-up for each kind of release,
// none of them a periodic one when the holder is in this process:
// - a holder in this process: the process table tells the wait when it releases;
// - a holder elsewhere: its close, seen through inotify (release_events_linux.cpp: one
//   instance per event loop, or one per synchronous wait), plus retry_schedule's poll for
//   releases that close nothing;
// - no inotify (Windows, or none left): retry_schedule's back-off poll.
// Tests: test_waiting.cpp, test_async_lock.cpp.
#include "pending_lock_state.hpp"

#include <condition_variable>
#include <new>
#include <system_error>

namespace exclusive_control {
namespace detail {

#if !defined(__linux__)

// Without inotify (Windows, other systems) nothing tells a wait of a release in another
// process: such a wait polls, on retry_schedule's back-off.
struct release_events::state {};

release_events::release_events() : state_(std::make_unique<state>()) {}
release_events::release_events(for_one_wait_t) : release_events() {}
release_events::~release_events() = default;

int release_events::descriptor() const noexcept
{
    return -1;
}

void release_events::dispatch() noexcept {}

bool release_events::idle() const noexcept
{
    return true;
}

watching watch_for_release(release_events&, pending_lock::state&, native_file, const file_identity&) noexcept
{
    return watching::no;
}

void stop_watching(release_events&, pending_lock::state&) noexcept {}

void wait_for_events(const release_events&, std::chrono::steady_clock::time_point) noexcept {}

#endif

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
        switch (watch_for_release(*wait.events, wait, wait.attempts->descriptor(), wait.attempts->identity())) {
        case watching::no: return outcome::held_elsewhere;
        case watching::already: return outcome::held_watched;
        case watching::since_now: continue;
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
            wait_for_events(*events, until);
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
        stop_watching(*wait.events, wait);
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
