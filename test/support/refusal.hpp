// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Asking for a lock in every way and checking that it is refused as it should be: with the
// exact exception type and a message that names the path and the reason. Some attempts must run
// in a forked child (one that may block, or that drops privileges or mounts): those report
// through the child's exit status. POSIX.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_REFUSAL_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_REFUSAL_HPP

#include <exclusive_control/exclusive_control.hpp>

#include <boost/core/demangle.hpp>

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

namespace test_support {

/// The operating system's words for an errno value.
std::string error_text(int error);

/// The name of type `T` as an `outcome` gives it.
template <class T>
std::string type_name()
{
    return boost::core::demangle(typeid(T).name());
}

// ---- What an attempt ended with -------------------------------------------------------------

const std::string nothing_thrown = "nothing thrown";

struct outcome {
    std::string type = nothing_thrown; // the exception's exact dynamic type
    std::string what;                  // its what(), or what the call returned
    std::error_code code;              // filesystem_error only
    std::string path;                  // filesystem_error::path1() or lock_error::path()
    std::string holder;                // lock_error only
};

/// Runs `body` and says what it returned, or what it threw.
outcome attempt(const std::function<std::string()>& body);

/// A way to ask for the lock on a path; it returns what `returned` says.
using entry = std::function<std::string(const std::filesystem::path&, const exclusive_control::lock_options&)>;

/// What a call that returned `locked` says in an `outcome`.
std::string returned(bool locked);

/// Every way to ask for the lock, except `lock()`: it waits without bound on contention, so an
/// error mistaken for contention would hang the suite. `try_lock()` and `try_lock_for()` run the
/// same code with a bounded wait; an error mistaken for contention shows as `false` there, and
/// as `lock_timeout` from the timeout constructor.
const std::vector<std::pair<std::string, entry>>& entry_points();

/// Checks that `result` is exactly a `filesystem_error` for `path` whose code is one of
/// `errnos` (any error if empty), and whose message names the path, the OS's reason for the
/// code, and, if given, the library's own `phrase` (such as "a FIFO").
void check_filesystem_error(const outcome& result, const std::filesystem::path& path, const std::vector<int>& errnos,
                            const std::string& phrase);

/// Every entry point on `path` is refused as `check_filesystem_error` says, and each attempt
/// leaves everything under `watched` as it was.
void expect_refused(const std::filesystem::path& path, const exclusive_control::lock_options& options,
                    const std::vector<int>& errnos, const std::string& phrase, const std::filesystem::path& watched);

// ---- Attempts in a forked child -------------------------------------------------------------

// Exit statuses of a forked child that makes an attempt; run_in_fork adds 98 (exception
// escaped) and 128 + signal.
enum child_status : int {
    refused_as_expected = 0,
    refused_with_another_errno = 1,
    message_lacks_path_or_reason = 2,
    not_refused = 3,
    refused_with_another_exception = 4,
    could_not_set_up = 10,
    killed_for_taking_too_long = 124, // given by run_in_fork_reporting, not by the child
};

struct fork_report {
    int status;
    std::string text;
};

/// Runs `body` in a forked child, bounded by test_support::patience, and returns its exit
/// status with the text it left in its argument, so that a failure shows what the library said.
/// A child that does not finish in time is killed and reported as killed_for_taking_too_long.
fork_report run_in_fork_reporting(const std::function<int(std::string&)>& body);

/// In a child: the exit status that says how `result` compares with a `filesystem_error` for
/// `path` with one of `errnos` (any if empty) whose message names the path and the reason.
int classify(const outcome& result, const std::filesystem::path& path, const std::vector<int>& errnos,
             std::string& report);

/// In a child: tries every entry point; the first status other than refused_as_expected, if any.
int refused_everywhere(const std::filesystem::path& path, const std::vector<int>& errnos, std::string& report);

// ---- Privileges and mounts ------------------------------------------------------------------

constexpr uid_t nobody = 65534;
constexpr gid_t nogroup = 65534;

/// In a forked child: become `nobody` if we are root, so that permissions apply. Returns an
/// empty string, or why not.
std::string drop_privileges();

/// In a forked child: a private mount namespace in which `mount_point` shows `source`
/// read-only. Returns an empty string, or why that is not possible here.
std::string mount_read_only(const std::filesystem::path& source, const std::filesystem::path& mount_point);

} // namespace test_support

#endif
