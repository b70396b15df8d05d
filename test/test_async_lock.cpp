// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// async_lock and async_lock_for: woken by every kind of release, cancelled and abandoned
// cleanly, completion tokens and associated executors and allocators honoured, fork-safe.
#define BOOST_TEST_MODULE async_lock
#include <boost/test/unit_test.hpp>

#include <exclusive_control/async_lock.hpp>
#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"
#if !defined(_WIN32)
#include "forked_child.hpp"
#include "interpose/gethostname.hpp"
#include "this_process.hpp"
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace ec = exclusive_control;
using namespace std::chrono_literals;
using boost::system::error_code;
using test_support::child_process;
using test_support::temp_dir;

namespace {

using clock_type = std::chrono::steady_clock;

/// An io_context run by a thread of its own, for as long as it has work. Bounded: if run()
/// has not returned within the patience, the io_context is stopped, so that a wait that never
/// ends fails the test instead of hanging it.
class running_loop {
public:
    explicit running_loop(asio::io_context& io)
        : io_(io), thread_([this] {
              io_.run();
              returned_.set_value();
          })
    {
    }
    ~running_loop() { join(); }
    /// Whether run() returned by itself, all work done.
    bool join()
    {
        if (!thread_.joinable())
            return joined_by_itself_;
        joined_by_itself_ = done_.wait_for(test_support::patience) == std::future_status::ready;
        if (!joined_by_itself_)
            io_.stop();
        thread_.join();
        return joined_by_itself_;
    }

private:
    asio::io_context& io_;
    std::promise<void> returned_;
    std::future<void> done_ = returned_.get_future();
    bool joined_by_itself_ = false;
    std::thread thread_; // last: it uses the members above
};

/// A completion handler that records its error for a waiting test thread.
struct outcome {
    std::promise<error_code> promise;
    std::future<error_code> future = promise.get_future();
    auto handler()
    {
        return [this](error_code error) { promise.set_value(error); };
    }
    /// The error, or throws if the operation has not completed within `bound`.
    error_code get(std::chrono::milliseconds bound = test_support::patience)
    {
        if (future.wait_for(bound) != std::future_status::ready)
            throw std::runtime_error("the operation did not complete in time");
        return future.get();
    }
    bool ready_within(std::chrono::milliseconds bound) { return future.wait_for(bound) == std::future_status::ready; }
};

std::unique_ptr<child_process> holder_process(const std::vector<std::string>& args)
{
    auto holder = std::make_unique<child_process>(test_support::lock_holder(), args);
    BOOST_TEST_REQUIRE(holder->read_line() == "locked");
    return holder;
}

} // namespace

