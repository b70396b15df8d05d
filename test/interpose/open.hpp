// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// An open(2) with a hook, defined in the test program that links interpose/open.cpp, so that
// the library linked into it calls it instead of the C library's. A test uses it to act at the
// one moment a race needs: just before the library's open that may create the lock file, which
// is when another process could create it first.
#ifndef EXCLUSIVE_CONTROL_TEST_INTERPOSE_OPEN_HPP
#define EXCLUSIVE_CONTROL_TEST_INTERPOSE_OPEN_HPP

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

namespace test_support {

/// While it lives, the `nth` open of `path` with O_CREAT runs `action` first, once; every
/// other open goes straight to the C library's.
class before_creating_open {
public:
    before_creating_open(const std::filesystem::path& path, std::function<void()> action, int nth = 1);
    ~before_creating_open();
    before_creating_open(const before_creating_open&) = delete;
    before_creating_open& operator=(const before_creating_open&) = delete;

    /// Whether the action ran.
    bool ran() const;

    struct state {
        std::string path;
        std::function<void()> action;
        std::atomic<int> creating_opens_to_pass; // before the one that runs `action`
        bool ran = false;
    };

private:
    state state_;
};

} // namespace test_support

#endif
