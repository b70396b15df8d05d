// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// unlock_notice: how soon a waiter notices a release that closes nothing (an fcntl user's
// F_UNLCK with the file kept open, which raises no inotify event), and what its CPU costs while
// it waits: the synchronous waiter (try_lock_for) and the asynchronous one (async_lock_for).
//
// usage: unlock_notice [TRIALS]   (default 40)
#include <exclusive_control/async_lock.hpp>
#include <exclusive_control/exclusive_control.hpp>

#include "bench_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/log/core.hpp>

#include <fcntl.h>

#include <chrono>
#include <random>
#include <thread>

namespace ec = exclusive_control;
using namespace std::chrono_literals;

namespace {

enum class waiter { sync, async };

bool set_fcntl_lock(int fd, short type)
{
    struct flock request {};
    request.l_type = type;
    request.l_whence = SEEK_SET;
    return ::fcntl(fd, F_SETLK, &request) == 0;
}

/// One trial: a child fcntl-locks the file, after `hold` unlocks it without closing, and says
/// when. Returns the unlock-to-acquisition latency in microseconds and our CPU per second waited.
std::pair<double, double> trial(waiter kind, const std::filesystem::path& path, std::chrono::milliseconds hold)
{
    bench::channel from_holder;
    bench::channel to_holder;
    const pid_t holder = bench::spawn([&] {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || !set_fcntl_lock(fd, F_WRLCK))
            return 1;
        from_holder.put('L');
        std::this_thread::sleep_for(hold);
        from_holder.put(bench::monotonic_ns());
        set_fcntl_lock(fd, F_UNLCK);
        to_holder.get<char>(); // the file stays open until the waiter has the lock
        ::close(fd);
        return 0;
    });
    from_holder.get<char>();
    const std::int64_t wait_started = bench::monotonic_ns();
    const std::int64_t cpu_started = bench::thread_cpu_ns();
    std::int64_t acquired = 0;
    ec::lock_file lock(path, std::defer_lock);
    if (kind == waiter::sync) {
        if (!lock.try_lock_for(10s))
            throw std::runtime_error("waiter timed out");
        acquired = bench::monotonic_ns();
    } else {
        boost::asio::io_context io;
        boost::system::error_code result;
        ec::async_lock_for(io, lock, 10s, [&](boost::system::error_code error) {
            acquired = bench::monotonic_ns();
            result = error;
        });
        io.run();
        if (result)
            throw std::runtime_error("async waiter failed: " + result.message());
    }
    const std::int64_t cpu_used = bench::thread_cpu_ns() - cpu_started;
    lock.close();
    to_holder.put('D');
    const std::int64_t released = from_holder.get<std::int64_t>();
    bench::reap(holder);
    const double waited_seconds = static_cast<double>(acquired - wait_started) / 1e9;
    return {static_cast<double>(acquired - released) / 1e3, static_cast<double>(cpu_used) / 1e6 / waited_seconds};
}

void measure(const char* name, waiter kind, const std::filesystem::path& path, int trials)
{
    std::mt19937 random(42);
    std::uniform_int_distribution<int> hold_ms(20, 100);
    std::vector<double> latency_ms;
    for (int i = 0; i < trials; ++i)
        latency_ms.push_back(trial(kind, path, std::chrono::milliseconds(hold_ms(random))).first / 1e3);
    const double cpu = trial(kind, path, 1000ms).second;
    std::printf("%-16s p50 %6.1f ms  p90 %6.1f ms  max %6.1f ms  waiter CPU %6.3f ms per s waited\n", name,
                bench::percentile(latency_ms, 0.5), bench::percentile(latency_ms, 0.9),
                bench::percentile(latency_ms, 1.0), cpu);
}

} // namespace

int main(int argc, char** argv)
{
    boost::log::core::get()->set_logging_enabled(false);
    const int trials = argc > 1 ? std::atoi(argv[1]) : 40;
    const auto dir = bench::scratch_dir();
    std::printf("unlock_notice: F_UNLCK (file kept open) to acquisition, %d trials each\n", trials);
    measure("try_lock_for", waiter::sync, dir / "sync", trials);
    measure("async_lock_for", waiter::async, dir / "async", trials);
    std::filesystem::remove_all(dir);
    std::printf("targets: p50 <= 10 ms, max <= 20 ms, waiter CPU <= 1 ms per s\n");
}