BOOST_AUTO_TEST_CASE(free_lock_is_taken_with_the_content_written)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    std::optional<error_code> result;
    ec::async_lock(io, lock, [&](error_code error) { result = error; });
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(!*result);
    BOOST_TEST(lock.owns_lock());
    BOOST_TEST(ec::inspect(dir / "lock").holder == test_support::this_process_id());
    BOOST_TEST(test_support::no_peer_can_lock(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(never_completes_inside_the_initiating_function)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file free_lock(dir / "free", std::defer_lock);
    ec::lock_file owned(dir / "owned");
    bool free_done = false, owned_done = false, timed_done = false;
    ec::async_lock(io, free_lock, [&](error_code) { free_done = true; });
    ec::async_lock(io, owned, [&](error_code) { owned_done = true; }); // completes with an error
    ec::lock_file timed(dir / "owned", std::defer_lock);
    ec::async_lock_for(io, timed, 0s, [&](error_code) { timed_done = true; });
    BOOST_TEST(!free_done);
    BOOST_TEST(!owned_done);
    BOOST_TEST(!timed_done);
    io.run_for(test_support::patience);
    BOOST_TEST(free_done);
    BOOST_TEST(owned_done);
    BOOST_TEST(timed_done);
}

BOOST_AUTO_TEST_CASE(starting_on_a_lock_file_that_owns_the_lock_is_an_error)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file lock(dir / "lock");
    std::optional<error_code> result;
    ec::async_lock(io, lock, [&](error_code error) { result = error; });
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST((*result == boost::system::errc::resource_deadlock_would_occur));
    BOOST_TEST(lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(second_operation_on_one_lock_file_is_an_error_and_the_first_goes_on)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome first, second;
    ec::async_lock(io, lock, first.handler());
    ec::async_lock(io, lock, second.handler());
    running_loop loop(io);
    BOOST_TEST((second.get() == boost::system::errc::operation_in_progress));
    BOOST_TEST(!first.ready_within(100ms));
    holder.close();
    BOOST_TEST(!first.get());
    BOOST_TEST(lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(holder_in_this_process_wakes_the_wait_when_it_releases)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(200ms));
    const auto released = clock_type::now();
    holder.close();
    BOOST_TEST(!result.get());
    BOOST_TEST((clock_type::now() - released < 100ms));
    BOOST_TEST(lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(holder_process_wakes_the_wait_when_it_releases)
{
    temp_dir dir;
    auto holder = holder_process({"hold", (dir / "lock").string()});
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(200ms));
    holder->close_stdin();
    BOOST_TEST(!result.get());
    BOOST_TEST(lock.owns_lock());
    BOOST_TEST(holder->wait() == 0);
}

#if !defined(_WIN32) // POSIX peers, /proc or fork
BOOST_AUTO_TEST_CASE(flock_peer_wakes_the_wait_when_it_exits)
{
    temp_dir dir;
    child_process holder("/usr/bin/flock", {(dir / "lock").string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(200ms));
    holder.close_stdin();
    BOOST_TEST(!result.get());
    BOOST_TEST(lock.owns_lock());
}
#endif

#if !defined(_WIN32) // POSIX peers, /proc or fork
BOOST_AUTO_TEST_CASE(fcntl_release_that_closes_nothing_is_noticed_by_the_fallback)
{
    temp_dir dir;
    auto holder = holder_process({"fcntl-unlock", (dir / "lock").string(), "300"});
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST_REQUIRE(holder->read_line() == "unlocked");
    const auto unlocked = clock_type::now();
    BOOST_TEST(!result.get());
    BOOST_TEST((clock_type::now() - unlocked < 500ms)); // the fallback retries every 100 ms
    BOOST_TEST(lock.owns_lock());
    holder->close_stdin();
}
#endif

BOOST_AUTO_TEST_CASE(timed_wait_gives_up_with_timed_out_after_one_log_record)
{
    temp_dir dir;
    auto holder = holder_process({"hold", (dir / "lock").string()});
    test_support::log_capture log;
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    const auto started = clock_type::now();
    ec::async_lock_for(io, lock, 300ms, result.handler());
    running_loop loop(io);
    BOOST_TEST((result.get() == boost::system::errc::timed_out));
    BOOST_TEST((clock_type::now() - started >= 300ms));
    BOOST_TEST(!lock.owns_lock());
    const auto records = log.records();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0].channel == "exclusive_control");
    BOOST_TEST(records[0].message.find("Error locking file") == 0u);
    holder->close_stdin();
}

BOOST_AUTO_TEST_CASE(zero_and_negative_timeouts_try_once)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file holder(dir / "busy");
    ec::lock_file busy(dir / "busy", std::defer_lock);
    ec::lock_file free_lock(dir / "free", std::defer_lock);
    std::optional<error_code> busy_result, free_result;
    ec::async_lock_for(io, busy, -5s, [&](error_code error) { busy_result = error; });
    ec::async_lock_for(io, free_lock, 0ms, [&](error_code error) { free_result = error; });
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(busy_result.has_value());
    BOOST_TEST((*busy_result == boost::system::errc::timed_out));
    BOOST_TEST_REQUIRE(free_result.has_value());
    BOOST_TEST(!*free_result);
    BOOST_TEST(free_lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(longest_timeout_waits_until_the_release)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock_for(io, lock, std::chrono::hours::max(), result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(200ms));
    holder.close();
    BOOST_TEST(!result.get());
}

BOOST_AUTO_TEST_CASE(io_failure_completes_with_its_error)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file lock(dir / "missing" / "lock", std::defer_lock);
    std::optional<error_code> result;
    ec::async_lock(io, lock, [&](error_code error) { result = error; });
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST((*result == boost::system::errc::no_such_file_or_directory));
}

