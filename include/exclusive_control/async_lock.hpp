// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_ASYNC_LOCK_HPP
#define EXCLUSIVE_CONTROL_ASYNC_LOCK_HPP

// Waiting for a lock without a thread: async_lock and async_lock_for on Boost.Asio. The only
// header of the library that brings in Asio.

#include <exclusive_control/detail/deadline.hpp>
#include <exclusive_control/detail/pending_lock.hpp>
#include <exclusive_control/lock_file.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/is_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/wait_traits.hpp>
#include <boost/system/error_code.hpp>
#if defined(__linux__)
#include <boost/asio/posix/stream_descriptor.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

namespace exclusive_control {
namespace detail {

// The error a failed attempt reports, as Boost.System sees it: generic and system codes keep
// their category, so they compare equal to `boost::system::errc` values.
inline boost::system::error_code to_boost_error(const std::error_code& error)
{
    if (error.category() == std::generic_category())
        return boost::system::error_code(error.value(), boost::system::generic_category());
    if (error.category() == std::system_category())
        return boost::system::error_code(error.value(), boost::system::system_category());
    return boost::system::error_code(error);
}

#if defined(__linux__)

// One inotify instance per io_context, shared by all its pending waits for holders in other
// processes. Its descriptor is waited on only while some wait watches a file, so that an
// io_context whose waits are over can return from run().
class async_release_service final : public boost::asio::execution_context::service {
public:
    inline static boost::asio::execution_context::id id;

    explicit async_release_service(boost::asio::io_context& owner) : service(owner)
    {
        if (events_.descriptor() >= 0)
            descriptor_.emplace(owner, events_.descriptor());
    }

    ~async_release_service() override
    {
        if (descriptor_)
            descriptor_->release(); // release_events closes it
    }

    release_events* events() noexcept { return descriptor_ ? &events_ : nullptr; }

    // A wait watches a file: make sure its closes are read.
    void watching()
    {
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            if (waiting_ || shut_down_ || !descriptor_)
                return;
            waiting_ = true;
            descriptor_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                    [this](const boost::system::error_code&) { ready(); });
        }
        // The descriptor is edge-triggered, and an edge with no wait outstanding is lost: read
        // what came before the wait began, or those waits would learn of it only at their poll.
        events_.dispatch();
    }

    // A wait is over: stop reading if it was the last that watched a file.
    void stopped_watching() noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex_);
        if (waiting_ && events_.idle()) {
            boost::system::error_code ignored;
            descriptor_->cancel(ignored);
        }
    }

private:
    void shutdown() override
    {
        const std::lock_guard<std::mutex> guard(mutex_);
        shut_down_ = true;
    }

    void ready()
    {
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            waiting_ = false;
        }
        events_.dispatch();
        if (!events_.idle())
            watching();
    }

    release_events events_;
    std::mutex mutex_;
    std::optional<boost::asio::posix::stream_descriptor> descriptor_;
    bool waiting_ = false;
    bool shut_down_ = false;
};

// The io_context behind `io`, if there is one: other execution contexts have no reactor to
// wait on a descriptor, and their waits poll.
template <class Executor>
boost::asio::io_context* io_context_of(const Executor& io)
{
    auto& context = boost::asio::query(io, boost::asio::execution::context);
    using context_type = std::decay_t<decltype(context)>;
    if constexpr (std::is_base_of<boost::asio::io_context, context_type>::value) {
        return &static_cast<boost::asio::io_context&>(context);
    } else {
        using io_executor = boost::asio::io_context::executor_type;
        if constexpr (std::is_same<Executor, boost::asio::any_io_executor>::value) {
            if (const auto* plain = io.template target<io_executor>())
                return &plain->context();
            if (const auto* strand = io.template target<boost::asio::strand<io_executor>>())
                return &strand->get_inner_executor().context();
        }
        return nullptr;
    }
}

#endif

// One asynchronous wait: the handler, the timer that bounds it, and the attempts, which run one
// at a time on the I/O executor whatever woke them (a release, the timer, a cancellation, the
// lock_file going away). While the wait is pending, its timer always has a wait outstanding,
// holding the operation: that keeps run() from returning, and destroying the io_context
// destroys the operation and its handler as Asio does for its own.
template <class Handler, class IoExecutor>
class async_lock_operation : public std::enable_shared_from_this<async_lock_operation<Handler, IoExecutor>> {
public:
    using clock = std::chrono::steady_clock;

    async_lock_operation(Handler handler, const IoExecutor& io, clock::time_point deadline, bool timed)
        : handler_(std::move(handler)), io_(io), work_(boost::asio::get_associated_executor(handler_, io_)), timer_(io),
          deadline_(deadline), timed_(timed)
    {
    }

