// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What a synchronous wait pays to start watching a lock file, now that it takes a fresh inotify
// instance and leaves its close to a background thread, against the pool of reused instances
// it replaced (which kept up to 4 instances per process for ever): the system calls themselves,
// measured in the same run. Linux only. Usage: bench_wait_setup [ROUNDS]
#include "bench_support.hpp"

#include <sys/inotify.h>

#include <iostream>

namespace {

constexpr std::uint32_t events = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

void report(const char* what, const std::vector<double>& ns)
{
    std::cout << what << ": p50 " << bench::percentile(ns, 0.5) / 1000.0 << " us, p90 "
              << bench::percentile(ns, 0.9) / 1000.0 << " us\n";
}

} // namespace

int main(int argc, char** argv)
{
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
    const std::string file = (std::filesystem::temp_directory_path() / "bench_wait_setup.lock").string();
    ::close(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    std::vector<double> fresh, reused, closing;
    int pooled = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int stale = ::inotify_add_watch(pooled, file.c_str(), events);
    for (int i = 0; i < rounds; ++i) {
        // Now: a new instance and one watch; the close happens on another thread.
        std::int64_t start = bench::monotonic_ns();
        const int instance = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        ::inotify_add_watch(instance, file.c_str(), events);
        fresh.push_back(static_cast<double>(bench::monotonic_ns() - start));
        start = bench::monotonic_ns();
        ::close(instance);
        closing.push_back(static_cast<double>(bench::monotonic_ns() - start));
        // Before: the pooled instance, whose previous watch the next wait removed first.
        start = bench::monotonic_ns();
        ::inotify_rm_watch(pooled, stale);
        char drain[4096];
        while (::read(pooled, drain, sizeof drain) > 0) {
        }
        stale = ::inotify_add_watch(pooled, file.c_str(), events);
        reused.push_back(static_cast<double>(bench::monotonic_ns() - start));
    }
    ::close(pooled);
    std::filesystem::remove(file);
    report("fresh instance + watch (a wait now)   ", fresh);
    report("pooled: remove stale watch + watch (before)", reused);
    report("closing an instance (background thread)", closing);
    std::cout << "ratio now/before at p50: " << bench::percentile(fresh, 0.5) / bench::percentile(reused, 0.5) << '\n';
}
