// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Tutorial: waiting for a lock, with a timeout, through std::unique_lock, and two at once
// with std::scoped_lock.
#include <exclusive_control/exclusive_control.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

int main()
{
    // Someone else holds "lock" for a while: another lock_file of this process, in this example.
    auto busy = std::make_unique<exclusive_control::lock_file>("lock");

    // tag::timeout[]
    try {
        exclusive_control::lock_file lock("lock", 100ms);
        return 1; // not reached in this example: the lock stays busy for longer
    } catch (const exclusive_control::lock_timeout& timeout) {
        std::cout << "Gave up waiting for " << timeout.path() << ", held by " << timeout.holder() << '\n';
    }
    // end::timeout[]

    std::thread release_soon([&busy] {
        std::this_thread::sleep_for(200ms);
        busy.reset();
    });

    // tag::unique_lock[]
    exclusive_control::lock_file file("lock", std::defer_lock);
    std::unique_lock<exclusive_control::lock_file> guard(file, 10s); // calls file.try_lock_for(10s)
    if (!guard.owns_lock()) {
        std::cout << "Still busy after 10 s\n";
        return 1;
    }
    // ... work while holding the lock; it is released when guard goes out of scope ...
    // end::unique_lock[]
    release_soon.join();
    guard.unlock();

    // tag::scoped_lock[]
    exclusive_control::lock_file input("input.lock", std::defer_lock);
    exclusive_control::lock_file output("output.lock", std::defer_lock);
    {
        std::scoped_lock both(input, output); // waits for both, never holding one while blocked on the other
        // ... work while holding both ...
    }
    // end::scoped_lock[]
    return input.owns_lock() || output.owns_lock() ? 1 : 0;
}