    ~async_lock_operation()
    {
        if (wait_)
            wait_->clean_up();
    }

    async_lock_operation(const async_lock_operation&) = delete;
    async_lock_operation& operator=(const async_lock_operation&) = delete;

    void start(lock_file& lock)
    {
        release_events* events = nullptr;
#if defined(__linux__)
        if (boost::asio::io_context* context = io_context_of(io_)) {
            service_ = &boost::asio::use_service<async_release_service>(*context);
            events = service_->events();
        }
#endif
        std::error_code error;
        wait_ = pending_lock::start(lock, events, &wake_up, this, error);
        if (!wait_) {
            boost::asio::post(io_, [self = this->shared_from_this(), error] { self->complete(to_boost_error(error)); });
            return;
        }
        auto slot = boost::asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected())
            slot.template emplace<canceller>(this->weak_from_this());
        const std::lock_guard<std::mutex> guard(mutex_);
        schedule();
    }

private:
    struct canceller {
        explicit canceller(std::weak_ptr<async_lock_operation> operation) : operation(std::move(operation)) {}
        std::weak_ptr<async_lock_operation> operation;
        // Every type (terminal, partial, total) is honoured: until the lock is taken, giving up
        // has no effect to undo.
        void operator()(boost::asio::cancellation_type type) const
        {
            if (type == boost::asio::cancellation_type::none)
                return;
            if (const auto alive = operation.lock()) {
                const std::lock_guard<std::mutex> guard(alive->mutex_);
                alive->cancelled_ = true;
                alive->schedule();
            }
        }
    };

    static void wake_up(void* operation) noexcept
    {
        auto& self = *static_cast<async_lock_operation*>(operation);
        const std::lock_guard<std::mutex> guard(self.mutex_);
        self.schedule();
    }

    // Requires mutex_. The next attempt runs soon, and never inside the caller.
    void schedule()
    {
        if (done_)
            return;
        woken_ = true;
        if (posted_ || running_)
            return; // that one looks again
        auto self = this->weak_from_this().lock();
        if (!self)
            return; // being destroyed with its io_context
        posted_ = true;
        boost::asio::post(io_, [self = std::move(self)] { self->run(); });
    }

    void run()
    {
        std::unique_lock<std::mutex> guard(mutex_);
        posted_ = false;
        if (done_ || running_)
            return;
        running_ = true;
        bool finished = false;
        while (woken_ && !done_ && !finished) {
            woken_ = false;
            const bool cancelled = cancelled_;
            guard.unlock();
            finished = attempt(cancelled);
            guard.lock();
        }
        running_ = false;
    }

    // Returns whether the operation completed.
    bool attempt(bool cancelled)
    {
        if (cancelled) {
            complete(boost::asio::error::operation_aborted);
            return true;
        }
        std::error_code error;
        const pending_lock::outcome outcome = wait_->try_once(error);
        switch (outcome) {
        case pending_lock::outcome::acquired: complete({}); return true;
        case pending_lock::outcome::abandoned: complete(boost::asio::error::operation_aborted); return true;
        case pending_lock::outcome::failed: complete(to_boost_error(error)); return true;
        default: break;
        }
        const clock::time_point now = clock::now();
        if (!(now < deadline_)) {
            if (timed_)
                wait_->log_timeout();
            complete(boost::system::errc::make_error_code(boost::system::errc::timed_out));
            return true;
        }
#if defined(__linux__)
        if (outcome == pending_lock::outcome::held_watched && service_)
            service_->watching();
#endif
        timer_.expires_at(schedule_.next(outcome, now, deadline_));
        timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& error) {
            if (error != boost::asio::error::operation_aborted)
                wake_up(self.get());
        });
        return false;
    }

    // Runs once: in an attempt, or posted when the operation could not start.
    void complete(const boost::system::error_code& error)
    {
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            done_ = true;
        }
        if (wait_)
            wait_->finish();
        timer_.cancel();
        boost::asio::get_associated_cancellation_slot(handler_).clear();
        auto work = std::move(work_);
        const auto executor = work.get_executor();
        boost::asio::dispatch(executor, boost::asio::append(std::move(handler_), error));
        if (wait_) {
            wait_->clean_up();
#if defined(__linux__)
            if (service_)
                service_->stopped_watching();
#endif
        }
        work.reset();
    }

    using timer_type = boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, IoExecutor>;
    using handler_executor = boost::asio::associated_executor_t<Handler, IoExecutor>;

    Handler handler_;
    IoExecutor io_;
    boost::asio::executor_work_guard<handler_executor> work_;
    timer_type timer_;
    const clock::time_point deadline_;
    const bool timed_;
    std::shared_ptr<pending_lock> wait_;
