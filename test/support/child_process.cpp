// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "child_process.hpp"

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>
#include <boost/test/unit_test.hpp>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

namespace test_support {

namespace bp = boost::process;

namespace {

using std::chrono::steady_clock;

#if defined(_WIN32)

// Windows pipes are created not inheritable; Boost.Process marks only the child's ends so.
bp::pipe private_pipe()
{
    return bp::pipe();
}

void close_end(bp::pipe& pipe, bool sink)
{
    const HANDLE handle = sink ? pipe.native_sink() : pipe.native_source();
    if (handle != INVALID_HANDLE_VALUE)
        ::CloseHandle(handle);
    if (sink)
        pipe.assign_sink(INVALID_HANDLE_VALUE);
    else
        pipe.assign_source(INVALID_HANDLE_VALUE);
}

/// Reads what the child wrote into `buffer`: how many bytes, 0 once it closed its output, or
/// nothing if it wrote nothing by `deadline`. An anonymous pipe cannot be polled: peek, sleep.
std::optional<std::size_t> read_some(bp::pipe& pipe, char* buffer, std::size_t size, steady_clock::time_point deadline)
{
    for (;;) {
        DWORD available = 0;
        if (!::PeekNamedPipe(pipe.native_source(), nullptr, 0, nullptr, &available, nullptr))
            return 0; // ERROR_BROKEN_PIPE: every writer closed its end
        if (available > 0) {
            DWORD n = 0;
            if (!::ReadFile(pipe.native_source(), buffer, std::min<DWORD>(available, static_cast<DWORD>(size)), &n,
                            nullptr))
                return 0;
            return n;
        }
        if (steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(1ms);
    }
}

/// Boost.Process would turn narrow arguments into wide ones through the ANSI code page; ours
/// are UTF-8.
std::vector<std::wstring> native_arguments(const std::vector<std::string>& args)
{
    std::vector<std::wstring> wide;
    for (const std::string& arg : args)
        wide.push_back(std::filesystem::u8path(arg).wstring());
    return wide;
}

#else

// Boost.Process's own pipes are not close-on-exec, so a second child would inherit the first
// one's standard input and the first would never see it end.
bp::pipe private_pipe()
{
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    return bp::pipe(ends[0], ends[1]);
}

void close_end(bp::pipe& pipe, bool sink)
{
    const int fd = sink ? pipe.native_sink() : pipe.native_source();
    if (fd >= 0)
        ::close(fd);
    if (sink)
        pipe.assign_sink(-1);
    else
        pipe.assign_source(-1);
}

/// Reads what the child wrote into `buffer`: how many bytes, 0 once it closed its output, or
/// nothing if it wrote nothing by `deadline`.
std::optional<std::size_t> read_some(bp::pipe& pipe, char* buffer, std::size_t size, steady_clock::time_point deadline)
{
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        pollfd ready{pipe.native_source(), POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0)
            continue;
        const ssize_t n = ::read(pipe.native_source(), buffer, size);
        return n <= 0 ? 0 : static_cast<std::size_t>(n);
    }
}

const std::vector<std::string>& native_arguments(const std::vector<std::string>& args)
{
    return args;
}

#endif

} // namespace

struct child_process::process {
    process(const std::filesystem::path& program, const std::vector<std::string>& args, error_stream errors)
        : to_child(private_pipe()), from_child(private_pipe()), child(start(program, args, errors))
    {
        close_end(to_child, false);
        close_end(from_child, true);
    }

    bp::child start(const std::filesystem::path& program, const std::vector<std::string>& args, error_stream errors)
    {
        const auto& arguments = native_arguments(args);
        // The formatter reads `std_in < to_child, ... >` as a template argument list.
        // clang-format off
        if (errors == error_stream::with_output)
            return bp::child(program.native(), bp::args(arguments), bp::std_in < to_child,
                             (bp::std_out & bp::std_err) > from_child);
        return bp::child(program.native(), bp::args(arguments), bp::std_in < to_child, bp::std_out > from_child);
        // clang-format on
    }

    bp::pipe to_child;
    bp::pipe from_child;
    bp::child child;
};

child_process::child_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                             error_stream errors)
    : process_(std::make_unique<process>(program, args, errors))
{
}

child_process::~child_process()
{
    if (process_->child.valid() && process_->child.running()) {
        kill();
        std::error_code ignored;
        process_->child.wait(ignored);
    }
}

std::int64_t child_process::pid() const
{
    return process_->child.id();
}

