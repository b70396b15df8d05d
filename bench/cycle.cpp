// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// cycle: an uncontended construct-and-close of a lock_file against the floor, the raw system
// calls for the same semantics on one descriptor: open(O_NOFOLLOW|O_CLOEXEC), fstat, flock,
// fcntl lock, pwrite, ftruncate, both unlocks, close. Rounds alternate to share the noise.
//
// usage: cycle [ITERATIONS_PER_ROUND]   (default 20000)
#include <exclusive_control/exclusive_control.hpp>

#include "bench_support.hpp"

#include <boost/log/core.hpp>

#include <sys/file.h>
#include <sys/stat.h>

namespace ec = exclusive_control;

namespace {

void raw_cycle(const char* path, const std::string& record)
{
    const int fd = ::open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    struct stat status;
    ::fstat(fd, &status);
    ::flock(fd, LOCK_EX | LOCK_NB);
    struct flock whole {};
    whole.l_type = F_WRLCK;
    whole.l_whence = SEEK_SET;
    ::fcntl(fd, F_SETLK, &whole);
    if (::pwrite(fd, record.data(), record.size(), 0) != static_cast<ssize_t>(record.size()))
        throw std::runtime_error("pwrite failed");
    if (::ftruncate(fd, static_cast<off_t>(record.size())) != 0)
        throw std::runtime_error("ftruncate failed");
    whole.l_type = F_UNLCK;
    ::fcntl(fd, F_SETLK, &whole);
    ::flock(fd, LOCK_UN);
    ::close(fd);
}

template <class Body>
double nanoseconds_per_cycle(int iterations, Body body)
{
    const std::int64_t started = bench::monotonic_ns();
    for (int i = 0; i < iterations; ++i)
        body();
    return static_cast<double>(bench::monotonic_ns() - started) / iterations;
}

} // namespace

int main(int argc, char** argv)
{
    boost::log::core::get()->set_logging_enabled(false);
    const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
    const auto dir = bench::scratch_dir();
    const auto ours_path = dir / "lock";
    const auto raw_path = dir / "raw";
    const std::string record = " " + std::to_string(::getpid()) + "\n";

    std::vector<double> ours, raw, ratios;
    for (int round = 0; round < 7; ++round) {
        const double o = nanoseconds_per_cycle(iterations, [&] { ec::lock_file lock(ours_path); });
        const double r = nanoseconds_per_cycle(iterations, [&] { raw_cycle(raw_path.c_str(), record); });
        ours.push_back(o);
        raw.push_back(r);
        ratios.push_back(o / r);
    }
    std::filesystem::remove_all(dir);
    std::printf("cycle: uncontended lock and release, %d per round, 7 rounds (medians)\n", iterations);
    std::printf("lock_file construct+close  %8.0f ns\n", bench::percentile(ours, 0.5));
    std::printf("raw system calls (floor)   %8.0f ns\n", bench::percentile(raw, 0.5));
    std::printf("ratio (ours / floor)       %8.2fx   target <= 1.25x\n", bench::percentile(ratios, 0.5));
}
