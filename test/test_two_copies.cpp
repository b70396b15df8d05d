// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
// Hazard 11: two copies of the library in one process (a plugin with its own static copy,
// loaded with dlopen) never drop each other's lock, although each has its own process table.
#define BOOST_TEST_MODULE two_copies
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <dlfcn.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace ec = exclusive_control;
using namespace std::chrono_literals;
using test_support::temp_dir;

namespace {

/// The plugin (test/helpers/second_copy_plugin.cpp), loaded as a plugin is: RTLD_LOCAL.
class second_copy {
public:
    second_copy()
    {
        const std::string file = test_support::helper_program("libsecond_copy_plugin").string();
        handle_ = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        BOOST_TEST_REQUIRE(handle_ != nullptr, "dlopen " << file << ": " << ::dlerror());
        try_lock_ = reinterpret_cast<int (*)(const char*, int)>(::dlsym(handle_, "second_copy_try_lock"));
        release_ = reinterpret_cast<void (*)()>(::dlsym(handle_, "second_copy_release"));
        inspect_ = reinterpret_cast<int (*)(const char*)>(::dlsym(handle_, "second_copy_inspect"));
        BOOST_TEST_REQUIRE((try_lock_ && release_ && inspect_));
    }
    ~second_copy()
    {
        release_();
        ::dlclose(handle_);
    }
    second_copy(const second_copy&) = delete;
    second_copy& operator=(const second_copy&) = delete;

    int try_lock(const std::filesystem::path& path, std::chrono::milliseconds wait = 0ms)
    {
        return try_lock_(path.c_str(), static_cast<int>(wait.count()));
    }
    void release() { release_(); }
    int inspect(const std::filesystem::path& path) { return inspect_(path.c_str()); }

private:
    void* handle_ = nullptr;
    int (*try_lock_)(const char*, int) = nullptr;
    void (*release_)() = nullptr;
    int (*inspect_)(const char*) = nullptr;
};

} // namespace

BOOST_AUTO_TEST_CASE(a_second_copys_failed_attempt_leaves_the_first_copys_lock_whole)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    second_copy plugin;
    BOOST_TEST(plugin.try_lock(path) == 0);
    BOOST_TEST(plugin.try_lock(path, 100ms) == 0); // a wait that times out, too
    BOOST_TEST(test_support::no_peer_can_lock(path));
    BOOST_TEST(ec::inspect(path).holder == test_support::this_process_id());
}

BOOST_AUTO_TEST_CASE(the_first_copys_failed_attempt_leaves_a_second_copys_lock_whole)
{
    temp_dir dir;
    const auto path = dir / "lock";
    second_copy plugin;
    BOOST_TEST_REQUIRE(plugin.try_lock(path) == 1);
    ec::lock_file contender(path, std::defer_lock);
    BOOST_TEST(!contender.try_lock());
    BOOST_TEST(!contender.try_lock_for(100ms));
    BOOST_CHECK_THROW(ec::lock_file{path}, ec::lock_error);
    BOOST_TEST(test_support::no_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(inspecting_from_either_copy_sees_the_other_copys_lock_and_keeps_it)
{
    temp_dir dir;
    const auto path = dir / "lock";
    {
        ec::lock_file lock(path);
        second_copy plugin;
        BOOST_TEST(plugin.inspect(path) == 1);
        BOOST_TEST(test_support::no_peer_can_lock(path));
    }
    second_copy plugin;
    BOOST_TEST_REQUIRE(plugin.try_lock(path) == 1);
    BOOST_TEST(ec::inspect(path).locked);
    BOOST_TEST(test_support::no_peer_can_lock(path));
}

BOOST_AUTO_TEST_CASE(a_second_copy_waiting_gets_the_lock_when_the_first_copy_releases)
{
    temp_dir dir;
    const auto path = dir / "lock";
    auto lock = std::make_unique<ec::lock_file>(path);
    second_copy plugin;
    auto waiter = std::async(std::launch::async, [&] { return plugin.try_lock(path, test_support::patience); });
    std::this_thread::sleep_for(200ms);
    lock.reset();
    BOOST_TEST_REQUIRE((waiter.wait_for(test_support::patience) == std::future_status::ready));
    BOOST_TEST(waiter.get() == 1);
    BOOST_TEST(test_support::no_peer_can_lock(path));
    plugin.release();
    BOOST_TEST(test_support::fcntl_peer_can_lock(path));
}

// The thread that closes a finished wait's inotify instance lingers for a second, running code
// of the module that holds the library's copy: unloading a plugin must not pull that code from
// under it.
BOOST_AUTO_TEST_CASE(a_plugin_unloaded_right_after_a_wait_leaves_the_program_running)
{
    temp_dir dir;
    const auto path = dir / "lock";
    {
        ec::lock_file lock(path);
        second_copy plugin;
        BOOST_TEST(plugin.try_lock(path, 50ms) == 0); // waits, then hands its instance over
    }                                                 // dlclose
    std::this_thread::sleep_for(1500ms);              // the closing thread's linger ends, in the plugin's code
    ec::lock_file again(path);
    BOOST_TEST(again.owns_lock());
}
