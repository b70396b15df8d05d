// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// async_scale: 256 pending async_lock on 64 files held by another process, one io_context
// thread. While nothing is released: the CPU the waiting process uses and the inotify instances
// it has open. Then the holder releases every file: how long until all 256 operations complete,
// each file's 4 waiters taking it one after another (each holds it for 1 ms).
//
// usage: async_scale
#include <exclusive_control/async_lock.hpp>
#include <exclusive_control/exclusive_control.hpp>

#include "bench_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/log/core.hpp>

#include <sys/resource.h>

#include <memory>
#include <string>
#include <vector>

namespace ec = exclusive_control;
using namespace std::chrono_literals;

namespace {

constexpr int files = 64;
constexpr int per_file = 4;

std::int64_t process_cpu_ns()
{
    rusage usage;
    ::getrusage(RUSAGE_SELF, &usage);
    const auto ns = [](const timeval& t) {
        return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_usec * 1000;
    };
    return ns(usage.ru_utime) + ns(usage.ru_stime);
}

} // namespace

int main()
{
    boost::log::core::get()->set_logging_enabled(false);
    const auto dir = bench::scratch_dir();
    const auto name = [&](int file) { return dir / ("lock" + std::to_string(file)); };
    bench::channel from_holder;
    bench::channel to_holder;
    const pid_t holder = bench::spawn([&] {
        std::vector<std::unique_ptr<ec::lock_file>> held;
        for (int file = 0; file < files; ++file)
            held.push_back(std::make_unique<ec::lock_file>(name(file)));
        from_holder.put('L');
        to_holder.get<char>();
        held.clear();
        return 0;
    });
    from_holder.get<char>();

    boost::asio::io_context io;
    std::vector<std::unique_ptr<ec::lock_file>> locks;
    std::vector<int> holding(files, 0);
    int completed = 0, failed = 0, overlaps = 0;
    std::int64_t released_at = 0, last_completed_at = 0;
    for (int file = 0; file < files; ++file) {
        for (int waiter = 0; waiter < per_file; ++waiter) {
            locks.push_back(std::make_unique<ec::lock_file>(name(file), std::defer_lock));
            ec::lock_file& lock = *locks.back();
            ec::async_lock(io, lock, [&, file](boost::system::error_code error) {
                if (error) {
                    ++failed;
                    return;
                }
                if (++holding[file] > 1)
                    ++overlaps;
                auto hold = std::make_shared<boost::asio::steady_timer>(io, 1ms);
                hold->async_wait([&, file, hold](boost::system::error_code) {
                    --holding[file];
                    lock.close();
                    ++completed;
                    last_completed_at = bench::monotonic_ns();
                });
            });
        }
    }

    // Let every operation make its first attempt, then measure one quiet second.
    boost::asio::steady_timer settle(io, 200ms);
    double idle_cpu_percent = 0;
    int instances = 0;
    std::int64_t cpu_started = 0, quiet_started = 0;
    settle.async_wait([&](boost::system::error_code) {
        cpu_started = process_cpu_ns();
        quiet_started = bench::monotonic_ns();
        settle.expires_after(1s);
        settle.async_wait([&](boost::system::error_code) {
            idle_cpu_percent = 100.0 * static_cast<double>(process_cpu_ns() - cpu_started) /
                               static_cast<double>(bench::monotonic_ns() - quiet_started);
            instances = test_support::inotify_instances();
            released_at = bench::monotonic_ns();
            to_holder.put('R');
        });
    });
    io.run();
    bench::reap(holder);
    std::filesystem::remove_all(dir);

    std::printf("async_scale: %d async_lock on %d files held by another process, one io_context thread\n",
                files * per_file, files);
    std::printf("while held:   CPU %.2f%% of one core, %d inotify instance(s) open\n", idle_cpu_percent, instances);
    std::printf("on release:   %d completed, %d failed, %d overlaps, all done %.1f ms after the release\n", completed,
                failed, overlaps, static_cast<double>(last_completed_at - released_at) / 1e6);
    std::printf("targets: CPU <= 5%%, a few inotify instances, 256 completed, 0 overlaps\n");
    return completed == files * per_file && failed == 0 && overlaps == 0 ? 0 : 1;
}
