// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// A user's program: one source for the CMake, b2 and pkg-config consumer builds. It must compile
// against the installed headers alone and catch the library's exception across a shared-library
// boundary, which fails if the type's visibility is wrong.
#include <exclusive_control/exclusive_control.hpp>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

// The builds tell us whether they link the shared library; the package must tell the compiler.
#if defined(EXPECT_DYN_LINK) != defined(EXCLUSIVE_CONTROL_DYN_LINK)
#error "EXCLUSIVE_CONTROL_DYN_LINK must be defined exactly when the shared library is used"
#endif

int main()
{
    const auto path = std::filesystem::temp_directory_path() /
                      ("exclusive_control_consumer_" + std::to_string(::getpid()) + ".lock");
    int status = 1;
    {
        exclusive_control::lock_file lock(path);
        try {
            exclusive_control::lock_file second(path);
            std::cerr << "a second lock on " << path << " was granted\n";
        } catch (const exclusive_control::lock_error&) {
            status = 0;
        }
    }
    std::filesystem::remove(path);
    return status;
}
