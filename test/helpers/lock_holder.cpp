// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// A peer process for the contention tests. Modes:
//   hold PATH [TEMPLATE]   take the lock with lock_file, print "locked", release at end of stdin
//   try PATH               lock_file once: print "acquired" (exit 0) or "busy HOLDER" (exit 3)
//   wait PATH MS           lock_file with a timeout: "acquired" (0) or "timeout HOLDER" (4)
//   wait-hold PATH MS      wait up to MS for the lock; "acquired", then release at end of stdin
//   try-inspect PATH TPL   lock_file once with template TPL: "acquired" (0), or "busy HOLDER" then
//                          what inspect() says, "inspect locked|unlocked HOLDER" (3)
// POSIX only:
//   hold-exec PATH         hold, start `sleep 60`, print "locked CHILD_PID", release at end of stdin
//   fcntl-hold PATH        plain fcntl(F_SETLK) write lock, print "locked", release at end of stdin
//   fcntl-hold-inspect PATH  the same, then inspect() it: "inspected locked|unlocked HOLDER",
//                          and keep the lock until end of stdin
//   fcntl-try PATH         plain fcntl(F_SETLK) attempt: exit 0 if it would succeed, 3 if busy
//   fcntl-unlock PATH MS   fcntl lock, print "locked", after MS F_UNLCK keeping the file open,
//                          print "unlocked", exit at end of stdin
//   list-fds PATH          print how many of this process's descriptors name PATH's inode
//   list-proc-fds -        print how many of this process's descriptors name /proc/locks or a
//                          mountinfo file (inherited from a parent that inspect()ed)
// Windows only, a peer that locks as zc.lockfile does there (msvcrt.locking of byte 0):
//   first-byte-hold PATH   LockFileEx on byte 0, print "locked", release at end of stdin
//   first-byte-try PATH    the same attempt: exit 0 if it would succeed, 3 if busy
// Arguments are UTF-8, on Windows too.
#include <exclusive_control/exclusive_control.hpp>

#include <boost/log/core.hpp>

#if defined(_WIN32)
#include <windows.h>
// shellapi.h needs windows.h before it
#include <shellapi.h>
#else
#include "../support/this_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#endif

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#if !defined(_WIN32)
extern char** environ;
#endif

namespace {

void print_inspection(const std::string& prefix, const std::filesystem::path& path)
{
    const exclusive_control::lock_status status = exclusive_control::inspect(path);
    std::cout << prefix << (status.locked ? " locked " : " unlocked ") << status.holder << std::endl;
}

#if defined(_WIN32)

void wait_for_end_of_input()
{
    char buffer[64];
    DWORD n = 0;
    while (::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof buffer, &n, nullptr) && n > 0) {
    }
}

/// The command line as UTF-8: a Windows program's narrow argv is in the ANSI code page, which
/// cannot hold every path.
std::vector<std::string> arguments(int, char**)
{
    int count = 0;
    wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
    std::vector<std::string> result;
    for (int i = 0; i < count; ++i)
        result.push_back(std::filesystem::path(wide[i]).u8string());
    ::LocalFree(wide);
    return result;
}

int first_byte_lock(const std::filesystem::path& path, bool hold)
{
    const HANDLE file = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_ALWAYS,
                                      FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE)
        return 2;
    OVERLAPPED byte_0{};
    if (!::LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &byte_0))
        return ::GetLastError() == ERROR_LOCK_VIOLATION ? 3 : 2;
    if (hold) {
        std::cout << "locked" << std::endl;
        wait_for_end_of_input();
    }
    return 0;
}

#else

void wait_for_end_of_input()
{
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
}

std::vector<std::string> arguments(int argc, char** argv)
{
    return std::vector<std::string>(argv, argv + argc);
}

int fcntl_lock(const char* path, bool hold, bool inspect_it = false)
{
    const int fd = ::open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return 2;
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &request) != 0)
        return errno == EAGAIN || errno == EACCES ? 3 : 2;
    if (inspect_it)
        print_inspection("inspected", path);
    if (hold) {
        if (!inspect_it)
            std::cout << "locked" << std::endl;
        wait_for_end_of_input();
    }
    return 0;
}

