// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "stress_run.hpp"

#include "temp_dir.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace test_support {

long size_setting(const char* name, long fallback)
{
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0')
        return fallback;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value <= 0)
        throw std::invalid_argument(std::string(name) + " must be a positive number, not \"" + text + "\"");
    return value;
}

journals read_journals(const std::filesystem::path& dir)
{
    journals found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().filename().string().rfind("journal.", 0) != 0)
            continue;
        std::ifstream in(entry.path());
        char event;
        std::int64_t at;
        std::string detail;
        while (in >> event >> at >> detail) {
            if (event == 'A')
                found.acquired.push_back(at);
            else if (event == 'D')
                ++(detail == "flock" ? found.flock_sections : found.fcntl_sections);
            else if (event == 'S')
                ++found.stale_markers;
            else if (event == 'F')
                ++found.forks;
        }
    }
    std::sort(found.acquired.begin(), found.acquired.end());
    return found;
}

worker_summary parse_summary(const std::string& line)
{
    std::istringstream fields(line);
    std::string done;
    worker_summary summary;
    fields >> done >> summary.sections >> summary.stale_markers >> summary.timeouts >> summary.forks >>
        summary.longest_wait_ms;
    if (done != "done" || !fields)
        throw std::runtime_error("not a participant's summary: \"" + line + "\"");
    return summary;
}

void create_counters(const std::filesystem::path& dir)
{
    write_file(dir / "counter.flock", "0\n");
    write_file(dir / "counter.fcntl", "0\n");
}

long read_counter(const std::filesystem::path& dir, const std::string& family)
{
    const std::string text = read_file(dir / ("counter." + family));
    std::size_t used = 0;
    const long value = std::stol(text, &used);
    if (text.substr(used) != "\n")
        throw std::runtime_error("malformed counter \"" + text + "\"");
    return value;
}

std::string violations(const std::filesystem::path& dir)
{
    const std::string text = read_file(dir / "violations");
    return text == "<missing>" ? std::string() : text;
}

} // namespace test_support
