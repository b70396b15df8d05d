// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "gethostname.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace {
std::atomic<int> failing_with{0};
}

namespace test_support {

gethostname_failure::gethostname_failure(int error)
{
    failing_with = error;
}

gethostname_failure::~gethostname_failure()
{
    failing_with = 0;
}

} // namespace test_support

// As Linux's C library answers: the node name of uname(2), which must fit with its NUL.
extern "C" int gethostname(char* name, size_t length) noexcept
{
    if (const int error = failing_with.load()) {
        errno = error;
        return -1;
    }
    struct utsname system {};
    if (::uname(&system) != 0)
        return -1;
    const std::size_t size = std::strlen(system.nodename) + 1;
    if (size > length) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memcpy(name, system.nodename, size);
    return 0;
}