/// A release that closes nothing, so that no inotify event announces it.
int fcntl_unlock_later(const char* path, int milliseconds)
{
    const int fd = ::open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return 2;
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &request) != 0)
        return errno == EAGAIN || errno == EACCES ? 3 : 2;
    std::cout << "locked" << std::endl;
    ::usleep(static_cast<useconds_t>(milliseconds) * 1000);
    request.l_type = F_UNLCK;
    if (::fcntl(fd, F_SETLK, &request) != 0)
        return 2;
    std::cout << "unlocked" << std::endl;
    wait_for_end_of_input();
    return 0;
}

bool is_proc_locks_or_mountinfo(const std::string& target)
{
    return target == "/proc/locks" || (target.rfind("/proc/", 0) == 0 && target.size() > 10 &&
                                       target.compare(target.size() - 10, 10, "/mountinfo") == 0);
}

#endif

} // namespace

int main(int argc, char** argv)
{
    // The tests read our stdout; the library's record must not land there.
    boost::log::core::get()->set_logging_enabled(false);
    const std::vector<std::string> args = arguments(argc, argv);
    if (args.size() < 3) {
        std::cerr << "usage: lock_holder MODE PATH [ARG]\n";
        return 2;
    }
    const std::string& mode = args[1];
    try {
        // Inside the try: a path that does not convert must fail with 2, not abort, whose
        // status on Windows is 3, the same as "busy".
        const std::filesystem::path path = std::filesystem::u8path(args[2]);
        if (mode == "hold") {
            exclusive_control::lock_options options;
            if (args.size() > 3)
                options.content_template = args[3];
            exclusive_control::lock_file lock(path, options);
            std::cout << "locked" << std::endl;
            wait_for_end_of_input();
            return 0;
        }
        if (mode == "try") {
            exclusive_control::lock_file lock(path);
            std::cout << "acquired" << std::endl;
            return 0;
        }
        if (mode == "try-inspect" && args.size() > 3) {
            try {
                exclusive_control::lock_file lock(path, {args[3]});
                std::cout << "acquired" << std::endl;
                return 0;
            } catch (const exclusive_control::lock_error& error) {
                std::cout << "busy " << error.holder() << std::endl;
            }
            print_inspection("inspect", path);
            return 3;
        }
        if (mode == "wait" && args.size() > 3) {
            exclusive_control::lock_file lock(path, std::chrono::milliseconds(std::stoi(args[3])));
            std::cout << "acquired" << std::endl;
            return 0;
        }
        if (mode == "wait-hold" && args.size() > 3) {
            exclusive_control::lock_file lock(path, std::chrono::milliseconds(std::stoi(args[3])));
            std::cout << "acquired" << std::endl;
            wait_for_end_of_input();
            return 0;
        }
#if defined(_WIN32)
        if (mode == "first-byte-hold" || mode == "first-byte-try")
            return first_byte_lock(path, mode == "first-byte-hold");
#else
        if (mode == "hold-exec") {
            exclusive_control::lock_file lock(path);
            pid_t child;
            char sleep_program[] = "sleep";
            char seconds[] = "60";
            char* child_argv[] = {sleep_program, seconds, nullptr};
            if (::posix_spawnp(&child, "sleep", nullptr, nullptr, child_argv, environ) != 0)
                return 2;
            std::cout << "locked " << child << std::endl;
            wait_for_end_of_input();
            return 0;
        }
        if (mode == "fcntl-hold" || mode == "fcntl-try")
            return fcntl_lock(path.c_str(), mode == "fcntl-hold");
        if (mode == "fcntl-hold-inspect")
            return fcntl_lock(path.c_str(), true, true);
        if (mode == "fcntl-unlock" && args.size() > 3)
            return fcntl_unlock_later(path.c_str(), std::stoi(args[3]));
        if (mode == "list-fds") {
            std::cout << test_support::descriptors_of_file(path) << std::endl;
            return 0;
        }
        if (mode == "list-proc-fds") {
            std::cout << test_support::descriptors_whose_target(is_proc_locks_or_mountinfo) << std::endl;
            return 0;
        }
#endif
    } catch (const exclusive_control::lock_timeout& error) {
        std::cout << "timeout " << error.holder() << std::endl;
        return 4;
    } catch (const exclusive_control::lock_error& error) {
        std::cout << "busy " << error.holder() << std::endl;
        return 3;
    } catch (const std::exception& error) {
        std::cerr << "lock_holder: " << error.what() << '\n';
        return 2;
    }
    std::cerr << "lock_holder: unknown mode " << mode << '\n';
    return 2;
}
