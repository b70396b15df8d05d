// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// async_lock from C++20 coroutines (use_awaitable): the library is C++17, its users need not be.
#define BOOST_TEST_MODULE async_coroutine
#include <boost/test/unit_test.hpp>

#include <exclusive_control/async_lock.hpp>
#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace asio = boost::asio;
namespace ec = exclusive_control;
using namespace std::chrono_literals;
using boost::system::error_code;

BOOST_AUTO_TEST_CASE(coroutine_waits_for_the_lock_while_the_loop_keeps_serving)
{
    test_support::temp_dir dir;
    test_support::child_process holder(test_support::lock_holder(), {"hold", (dir / "lock").string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    int ticks_while_waiting = 0;
    bool acquired = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await ec::async_lock(io, lock, asio::use_awaitable);
            acquired = lock.owns_lock();
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            for (int tick = 0; tick < 10; ++tick) {
                timer.expires_after(20ms);
                co_await timer.async_wait(asio::use_awaitable);
                if (!acquired)
                    ++ticks_while_waiting;
            }
            holder.close_stdin(); // the other instance goes away
        },
        asio::detached);
    io.run_for(test_support::patience);
    BOOST_TEST(acquired);
    BOOST_TEST(ticks_while_waiting == 10);
}

BOOST_AUTO_TEST_CASE(coroutine_sees_the_timeout_as_an_exception_or_a_tuple)
{
    test_support::temp_dir dir;
    ec::lock_file holder(dir / "lock");
    asio::io_context io;
    ec::lock_file lock(dir / "lock", std::defer_lock);
    std::optional<error_code> thrown, returned;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            try {
                co_await ec::async_lock_for(io, lock, 50ms, asio::use_awaitable);
            } catch (const boost::system::system_error& error) {
                thrown = error.code();
            }
            auto [error] = co_await ec::async_lock_for(io, lock, 50ms, asio::as_tuple(asio::use_awaitable));
            returned = error;
        },
        asio::detached);
    io.run_for(test_support::patience);
    BOOST_TEST_REQUIRE(thrown.has_value());
    BOOST_TEST((*thrown == boost::system::errc::timed_out));
    BOOST_TEST_REQUIRE(returned.has_value());
    BOOST_TEST((*returned == boost::system::errc::timed_out));
}