#if defined(__linux__)
    async_release_service* service_ = nullptr;
#endif
    retry_schedule schedule_;

    std::mutex mutex_; // guards the flags below
    bool posted_ = false;
    bool running_ = false;
    bool woken_ = false;
    bool cancelled_ = false;
    bool done_ = false;
};

struct initiate_async_lock {
    template <class Handler, class IoExecutor>
    void operator()(Handler&& handler, const IoExecutor& io, lock_file* lock,
                    std::chrono::steady_clock::time_point deadline, bool timed) const
    {
        using operation = async_lock_operation<std::decay_t<Handler>, IoExecutor>;
        // The operation's state comes from the handler's allocator, as Asio's own do.
        using allocator = typename std::allocator_traits<
            boost::asio::associated_allocator_t<std::decay_t<Handler>>>::template rebind_alloc<operation>;
        allocator alloc(boost::asio::get_associated_allocator(handler));
        std::allocate_shared<operation>(alloc, std::forward<Handler>(handler), io, deadline, timed)->start(*lock);
    }
};

template <class T>
using enable_for_executor =
    std::enable_if_t<boost::asio::execution::is_executor<T>::value || boost::asio::is_executor<T>::value, int>;
template <class T>
using enable_for_context = std::enable_if_t<std::is_convertible<T&, boost::asio::execution_context&>::value, int>;

} // namespace detail

/// Waits for `lock` without blocking a thread, on `executor`, as long as it takes.
///
/// Completion signature: `void(boost::system::error_code)`. On success `lock.owns_lock()`, with
/// the content written as for any acquisition. Errors:
/// - `boost::asio::error::operation_aborted`: the operation was cancelled (terminal, partial or
///   total cancellation, through the handler's cancellation slot), or `lock` was closed, moved
///   from or destroyed while it was pending. The lock is not held then, nor taken later. If the
///   lock was taken in the instant the cancellation came, the operation completes with success:
///   the lock is held and the caller releases it as usual.
/// - `boost::system::errc::resource_deadlock_would_occur`: `lock` already owns the lock.
/// - `boost::system::errc::operation_in_progress`: `lock` already has an operation pending.
/// - the error of an I/O failure, as the synchronous call would have put in its
///   `std::filesystem::filesystem_error` (a missing directory, no permission, not a regular
///   file, ...). Contention is never an error.
///
/// Never completes inside this call; the handler runs through its associated executor, and the
/// operation's state is allocated with its associated allocator. A pending operation keeps
/// `run()` from returning, as any Asio operation does. A holder in this process wakes the wait
/// when it releases; a holder in another process when it closes the file (Linux, through one
/// inotify instance per io_context), and a release that closes nothing is seen within 100 ms;
/// elsewhere the wait polls with back-off up to 50 ms. Emits no log record.
template <class Executor, class CompletionToken, detail::enable_for_executor<Executor> = 0>
auto async_lock(const Executor& executor, lock_file& lock, CompletionToken&& token)
{
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        detail::initiate_async_lock{}, token, executor, &lock, std::chrono::steady_clock::time_point::max(), false);
}

/// As above, on the context's executor.
template <class ExecutionContext, class CompletionToken, detail::enable_for_context<ExecutionContext> = 0>
auto async_lock(ExecutionContext& context, lock_file& lock, CompletionToken&& token)
{
    return async_lock(context.get_executor(), lock, std::forward<CompletionToken>(token));
}

/// As `async_lock`, giving up after `timeout`: then completes with an error equal to
/// `boost::system::errc::timed_out`, after emitting the one Boost.Log record the synchronous
/// timed wait emits when it gives up. A zero or negative timeout tries once; any duration
/// works, `std::chrono::hours::max()` included (it never gives up). Cancelling it gives
/// `operation_aborted`, not `timed_out`.
template <class Executor, class Rep, class Period, class CompletionToken, detail::enable_for_executor<Executor> = 0>
auto async_lock_for(const Executor& executor, lock_file& lock, std::chrono::duration<Rep, Period> timeout,
                    CompletionToken&& token)
{
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        detail::initiate_async_lock{}, token, executor, &lock, detail::deadline_after(timeout), true);
}

/// As above, on the context's executor.
template <class ExecutionContext, class Rep, class Period, class CompletionToken,
          detail::enable_for_context<ExecutionContext> = 0>
auto async_lock_for(ExecutionContext& context, lock_file& lock, std::chrono::duration<Rep, Period> timeout,
                    CompletionToken&& token)
{
    return async_lock_for(context.get_executor(), lock, timeout, std::forward<CompletionToken>(token));
}

} // namespace exclusive_control

#endif