namespace {

/// Cancels a wait for a holder of each kind, with `type`, and checks that it completes within
/// 100 ms with operation_aborted and never takes the lock, not even after the holder releases.
void check_cancellation(asio::cancellation_type type, bool timed)
{
    temp_dir dir;
    const auto path = dir / "lock";
    auto in_process = std::make_unique<ec::lock_file>(path);
    asio::io_context io;
    ec::lock_file lock(path, std::defer_lock);
    asio::cancellation_signal signal;
    outcome result;
    if (timed)
        ec::async_lock_for(io, lock, 1h, asio::bind_cancellation_slot(signal.slot(), result.handler()));
    else
        ec::async_lock(io, lock, asio::bind_cancellation_slot(signal.slot(), result.handler()));
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(100ms));
    // Emitted on the operation's executor, as Asio asks of a cancellation signal.
    asio::post(io, [&] { signal.emit(type); });
    const auto cancelled = clock_type::now();
    BOOST_TEST((result.get() == asio::error::operation_aborted));
    BOOST_TEST((clock_type::now() - cancelled < 100ms));
    in_process.reset();
    BOOST_TEST(loop.join());
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(test_support::every_peer_can_lock(path));
}

} // namespace

BOOST_AUTO_TEST_CASE(terminal_cancellation_aborts_the_wait)
{
    check_cancellation(asio::cancellation_type::terminal, false);
}

BOOST_AUTO_TEST_CASE(partial_cancellation_aborts_the_wait)
{
    check_cancellation(asio::cancellation_type::partial, false);
}

BOOST_AUTO_TEST_CASE(total_cancellation_aborts_the_wait)
{
    check_cancellation(asio::cancellation_type::total, false);
}

BOOST_AUTO_TEST_CASE(cancelling_a_timed_wait_gives_operation_aborted_not_timed_out)
{
    check_cancellation(asio::cancellation_type::terminal, true);
}

