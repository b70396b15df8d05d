// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// A gethostname(2) that fails on demand. It is defined in the test program that links
// interpose/gethostname.cpp, so the library linked into it (Boost.Asio's host_name, header-only)
// calls it instead of the C library's: the real {hostname} path, with a failure the kernel
// never gives.
#ifndef EXCLUSIVE_CONTROL_TEST_INTERPOSE_GETHOSTNAME_HPP
#define EXCLUSIVE_CONTROL_TEST_INTERPOSE_GETHOSTNAME_HPP

namespace test_support {

/// While it lives, gethostname() fails with errno `error`; otherwise it answers as the C
/// library's does.
class gethostname_failure {
public:
    explicit gethostname_failure(int error);
    ~gethostname_failure();
    gethostname_failure(const gethostname_failure&) = delete;
    gethostname_failure& operator=(const gethostname_failure&) = delete;
};

} // namespace test_support

#endif
