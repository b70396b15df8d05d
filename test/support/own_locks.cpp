// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "own_locks.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace test_support {

std::vector<own_lock> locks_of_this_process()
{
    std::vector<own_lock> found;
    std::error_code ignored; // descriptors that other threads close meanwhile are skipped
    for (std::filesystem::directory_iterator entry("/proc/self/fdinfo", ignored), end; entry != end;
         entry.increment(ignored)) {
        std::ifstream info(entry->path());
        for (std::string line; std::getline(info, line);) {
            if (line.rfind("lock:", 0) != 0)
                continue;
            // lock:	1: FLOCK  ADVISORY  WRITE 1454 fe:00:10987314 0 EOF
            std::istringstream fields(line.substr(5));
            std::string number, family, advisory, mode, owner, device_inode;
            fields >> number >> family >> advisory >> mode >> owner >> device_inode;
            found.push_back({family, std::stoull(device_inode.substr(device_inode.rfind(':') + 1))});
        }
    }
    return found;
}

} // namespace test_support
