// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What the stress and chaos tests share: their sizes, the files the stress_worker participants
// leave in the test's directory (test/helpers/stress_worker.cpp describes them), and reading
// those back.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_STRESS_RUN_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_STRESS_RUN_HPP

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace test_support {

/// The environment variable `name` as a positive number, or `fallback` if it is not set.
/// Throws if it is set to anything else, so that a typo does not silently run the default.
long size_setting(const char* name, long fallback);

/// The events of every journal.TOKEN in `dir`.
struct journals {
    std::vector<std::int64_t> acquired; // "A" lines, sorted
    long flock_sections = 0;            // "D ... flock" lines: sections counted in counter.flock
    long fcntl_sections = 0;            // "D ... fcntl" lines
    long stale_markers = 0;             // "S" lines
    long forks = 0;                     // "F" lines
};
journals read_journals(const std::filesystem::path& dir);

/// A participant's last line, "done SECTIONS STALE_MARKERS TIMEOUTS FORKS LONGEST_WAIT_MS",
/// parsed. Throws if the line is not of that form.
struct worker_summary {
    long sections = 0;
    long stale_markers = 0;
    long timeouts = 0;
    long forks = 0;
    long longest_wait_ms = 0;
};
worker_summary parse_summary(const std::string& line);

/// Creates the participants' counters, counter.flock and counter.fcntl, at zero.
void create_counters(const std::filesystem::path& dir);

/// A counter the participants increment ("flock" or "fcntl"); throws if it is malformed.
long read_counter(const std::filesystem::path& dir, const std::string& family);

/// What the participants reported in `dir/violations`; empty if they saw none.
std::string violations(const std::filesystem::path& dir);

} // namespace test_support

#endif
