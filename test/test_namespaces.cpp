// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
// Hazards 8 and 12: containers. Every container's first process is pid 1, and a /proc of one
// pid namespace hides the locks of the others. Each "container" here is a process in its own
// pid and UTS namespaces (unshare(1)), sharing the test's directory; this needs root.
#define BOOST_TEST_MODULE namespaces
#include <boost/test/unit_test.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <string>
#include <vector>

namespace utf = boost::unit_test;
using test_support::child_process;
using test_support::temp_dir;

namespace {

const std::filesystem::path unshare_program = "/usr/bin/unshare";

boost::test_tools::assertion_result namespaces_can_be_made(utf::test_unit_id)
{
    boost::test_tools::assertion_result result(
        std::system("/usr/bin/unshare --pid --fork --mount-proc --uts true >/dev/null 2>&1") == 0);
    result.message() << "cannot make pid and UTS namespaces here (unshare(1) needs root)";
    return result;
}

/// A shell script run as pid 1 of a new pid namespace with its own /proc and host name `host`;
/// the script sees `arguments` as "$1"...
std::vector<std::string> in_container(const std::string& host, const std::string& script,
                                      const std::vector<std::string>& arguments)
{
    std::vector<std::string> command{
        "--pid", "--fork", "--mount-proc", "--uts", "/bin/sh", "-c", "hostname " + host + " && " + script, "container"};
    command.insert(command.end(), arguments.begin(), arguments.end());
    return command;
}

/// Checks what a second container sees of the lock, held by pid 1 of ctr-a: its own attempt's
/// holder, inspect()'s answer and the command's.
void check_seen_from_another_container(const std::filesystem::path& path)
{
    child_process seer(unshare_program,
                       in_container("ctr-b", "\"$2\" try-inspect \"$1\" '{pid};{hostname}'; \"$3\" status \"$1\"",
                                    {path.string(), test_support::lock_holder().string(),
                                     test_support::helper_program("exclusive-control").string()}));
    BOOST_TEST(seer.read_line() == "busy 1;ctr-a");
    BOOST_TEST(seer.read_line() == "inspect locked 1;ctr-a");
    BOOST_TEST(seer.read_line() == "locked by 1;ctr-a");
    BOOST_TEST(seer.wait() == 0); // the status command's: locked
}

} // namespace

BOOST_AUTO_TEST_CASE(a_lock_file_holder_in_another_container_is_named_by_its_pid_and_host,
                     *utf::precondition(namespaces_can_be_made))
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(unshare_program, in_container("ctr-a", "exec \"$2\" hold \"$1\" '{pid};{hostname}'",
                                                       {path.string(), test_support::lock_holder().string()}));
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    check_seen_from_another_container(path);
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
}

// A flock-only holder (flock(1), zc.lockfile) is invisible in the other container's /proc/locks,
// and F_GETLK does not see the flock family: inspect() must still not say "unlocked" while an
// acquisition would fail.
BOOST_AUTO_TEST_CASE(a_flock_holder_in_another_container_is_seen_as_locked, *utf::precondition(namespaces_can_be_made))
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process holder(unshare_program, in_container("ctr-a",
                                                       "printf ' %s;%s\\n' $$ \"$(hostname)\" > \"$1\" && "
                                                       "exec flock \"$1\" sh -c 'echo locked; exec cat'",
                                                       {path.string()}));
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    check_seen_from_another_container(path);
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
}

// Hazard 12's other half: in a pid namespace that still uses its parent's /proc (`unshare
// --pid --fork` without --mount-proc), getpid() is 1 while /proc/locks names this process by
// its pid outside. inspect() must still recognise the process's own fcntl lock, and keep it.
// Recognised, it reads nothing of the file (a descriptor it opened could drop the lock on
// closing), so the record in the file shows only if inspect() took the lock for another's.
BOOST_AUTO_TEST_CASE(inspect_keeps_this_processs_fcntl_lock_in_a_pid_namespace_using_the_parents_proc,
                     *utf::precondition(namespaces_can_be_made))
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::write_file(path, " 4242\n");
    child_process holder(unshare_program, {"--pid", "--fork", test_support::lock_holder().string(),
                                           "fcntl-hold-inspect", path.string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "inspected locked UNKNOWN");
    BOOST_TEST(!test_support::fcntl_peer_can_lock(path));
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
}
