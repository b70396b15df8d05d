// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Proves that the package's headers, library and dependencies link and run together.
#include <exclusive_control/exclusive_control.hpp>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

int main()
{
    const auto path = std::filesystem::temp_directory_path() /
                      ("exclusive_control_test_package_" + std::to_string(::getpid()) + ".lock");
    {
        exclusive_control::lock_file lock(path);
        std::cout << "exclusive_control " << EXCLUSIVE_CONTROL_VERSION_MAJOR << '.'
                  << EXCLUSIVE_CONTROL_VERSION_MINOR << '.' << EXCLUSIVE_CONTROL_VERSION_PATCH
                  << ": locked " << path << '\n';
    }
    std::filesystem::remove(path);
}
