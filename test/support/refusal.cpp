// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "refusal.hpp"

#include "forked_child.hpp"
#include "text.hpp"
#include "tree_snapshot.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace test_support {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using exclusive_control::lock_file;
using exclusive_control::lock_options;

std::string error_text(int error)
{
    return std::generic_category().message(error);
}

outcome attempt(const std::function<std::string()>& body)
{
    outcome result;
    try {
        result.what = body();
    } catch (const fs::filesystem_error& error) {
        result.type = boost::core::demangle(typeid(error).name());
        result.what = error.what();
        result.code = error.code();
        result.path = error.path1().string();
    } catch (const exclusive_control::lock_error& error) {
        result.type = boost::core::demangle(typeid(error).name());
        result.what = error.what();
        result.path = error.path().string();
        result.holder = error.holder();
    } catch (const std::exception& error) {
        result.type = boost::core::demangle(typeid(error).name());
        result.what = error.what();
    }
    return result;
}

std::string returned(bool locked)
{
    return locked ? "returned true (locked)" : "returned false";
}

const std::vector<std::pair<std::string, entry>>& entry_points()
{
    static const std::vector<std::pair<std::string, entry>> all = {
        {"lock_file(path, options)",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, options);
             return returned(lock.owns_lock());
         }},
        {"lock_file(path, 100ms, options)",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, 100ms, options);
             return returned(lock.owns_lock());
         }},
        {"try_lock()",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, std::defer_lock, options);
             return returned(lock.try_lock());
         }},
        {"try_lock_for(100ms)",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, std::defer_lock, options);
             return returned(lock.try_lock_for(100ms));
         }},
    };
    return all;
}

void check_filesystem_error(const outcome& result, const fs::path& path, const std::vector<int>& errnos,
                            const std::string& phrase)
{
    BOOST_TEST(result.type == type_name<fs::filesystem_error>(),
               "expected filesystem_error, got " << result.type << ": " << result.what);
    if (result.type != type_name<fs::filesystem_error>())
        return;
    BOOST_TEST(result.path == path.string());
    BOOST_TEST((result.code.category() == std::generic_category()), result.code.category().name());
    BOOST_TEST(result.code.value() != 0);
    if (!errnos.empty())
        BOOST_TEST((std::find(errnos.begin(), errnos.end(), result.code.value()) != errnos.end()),
                   "errno " << result.code.value() << " (" << result.code.message() << "); what(): " << result.what);
    if (!path.empty())
        BOOST_TEST(contains(result.what, path.string()), "path missing from what(): " << result.what);
    BOOST_TEST(contains(result.what, result.code.message()), "reason missing from what(): " << result.what);
    if (!phrase.empty())
        BOOST_TEST(contains(result.what, phrase), "\"" << phrase << "\" missing from what(): " << result.what);
}

void expect_refused(const fs::path& path, const lock_options& options, const std::vector<int>& errnos,
                    const std::string& phrase, const fs::path& watched)
{
    for (const auto& [name, enter] : entry_points()) {
        BOOST_TEST_CONTEXT(name)
        {
            const tree_snapshot before = snapshot(watched);
            const outcome result = attempt([&, &enter = enter] { return enter(path, options); });
            check_filesystem_error(result, path, errnos, phrase);
            CHECK_UNCHANGED(before, snapshot(watched));
        }
    }
}

// ---- Attempts in a forked child -------------------------------------------------------------

fork_report run_in_fork_reporting(const std::function<int(std::string&)>& body)
{
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    int status;
    try {
        status = test_support::run_in_fork([&] {
            ::close(ends[0]);
            std::string report;
            const int code = body(report);
            // The parent reads only after we exit: stay well below a pipe's capacity.
            report.resize(std::min<std::size_t>(report.size(), 16 * 1024));
            for (std::size_t done = 0; done < report.size();) {
                const ssize_t n = ::write(ends[1], report.data() + done, report.size() - done);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                done += static_cast<std::size_t>(n);
            }
            return code;
        });
    } catch (const test_support::child_timeout& error) {
        ::close(ends[0]);
        ::close(ends[1]);
        return {killed_for_taking_too_long, std::string(error.what()) + " (blocked?)"};
    } catch (...) {
        ::close(ends[0]);
        ::close(ends[1]);
        throw;
    }
    ::close(ends[1]);
    std::string text;
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::read(ends[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(ends[0]);
    return {status, text};
}

int classify(const outcome& result, const fs::path& path, const std::vector<int>& errnos, std::string& report)
{
    report += result.type + ": " + result.what + "\n";
    if (result.type == nothing_thrown)
        return not_refused;
    if (result.type != type_name<fs::filesystem_error>())
        return refused_with_another_exception;
    if (!errnos.empty() && std::find(errnos.begin(), errnos.end(), result.code.value()) == errnos.end())
        return refused_with_another_errno;
    if (result.path != path.string() || !contains(result.what, path.string()) ||
        !contains(result.what, result.code.message()))
        return message_lacks_path_or_reason;
    return refused_as_expected;
}

int refused_everywhere(const fs::path& path, const std::vector<int>& errnos, std::string& report)
{
    int status = refused_as_expected;
    for (const auto& [name, enter] : entry_points()) {
        report += name + " -> ";
        const int this_one = classify(attempt([&, &enter = enter] { return enter(path, lock_options{}); }), path,
                                      errnos, report);
        if (status == refused_as_expected)
            status = this_one;
    }
    return status;
}

std::string drop_privileges()
{
    if (::geteuid() != 0)
        return {}; // permissions already apply to us
    if (::setgroups(0, nullptr) != 0)
        return "setgroups: " + error_text(errno);
    if (::setgid(nogroup) != 0)
        return "setgid(65534): " + error_text(errno);
    if (::setuid(nobody) != 0)
        return "setuid(65534): " + error_text(errno);
    return {};
}

std::string mount_read_only(const fs::path& source, const fs::path& mount_point)
{
    if (::unshare(CLONE_NEWNS) != 0)
        return "unshare(CLONE_NEWNS): " + error_text(errno);
    // Otherwise our mounts would propagate to the namespace we came from, where / is shared.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return "making / private: " + error_text(errno);
    if (::mount(source.c_str(), mount_point.c_str(), nullptr, MS_BIND, nullptr) != 0)
        return "bind mount: " + error_text(errno);
    if (::mount(nullptr, mount_point.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
        return "read-only remount: " + error_text(errno);
    return {};
}

} // namespace test_support
