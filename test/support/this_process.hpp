// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What this process has open, from /proc/self/fd (Linux), and a clock every process shares.
// Free of Boost.Test: the helper programs and the benchmarks link this file too.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_THIS_PROCESS_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_THIS_PROCESS_HPP

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace test_support {

/// CLOCK_MONOTONIC in nanoseconds: comparable across the processes of one machine, as the
/// stress participants' journals and the benchmarks' children need.
std::int64_t monotonic_ns();

/// How many of this process's descriptors are open on the file at `path` (on its inode, under
/// whatever name); -1 if `path` cannot be stat()ed.
int descriptors_of_file(const std::filesystem::path& path);

/// How many of this process's descriptors have a /proc/self/fd link whose target `matches`.
int descriptors_whose_target(const std::function<bool(const std::string& target)>& matches);

/// How many inotify instances this process has open.
int inotify_instances();

} // namespace test_support

#endif
