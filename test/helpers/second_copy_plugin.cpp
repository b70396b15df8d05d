// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
//
// A plugin with its own static copy of the library, as a Conan package linked statically into a
// shared object would have: its own process table, its own fork handler. test_two_copies.cpp
// loads it with dlopen next to the test program's copy (hazard 11).
#include <exclusive_control/exclusive_control.hpp>

#include <chrono>
#include <optional>

#define PLUGIN_API extern "C" __attribute__((visibility("default")))

namespace {

std::optional<exclusive_control::lock_file> held;

} // namespace

/// Waits up to `wait_ms` for the lock and keeps it. Returns 1 if taken, 0 if busy, -1 on error.
PLUGIN_API int second_copy_try_lock(const char* path, int wait_ms)
{
    try {
        exclusive_control::lock_file lock(path, std::defer_lock);
        if (!lock.try_lock_for(std::chrono::milliseconds(wait_ms)))
            return 0;
        held.emplace(std::move(lock));
        return 1;
    } catch (...) {
        return -1;
    }
}

PLUGIN_API void second_copy_release()
{
    held.reset();
}

/// inspect(): 1 if locked, 0 if not, -1 on error.
PLUGIN_API int second_copy_inspect(const char* path)
{
    try {
        return exclusive_control::inspect(path).locked ? 1 : 0;
    } catch (...) {
        return -1;
    }
}