BOOST_AUTO_TEST_CASE(cancelled_wait_for_a_holder_process_never_takes_the_lock)
{
    temp_dir dir;
    const auto path = dir / "lock";
    auto holder = holder_process({"hold", path.string()});
    asio::io_context io;
    ec::lock_file lock(path, std::defer_lock);
    asio::cancellation_signal signal;
    outcome result;
    ec::async_lock(io, lock, asio::bind_cancellation_slot(signal.slot(), result.handler()));
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(100ms));
    asio::post(io, [&] { signal.emit(asio::cancellation_type::terminal); });
    BOOST_TEST((result.get(100ms) == asio::error::operation_aborted));
    holder->close_stdin();
    BOOST_TEST(holder->wait() == 0);
    BOOST_TEST(loop.join()); // run() returns: nothing of the operation is left
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(test_support::every_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(close_while_pending_aborts_the_wait)
{
    temp_dir dir;
    auto holder = holder_process({"hold", (dir / "lock").string()});
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(100ms));
    lock.close();
    BOOST_TEST((result.get(100ms) == asio::error::operation_aborted));
    holder->close_stdin();
    BOOST_TEST(holder->wait() == 0);
    BOOST_TEST(loop.join());
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(test_support::every_peer_can_lock(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(destroying_the_lock_file_while_pending_aborts_the_wait)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    asio::io_context io;
    auto lock = std::make_unique<ec::lock_file>(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, *lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(100ms));
    lock.reset();
    BOOST_TEST((result.get(100ms) == asio::error::operation_aborted));
    holder.close();
    BOOST_TEST(loop.join());
    BOOST_TEST(test_support::every_peer_can_lock(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(moving_the_lock_file_while_pending_aborts_the_wait)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(100ms));
    ec::lock_file moved(std::move(lock));
    BOOST_TEST((result.get(100ms) == asio::error::operation_aborted));
    holder.close();
    BOOST_TEST(loop.join());
    BOOST_TEST(!moved.owns_lock());
}

BOOST_AUTO_TEST_CASE(pending_operation_keeps_run_from_returning)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    std::atomic<bool> returned{false};
    ec::async_lock(io, lock, [](error_code) {});
    std::thread runner([&] {
        io.run();
        returned = true;
    });
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(!returned);
    holder.close();
    const auto deadline = clock_type::now() + test_support::patience;
    while (!returned && clock_type::now() < deadline)
        std::this_thread::sleep_for(5ms);
    BOOST_TEST(returned);
    if (!returned)
        io.stop();
    runner.join();
    BOOST_TEST(lock.owns_lock());
}

BOOST_AUTO_TEST_CASE(destroying_the_io_context_while_pending_destroys_the_handler_uncalled)
{
    temp_dir dir;
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    auto token = std::make_shared<int>(0);
    bool called = false;
    {
        asio::io_context io;
        ec::async_lock(io, lock, [&called, token](error_code) { called = true; });
        io.run_for(50ms);
    }
    BOOST_TEST(!called);
    BOOST_TEST(token.use_count() == 1);
    holder.close();
    BOOST_TEST(lock.try_lock()); // the abandoned wait left nothing behind
}

BOOST_AUTO_TEST_CASE(handler_runs_through_its_strand)
{
    temp_dir dir;
    asio::io_context io;
    auto strand = asio::make_strand(io);
    ec::lock_file lock(dir / "lock", std::defer_lock);
    std::optional<bool> in_strand;
    ec::async_lock(io, lock,
                   asio::bind_executor(strand, [&](error_code) { in_strand = strand.running_in_this_thread(); }));
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(in_strand.has_value());
    BOOST_TEST(*in_strand);
}

BOOST_AUTO_TEST_CASE(operation_on_a_strand_executor_completes)
{
    temp_dir dir;
    asio::io_context io;
    auto strand = asio::make_strand(io);
    ec::lock_file holder(dir / "lock");
    ec::lock_file lock(dir / "lock", std::defer_lock);
    outcome result;
    ec::async_lock(strand, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(100ms));
    holder.close();
    BOOST_TEST(!result.get());
}

namespace {

std::atomic<int> allocations{0};

template <class T>
struct counting_allocator {
    using value_type = T;
    counting_allocator() = default;
    template <class U>
    counting_allocator(const counting_allocator<U>&) noexcept
    {
    }
    T* allocate(std::size_t n)
    {
        ++allocations;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
    friend bool operator==(const counting_allocator&, const counting_allocator&) noexcept { return true; }
    friend bool operator!=(const counting_allocator&, const counting_allocator&) noexcept { return false; }
};

} // namespace

BOOST_AUTO_TEST_CASE(operation_state_comes_from_the_handlers_allocator)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    bool done = false;
    allocations = 0;
    ec::async_lock(io, lock, asio::bind_allocator(counting_allocator<int>(), [&](error_code) { done = true; }));
    BOOST_TEST(allocations.load() >= 1);
    io.run_for(test_support::patience);
    BOOST_TEST(done);
}

BOOST_AUTO_TEST_CASE(use_future_deferred_and_as_tuple_work)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file first(dir / "first", std::defer_lock);
    ec::lock_file second(dir / "second", std::defer_lock);
    ec::lock_file third(dir / "third", std::defer_lock);
    std::future<void> future = ec::async_lock(io, first, asio::use_future);
    auto deferred = ec::async_lock_for(io, second, 1s, asio::deferred);
    std::optional<error_code> deferred_result;
    std::optional<std::tuple<error_code>> tuple_result;
    ec::async_lock(io, third, asio::as_tuple([&](std::tuple<error_code> result) { tuple_result = result; }));
    std::move(deferred)([&](error_code error) { deferred_result = error; });
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE((future.wait_for(0s) == std::future_status::ready));
    BOOST_CHECK_NO_THROW(future.get());
    BOOST_TEST(first.owns_lock());
    BOOST_TEST_REQUIRE(deferred_result.has_value());
    BOOST_TEST(!*deferred_result);
    BOOST_TEST(second.owns_lock());
    BOOST_TEST_REQUIRE(tuple_result.has_value());
    BOOST_TEST(!std::get<0>(*tuple_result));
    BOOST_TEST(third.owns_lock());
}

BOOST_AUTO_TEST_CASE(use_future_reports_the_error_as_an_exception)
{
    temp_dir dir;
    asio::io_context io;
    ec::lock_file lock(dir / "lock");
    std::future<void> future = ec::async_lock(io, lock, asio::use_future);
    io.run_for(test_support::patience);
    BOOST_CHECK_THROW(future.get(), boost::system::system_error);
}

#if !defined(_WIN32) // POSIX peers, /proc or fork
BOOST_AUTO_TEST_CASE(many_waits_share_one_inotify_instance_and_each_release_lets_one_in)
{
    temp_dir dir;
    constexpr int files = 8, per_file = 4;
    std::vector<std::unique_ptr<child_process>> holders;
    for (int file = 0; file < files; ++file)
        holders.push_back(holder_process({"hold", (dir / std::to_string(file)).string()}));
    const int before = test_support::inotify_instances();
    asio::io_context io;
    std::vector<std::unique_ptr<ec::lock_file>> locks;
    std::atomic<int> completed{0};
    std::vector<std::atomic<int>> holding(files);
    std::atomic<bool> overlapped{false};
    std::atomic<int> failures{0};
    for (int file = 0; file < files; ++file)
        for (int waiter = 0; waiter < per_file; ++waiter) {
            locks.push_back(std::make_unique<ec::lock_file>(dir / std::to_string(file), std::defer_lock));
            ec::lock_file& lock = *locks.back();
            ec::async_lock(io, lock, [&, file](error_code error) {
                if (error)
                    ++failures; // Boost.Test is for the test's own thread
                if (++holding[file] > 1)
                    overlapped = true;
                // Hold a little, then let the next waiter of the file in.
                auto timer = std::make_shared<asio::steady_timer>(io, 5ms);
                timer->async_wait([&, file, timer](error_code) {
                    --holding[file];
                    lock.close();
                    ++completed;
                });
            });
        }
    running_loop loop(io);
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(completed.load() == 0);
    BOOST_TEST(test_support::inotify_instances() - before <= 1);
    for (auto& holder : holders)
        holder->close_stdin();
    const auto deadline = clock_type::now() + test_support::patience;
    while (completed.load() < files * per_file && clock_type::now() < deadline)
        std::this_thread::sleep_for(10ms);
    BOOST_TEST(completed.load() == files * per_file);
    BOOST_TEST(!overlapped);
    BOOST_TEST(failures.load() == 0);
    if (completed.load() < files * per_file)
        io.stop();
}
#endif

#if !defined(_WIN32) // POSIX peers, /proc or fork
BOOST_AUTO_TEST_CASE(fork_child_inherits_no_inotify_instance_and_the_parents_wait_completes)
{
    temp_dir dir;
    const auto path = dir / "lock";
    auto holder = holder_process({"hold", path.string()});
    asio::io_context io;
    ec::lock_file lock(path, std::defer_lock);
    outcome result;
    ec::async_lock(io, lock, result.handler());
    running_loop loop(io);
    BOOST_TEST(!result.ready_within(200ms));
    BOOST_TEST_REQUIRE(test_support::inotify_instances() >= 1);
    BOOST_TEST_REQUIRE(test_support::descriptors_of_file(path) == 1);
    // Forked from a handler, so that no other thread uses the io_context meanwhile, as
    // notify_fork requires.
    std::promise<int> child;
    asio::post(io, [&] {
        io.notify_fork(asio::execution_context::fork_prepare);
        child.set_value(test_support::run_in_fork([&] {
            io.notify_fork(asio::execution_context::fork_child);
            if (test_support::inotify_instances() != 0)
                return 1;
            return test_support::descriptors_of_file(path) == 0 ? 0 : 2; // nor the descriptor the wait keeps open
        }));
        io.notify_fork(asio::execution_context::fork_parent);
    });
    auto child_status = child.get_future();
    BOOST_TEST_REQUIRE((child_status.wait_for(test_support::patience) == std::future_status::ready));
    BOOST_TEST(child_status.get() == 0);
    holder->close_stdin();
    BOOST_TEST(!result.get());
    BOOST_TEST(lock.owns_lock());
}
#endif

#if !defined(_WIN32)
// What the synchronous call throws as a filesystem_error, the operation gives as its error.
BOOST_AUTO_TEST_CASE(failed_hostname_lookup_completes_with_its_error_and_touches_nothing)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const test_support::gethostname_failure failing(ENAMETOOLONG);
    asio::io_context io;
    ec::lock_file lock(path, std::defer_lock, ec::lock_options{"{pid};{hostname}"});
    std::optional<error_code> result;
    ec::async_lock(io, lock, [&](error_code error) { result = error; });
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST((*result == boost::system::errc::filename_too_long), result->message());
    BOOST_TEST(!lock.owns_lock());
    BOOST_TEST(!std::filesystem::exists(path));
}
#endif
