// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_LOCK_ATTEMPTS_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_LOCK_ATTEMPTS_HPP

#include "os_lock.hpp"

#include <exclusive_control/lock_options.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace exclusive_control {
namespace detail {

class held_file;

/// The non-blocking attempts of one wait for a lock, for a waiter that sleeps between them on
/// its own terms (an event loop). Each attempt follows the protocol of lock_file.cpp, the only
/// file that knows it; this is that file's entry point for waiters outside it.
class lock_attempts {
public:
    /// Renders the content now, so a failure to read the host name touches no file.
    /// Throws: what rendering the template throws.
    lock_attempts(std::filesystem::path path, lock_options options);
    ~lock_attempts();
    lock_attempts(const lock_attempts&) = delete;
    lock_attempts& operator=(const lock_attempts&) = delete;

    /// One attempt. Returns the lock, registered and with the content written, or nothing.
    /// Throws: `std::filesystem::filesystem_error`, holding nothing.
    std::shared_ptr<held_file> try_once();

    /// After a failed attempt: whether the holder is in this process, the file it blocked on,
    /// the descriptor kept open on it (none if the holder is here), what the holder wrote.
    bool blocked_by_this_process() const noexcept;
    const file_identity& identity() const noexcept;
    native_file descriptor() const noexcept;
    const std::string& holder() const noexcept;

    /// Gives back a lock that `try_once` returned, as `lock_file::close` does.
    static void release(held_file& held) noexcept;

    /// The one Boost.Log record of a wait that ran out of time, as the synchronous wait emits it.
    void log_timeout() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace detail
} // namespace exclusive_control

#endif
