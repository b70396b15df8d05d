// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Real child processes for contention tests, with every wait bounded so that a bug fails the
// test instead of hanging CI.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_CHILD_PROCESS_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_CHILD_PROCESS_HPP

#include "patience.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace test_support {

/// A program started with its standard input and output connected to us. Its arguments are
/// UTF-8, on Windows too.
class child_process {
public:
    enum class error_stream { inherited, with_output };
    /// `error_stream::with_output` sends the child's standard error into the output we read.
    child_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                  error_stream errors = error_stream::inherited);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// The next line the child writes, without the newline (nor the carriage return before it,
    /// which a Windows program's text-mode output adds). Throws after `timeout`.
    std::string read_line(std::chrono::milliseconds timeout = patience);
    /// The next line if the child writes one within `timeout`.
    std::optional<std::string> try_read_line(std::chrono::milliseconds timeout);
    /// Everything the child writes until it closes its output. Throws after `timeout`.
    std::string read_to_end(std::chrono::milliseconds timeout = patience);
    /// Closes the child's standard input: the helpers release their lock and exit on it.
    void close_stdin();
    /// The child's exit code. Kills it and throws after `timeout`.
    int wait(std::chrono::milliseconds timeout = patience);
    /// Whether the child has not exited yet; never waits.
    bool running();
    /// Ends the child at once, as SIGKILL or TerminateProcess does.
    void kill();
    std::int64_t pid() const;

private:
    /// Appends what the child writes next to `buffered_`, or says why nothing came.
    enum class read_result { data, closed, timed_out };
    read_result read_more(std::chrono::steady_clock::time_point deadline);

    // Boost.Process stays out of this header: its headers take longer to compile than a
    // whole test file, and every test includes this one.
    struct process;
    std::unique_ptr<process> process_;
    std::string buffered_;
};

/// A helper program of test/helpers: the argument of the test program whose file name starts
/// with `name`, or else the file of that name beside the test program. Absolute, resolved from
/// the directory the test program started in, whatever directory the test is in now.
std::filesystem::path helper_program(const std::string& name);

/// The helper program (test/helpers/lock_holder.cpp) passed to every test on its command line.
std::filesystem::path lock_holder();

/// Runs the helper to completion and returns its exit code: 0 acquired, 3 busy.
int run_helper(const std::vector<std::string>& args);

/// This process's id, as `{pid}` renders it.
std::string this_process_id();

/// Whether a peer in another process could take the lock now, whichever kind it is: a flock
/// and an fcntl peer on POSIX, one that locks byte 0 as zc.lockfile does on Windows.
bool every_peer_can_lock(const std::filesystem::path& path);
/// Whether no peer in another process could take the lock now, of any kind.
bool no_peer_can_lock(const std::filesystem::path& path);

#if defined(_WIN32)

/// Whether a peer in another process that locks byte 0 with `LockFileEx`, as zc.lockfile does on
/// Windows, could take the lock now.
bool first_byte_peer_can_lock(const std::filesystem::path& path);

#else

/// Whether a flock-family peer (`flock -n`) could take the lock now.
bool flock_peer_can_lock(const std::filesystem::path& path);
/// Whether an fcntl-family peer in another process could take the lock now.
bool fcntl_peer_can_lock(const std::filesystem::path& path);

#endif

} // namespace test_support

#endif
