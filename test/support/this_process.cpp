// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "this_process.hpp"

#include <sys/stat.h>
#include <time.h>

namespace test_support {

std::int64_t monotonic_ns()
{
    timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

int descriptors_of_file(const std::filesystem::path& path)
{
    struct stat target;
    if (::stat(path.c_str(), &target) != 0)
        return -1;
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        struct stat status;
        if (::stat(entry.path().c_str(), &status) == 0 && status.st_dev == target.st_dev &&
            status.st_ino == target.st_ino)
            ++count;
    }
    return count;
}

int descriptors_whose_target(const std::function<bool(const std::string& target)>& matches)
{
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ignored; // a descriptor another thread closed meanwhile is skipped
        if (matches(std::filesystem::read_symlink(entry.path(), ignored).string()))
            ++count;
    }
    return count;
}

int inotify_instances()
{
    return descriptors_whose_target([](const std::string& target) { return target == "anon_inode:inotify"; });
}

} // namespace test_support
