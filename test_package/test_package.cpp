// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What a user does first with the package: take a lock, see a second attempt fail, release.
// Built by `conan create .` against the package it just made; a failure exits non-zero.
#include <exclusive_control/exclusive_control.hpp>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

// test_package/conanfile.py says whether the package is the shared library; its package_info()
// must then have told the compiler.
#if defined(EXPECT_DYN_LINK) != defined(EXCLUSIVE_CONTROL_DYN_LINK)
#error "EXCLUSIVE_CONTROL_DYN_LINK must be defined exactly when the shared library is used"
#endif

int main()
{
    namespace ec = exclusive_control;
    const auto path = std::filesystem::temp_directory_path() /
                      ("exclusive_control_test_package_" + std::to_string(::getpid()) + ".lock");
    int status = 0;
    {
        ec::lock_file lock(path);
        std::cout << "exclusive_control " << EXCLUSIVE_CONTROL_VERSION_MAJOR << '.' << EXCLUSIVE_CONTROL_VERSION_MINOR
                  << '.' << EXCLUSIVE_CONTROL_VERSION_PATCH << ": locked " << path << '\n';
        try {
            ec::lock_file second(path);
            std::cerr << "a second lock_file on a held file succeeded\n";
            status = 1;
        } catch (const ec::lock_error& error) {
            std::cout << "second attempt refused, held by " << error.holder() << '\n';
        }
    }
    // Released: the file can be locked again.
    ec::lock_file again(path);
    again.close();
    std::filesystem::remove(path);
    return status;
}
