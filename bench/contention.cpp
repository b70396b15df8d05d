// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// contention: 8 processes take one lock 200 times each with try_lock_for, holding it for no
// work, against the same pattern with raw blocking flock. Reports transfers per second and the
// longest single wait (nobody starves).
//
// usage: contention [PROCESSES] [ACQUISITIONS_EACH]   (default 8 200)
#include <exclusive_control/exclusive_control.hpp>

#include "bench_support.hpp"

#include <boost/log/core.hpp>

#include <sys/file.h>

#include <chrono>

namespace ec = exclusive_control;
using namespace std::chrono_literals;

namespace {

struct outcome {
    double transfers_per_second;
    double longest_wait_ms;
};

outcome run(bool library, const std::filesystem::path& path, int processes, int each)
{
    bench::channel start;
    bench::channel results;
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p)
        children.push_back(bench::spawn([&] {
            start.get<char>();
            std::int64_t longest = 0;
            for (int i = 0; i < each; ++i) {
                const std::int64_t asked = bench::monotonic_ns();
                if (library) {
                    ec::lock_file lock(path, std::defer_lock);
                    if (!lock.try_lock_for(30s))
                        return 1;
                    longest = std::max(longest, bench::monotonic_ns() - asked);
                } else {
                    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
                    ::flock(fd, LOCK_EX);
                    longest = std::max(longest, bench::monotonic_ns() - asked);
                    ::close(fd);
                }
            }
            results.put(longest);
            return 0;
        }));
    const std::int64_t started = bench::monotonic_ns();
    for (int p = 0; p < processes; ++p)
        start.put('g');
    std::int64_t longest = 0;
    for (int p = 0; p < processes; ++p)
        longest = std::max(longest, results.get<std::int64_t>());
    const double seconds = static_cast<double>(bench::monotonic_ns() - started) / 1e9;
    for (const pid_t child : children)
        bench::reap(child);
    return {processes * each / seconds, static_cast<double>(longest) / 1e6};
}

} // namespace

int main(int argc, char** argv)
{
    boost::log::core::get()->set_logging_enabled(false);
    const int processes = argc > 1 ? std::atoi(argv[1]) : 8;
    const int each = argc > 2 ? std::atoi(argv[2]) : 200;
    const auto dir = bench::scratch_dir();
    const outcome ours = run(true, dir / "lock", processes, each);
    const outcome raw = run(false, dir / "raw", processes, each);
    std::filesystem::remove_all(dir);
    std::printf("contention: %d processes x %d acquisitions of one lock\n", processes, each);
    std::printf("lock_file try_lock_for   %9.0f transfers/s  longest wait %8.1f ms\n", ours.transfers_per_second,
                ours.longest_wait_ms);
    std::printf("raw blocking flock       %9.0f transfers/s  longest wait %8.1f ms\n", raw.transfers_per_second,
                raw.longest_wait_ms);
    std::printf("ratio (ours / raw)       %9.2fx\n", ours.transfers_per_second / raw.transfers_per_second);
}