child_process::read_result child_process::read_more(steady_clock::time_point deadline)
{
    char chunk[256];
    const std::optional<std::size_t> n = read_some(process_->from_child, chunk, sizeof chunk, deadline);
    if (!n)
        return read_result::timed_out;
    if (*n == 0)
        return read_result::closed;
    buffered_.append(chunk, *n);
    return read_result::data;
}

std::string child_process::read_line(std::chrono::milliseconds timeout)
{
    if (std::optional<std::string> line = try_read_line(timeout))
        return *line;
    throw std::runtime_error("child " + std::to_string(pid()) + " wrote no line in time");
}

std::optional<std::string> child_process::try_read_line(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto newline = buffered_.find('\n');
        if (newline != std::string::npos) {
            std::string line = buffered_.substr(0, newline);
            buffered_.erase(0, newline + 1);
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            return line;
        }
        switch (read_more(deadline)) {
        case read_result::data: break;
        case read_result::timed_out: return std::nullopt;
        case read_result::closed:
            throw std::runtime_error("child " + std::to_string(pid()) + " closed its output early");
        }
    }
}

std::string child_process::read_to_end(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const read_result result = read_more(deadline);
        if (result == read_result::closed)
            break;
        if (result == read_result::timed_out)
            throw std::runtime_error("child " + std::to_string(pid()) + " did not end its output in time");
    }
    return std::exchange(buffered_, std::string());
}

void child_process::close_stdin()
{
    close_end(process_->to_child, true);
}

int child_process::wait(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_->child.running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill();
            throw std::runtime_error("child " + std::to_string(pid()) + " did not exit in time");
        }
        std::this_thread::sleep_for(1ms);
    }
    return process_->child.exit_code();
}

bool child_process::running()
{
    return process_->child.running();
}

void child_process::kill()
{
#if defined(_WIN32)
    std::error_code ignored;
    process_->child.terminate(ignored);
#else
    ::kill(process_->child.id(), SIGKILL);
#endif
}

namespace {

// Paths on the command line are relative to the directory the test started in, and a test may
// change directory before it starts a helper (b2 passes relative paths).
const std::filesystem::path start_directory = [] {
    std::error_code ignored;
    return std::filesystem::current_path(ignored);
}();

} // namespace

std::filesystem::path helper_program(const std::string& name)
{
    auto& suite = boost::unit_test::framework::master_test_suite();
    for (int i = 1; i < suite.argc; ++i) {
        const std::filesystem::path candidate = suite.argv[i];
        if (candidate.filename().string().rfind(name, 0) == 0)
            return start_directory / candidate;
    }
    return start_directory / std::filesystem::path(suite.argv[0]).parent_path() / name;
}

std::filesystem::path lock_holder()
{
    return helper_program("lock_holder");
}

int run_helper(const std::vector<std::string>& args)
{
    child_process child(lock_holder(), args);
    child.close_stdin();
    return child.wait();
}

std::string this_process_id()
{
    return std::to_string(boost::this_process::get_id());
}

bool every_peer_can_lock(const std::filesystem::path& path)
{
#if defined(_WIN32)
    return first_byte_peer_can_lock(path);
#else
    return flock_peer_can_lock(path) && fcntl_peer_can_lock(path);
#endif
}

bool no_peer_can_lock(const std::filesystem::path& path)
{
#if defined(_WIN32)
    return !first_byte_peer_can_lock(path);
#else
    return !flock_peer_can_lock(path) && !fcntl_peer_can_lock(path);
#endif
}

#if defined(_WIN32)

bool first_byte_peer_can_lock(const std::filesystem::path& path)
{
    const int status = run_helper({"first-byte-try", path.u8string()});
    if (status != 0 && status != 3)
        throw std::runtime_error("first-byte-try failed with status " + std::to_string(status));
    return status == 0;
}

#else

bool flock_peer_can_lock(const std::filesystem::path& path)
{
    child_process peer(bp::search_path("flock").string(),
                       std::vector<std::string>{"--nonblock", "--conflict-exit-code", "3", path.string(), "true"});
    peer.close_stdin();
    const int status = peer.wait();
    if (status != 0 && status != 3)
        throw std::runtime_error("flock(1) failed with status " + std::to_string(status));
    return status == 0;
}

bool fcntl_peer_can_lock(const std::filesystem::path& path)
{
    const int status = run_helper({"fcntl-try", path.string()});
    if (status != 0 && status != 3)
        throw std::runtime_error("fcntl-try failed with status " + std::to_string(status));
    return status == 0;
}

#endif

} // namespace test_support
