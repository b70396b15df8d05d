// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "open.hpp"

#include <dlfcn.h>
#include <fcntl.h>

#include <atomic>
#include <cstdarg>
#include <stdexcept>

namespace {

std::atomic<test_support::before_creating_open::state*> armed{nullptr};

using open_function = int (*)(const char*, int, ...);

int call_next(const char* path, int flags, mode_t mode)
{
    // The next open after this program's: the C library's, or a sanitizer's in front of it.
    const auto next = reinterpret_cast<open_function>(::dlsym(RTLD_NEXT, "open"));
    return next(path, flags, mode);
}

int open_with_hook(const char* path, int flags, mode_t mode)
{
    if ((flags & O_CREAT) != 0) {
        test_support::before_creating_open::state* hook = armed.load();
        if (hook != nullptr && hook->path == path && hook->creating_opens_to_pass.fetch_sub(1) == 0 &&
            armed.compare_exchange_strong(hook, nullptr)) {
            hook->ran = true;
            hook->action(); // its own opens, disarmed, go straight through
        }
    }
    return call_next(path, flags, mode);
}

mode_t mode_argument(int flags, std::va_list arguments)
{
    return (flags & (O_CREAT | O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(arguments, unsigned)) : 0;
}

} // namespace

namespace test_support {

before_creating_open::before_creating_open(const std::filesystem::path& path, std::function<void()> action, int nth)
    : state_{path.string(), std::move(action), nth - 1}
{
    if (nth < 1)
        throw std::invalid_argument("before_creating_open: nth counts from 1");
    state* expected = nullptr;
    if (!armed.compare_exchange_strong(expected, &state_))
        throw std::logic_error("before_creating_open: one at a time");
}

before_creating_open::~before_creating_open()
{
    state* mine = &state_;
    armed.compare_exchange_strong(mine, nullptr);
}

bool before_creating_open::ran() const
{
    return state_.ran;
}

} // namespace test_support

extern "C" int open(const char* path, int flags, ...)
{
    std::va_list arguments;
    va_start(arguments, flags);
    const mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    return open_with_hook(path, flags, mode);
}

// The same function under its large-file name, which a build with _FILE_OFFSET_BITS=64 calls.
extern "C" int open64(const char* path, int flags, ...) __attribute__((alias("open")));
