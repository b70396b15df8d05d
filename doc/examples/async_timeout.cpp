// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Tutorial: waiting for a lock on an io_context with a callback and a timeout.
#include <exclusive_control/async_lock.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/log/core.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

int main()
{
    // The record of the timeout would go to standard output with no sink configured.
    boost::log::core::get()->set_logging_enabled(false);
    boost::asio::io_context io;
    // Someone else holds "job.lock": another lock_file of this process, in this example.
    exclusive_control::lock_file busy("job.lock");
    bool gave_up = false;

    // tag::callback[]
    exclusive_control::lock_file lock("job.lock", std::defer_lock);
    exclusive_control::async_lock_for(io, lock, 100ms, [&](boost::system::error_code error) {
        if (error == boost::system::errc::timed_out) {
            std::cout << "job.lock is busy; trying again later\n";
            gave_up = true;
        } else if (error) {
            std::cout << "cannot lock job.lock: " << error.message() << '\n';
        } else {
            std::cout << "locked job.lock\n"; // lock.owns_lock() is true
        }
    });
    io.run(); // returns once the operation has completed
    // end::callback[]

    return gave_up && !lock.owns_lock() ? 0 : 1;
}
