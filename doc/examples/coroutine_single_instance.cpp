// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Tutorial: a service that waits, in a coroutine, to become the single active instance while
// it keeps serving on the same io_context. C++20 (coroutines); the library itself is C++17.
#include <exclusive_control/async_lock.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <memory>

using namespace std::chrono_literals;
namespace asio = boost::asio;

int main()
{
    asio::io_context io;
    // The active instance: another lock_file of this process in this example, which stops
    // after a few requests. Another process would do the same.
    auto other_instance = std::make_unique<exclusive_control::lock_file>("service.lock");

    // tag::coroutine[]
    exclusive_control::lock_file active("service.lock", std::defer_lock);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await exclusive_control::async_lock(io, active, asio::use_awaitable);
            std::cout << "Now the active instance\n";
            // ... start the work that only one instance may do ...
        },
        asio::detached);
    // end::coroutine[]

    // Meanwhile the server goes on serving: here, a request every 20 ms.
    int served = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            for (; served < 5; ++served) {
                timer.expires_after(20ms);
                co_await timer.async_wait(asio::use_awaitable);
            }
            other_instance.reset(); // the other instance goes away
        },
        asio::detached);

    io.run();
    return active.owns_lock() && served == 5 ? 0 : 1;
}
