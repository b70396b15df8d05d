// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Shared by the benchmarks: clocks that mean the same in every process, percentiles, and a
// child process started with fork() that reports back through a pipe.
#ifndef EXCLUSIVE_CONTROL_BENCH_SUPPORT_HPP
#define EXCLUSIVE_CONTROL_BENCH_SUPPORT_HPP

#include "../test/support/this_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using test_support::monotonic_ns; // the tests' clock, comparable across processes

/// CPU time this thread has used, in nanoseconds.
inline std::int64_t thread_cpu_ns()
{
    timespec now;
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

inline double percentile(std::vector<double> values, double fraction)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

/// A pipe whose ends close on exec; `put`/`get` move plain values through it.
class channel {
public:
    channel()
    {
        if (::pipe2(ends_, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
    }
    ~channel()
    {
        ::close(ends_[0]);
        ::close(ends_[1]);
    }
    template <class T>
    void put(const T& value)
    {
        if (::write(ends_[1], &value, sizeof value) != static_cast<ssize_t>(sizeof value))
            throw std::runtime_error("write to pipe failed");
    }
    template <class T>
    T get()
    {
        T value{};
        if (::read(ends_[0], &value, sizeof value) != static_cast<ssize_t>(sizeof value))
            throw std::runtime_error("read from pipe failed");
        return value;
    }

private:
    int ends_[2];
};

/// Runs `body` in a forked child that exits with its result.
inline pid_t spawn(const std::function<int()>& body)
{
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        int status = 1;
        try {
            status = body();
        } catch (const std::exception& error) {
            std::fprintf(stderr, "child: %s\n", error.what());
        }
        ::_exit(status);
    }
    return pid;
}

inline void reap(pid_t pid)
{
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("a benchmark child failed");
}

/// A fresh directory for the benchmark's lock file.
inline std::filesystem::path scratch_dir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "exclusive_control-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    return pattern;
}

} // namespace bench

#endif
