// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The exclusive-control command, end to end: the real binary, real processes, real signals.
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

#include <boost/asio/ip/host_name.hpp>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace ec = exclusive_control;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::contains;
using test_support::temp_dir;

namespace {

/// The binary under test, passed on the test's command line after the helper.
fs::path tool()
{
    return test_support::helper_program("exclusive-control");
}

struct outcome {
    int status;
    std::string output; // standard output and error
};

outcome run_tool(const std::vector<std::string>& args)
{
    child_process process(tool(), args, child_process::error_stream::with_output);
    process.close_stdin();
    std::string output = process.read_to_end();
    return {process.wait(), output};
}

/// `exclusive-control run PATH -- COMMAND` whose command says "running" and then lasts until
/// its standard input ends.
class running_tool {
public:
    explicit running_tool(const fs::path& path, std::vector<std::string> options = {})
        : process_(tool(), arguments(path, std::move(options)))
    {
        BOOST_TEST_REQUIRE(process_.read_line() == "running");
    }
    pid_t pid() const { return process_.pid(); }
    /// Ends the command; returns the tool's exit status.
    int finish()
    {
        process_.close_stdin();
        return process_.wait();
    }

private:
    static std::vector<std::string> arguments(const fs::path& path, std::vector<std::string> options)
    {
        std::vector<std::string> args{"run"};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), {path.string(), "--", "sh", "-c", "echo running; exec cat >/dev/null"});
        return args;
    }

    child_process process_;
};

/// The command the tool runs, by the pid it printed. Killed at the end of the test, so that a
/// failure leaves nothing running that holds our output pipe open.
class command_process {
public:
    explicit command_process(const std::string& printed_pid) : pid_(std::stoi(printed_pid)) {}
    ~command_process()
    {
        if (alive())
            ::kill(pid_, SIGKILL);
    }
    command_process(const command_process&) = delete;
    command_process& operator=(const command_process&) = delete;
    bool alive() const { return ::kill(pid_, 0) == 0 || errno != ESRCH; }

private:
    pid_t pid_;
};

std::size_t lines_in(const std::string& text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

BOOST_AUTO_TEST_CASE(run_holds_the_lock_while_its_command_runs)
{
    temp_dir dir;
    const auto path = dir / "lock";
    running_tool holder(path);
    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == std::to_string(holder.pid()) + ";" + boost::asio::ip::host_name());
    BOOST_TEST(test_support::no_peer_can_lock(path));
    BOOST_TEST(holder.finish() == 0);
    BOOST_TEST(!ec::inspect(path).locked);
    BOOST_TEST(fs::exists(path));
}

BOOST_AUTO_TEST_CASE(run_writes_the_template_it_is_given)
{
    temp_dir dir;
    const auto path = dir / "lock";
    running_tool holder(path, {"-c", "nightly backup, {{pid}} {pid}"});
    BOOST_TEST(ec::inspect(path).holder == "nightly backup, {pid} " + std::to_string(holder.pid()));
    BOOST_TEST(holder.finish() == 0);
}

BOOST_AUTO_TEST_CASE(a_second_run_fails_at_once_naming_the_file_and_the_holder)
{
    temp_dir dir;
    const auto path = dir / "lock";
    running_tool holder(path, {"-c", "first {pid}"});
    const std::string holder_record = "first " + std::to_string(holder.pid());

    const auto start = std::chrono::steady_clock::now();
    const outcome second = run_tool({"run", path.string(), "--", "echo", "the command ran"});
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    BOOST_TEST(second.status == 1);
    BOOST_TEST(lines_in(second.output) == 1u);
    BOOST_TEST(contains(second.output, path.string()));
    BOOST_TEST(contains(second.output, holder_record));
    BOOST_TEST(!contains(second.output, "the command ran"));

    BOOST_TEST(run_tool({"run", "-E", "75", path.string(), "--", "true"}).status == 75);
    BOOST_TEST(holder.finish() == 0);
}

BOOST_AUTO_TEST_CASE(run_with_a_wait_takes_the_lock_once_it_is_released)
{
    temp_dir dir;
    const auto path = dir / "lock";
    running_tool holder(path);
    const auto start = std::chrono::steady_clock::now();
    child_process waiter(tool(), {"run", "-w", "10", path.string(), "--", "echo", "got it"});
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(holder.finish() == 0);
    BOOST_TEST(waiter.read_line() == "got it");
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 300ms));
    BOOST_TEST(waiter.wait() == 0);
}

BOOST_AUTO_TEST_CASE(run_with_a_wait_gives_up_after_it)
{
    temp_dir dir;
    const auto path = dir / "lock";
    running_tool holder(path);
    const auto start = std::chrono::steady_clock::now();
    const outcome waiter = run_tool({"run", "-w", "0.3", "-E", "9", path.string(), "--", "true"});
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 300ms));
    BOOST_TEST(waiter.status == 9);
    BOOST_TEST(lines_in(waiter.output) == 1u);
    BOOST_TEST(contains(waiter.output, std::to_string(holder.pid())));
    BOOST_TEST(contains(waiter.output, path.string()));
    BOOST_TEST(holder.finish() == 0);
}

BOOST_AUTO_TEST_CASE(status_says_who_holds_it_and_who_held_it_last)
{
    temp_dir dir;
    const auto path = dir / "lock";
    BOOST_TEST(run_tool({"status", path.string()}).output == "unlocked\n");
    BOOST_TEST(run_tool({"status", path.string()}).status == 1);

    running_tool holder(path, {"-c", "job {pid}"});
    const std::string record = "job " + std::to_string(holder.pid());
    const outcome locked = run_tool({"status", path.string()});
    BOOST_TEST(locked.status == 0);
    BOOST_TEST(locked.output == "locked by " + record + "\n");
    BOOST_TEST(holder.finish() == 0);

    const outcome unlocked = run_tool({"status", path.string()});
    BOOST_TEST(unlocked.status == 1);
    BOOST_TEST(unlocked.output == "unlocked (last held by " + record + ")\n");
}

BOOST_AUTO_TEST_CASE(status_sees_a_flock_peer)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process peer("/usr/bin/flock", {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(peer.read_line() == "locked");
    const outcome status = run_tool({"status", path.string()});
    BOOST_TEST(status.status == 0);
    BOOST_TEST(status.output == "locked by UNKNOWN\n");
    peer.close_stdin();
    BOOST_TEST(peer.wait() == 0);
}

// A lock file's content is anybody's to write: printed raw, an escape sequence in it would
// drive the user's terminal.
BOOST_AUTO_TEST_CASE(a_holder_that_wrote_control_bytes_is_shown_escaped)
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::write_file(path, " job\x1b]0;owned\x07\n");
    child_process peer("/usr/bin/flock", {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(peer.read_line() == "locked");
    const std::string shown = "job\\x1b]0;owned\\x07";

    BOOST_TEST(run_tool({"status", path.string()}).output == "locked by " + shown + "\n");
    const outcome run = run_tool({"run", path.string(), "--", "true"});
    BOOST_TEST(run.status == 1);
    BOOST_TEST(contains(run.output, "is locked by " + shown + "\n"), run.output);
    const outcome waited = run_tool({"run", "--wait", "0.05", path.string(), "--", "true"});
    BOOST_TEST(waited.status == 1);
    BOOST_TEST(contains(waited.output, "is still locked by " + shown + " after"), waited.output);
    BOOST_TEST(waited.output.find('\x1b') == std::string::npos, waited.output);

    peer.close_stdin();
    BOOST_TEST(peer.wait() == 0);
    BOOST_TEST(run_tool({"status", path.string()}).output == "unlocked (last held by " + shown + ")\n");
}

BOOST_AUTO_TEST_CASE(status_errors_exit_2_with_a_message)
{
    temp_dir dir;
    const outcome directory = run_tool({"status", dir.path().string()});
    BOOST_TEST(directory.status == 2);
    BOOST_TEST(contains(directory.output, dir.path().string()));
    BOOST_TEST(run_tool({"status"}).status == 2);
    BOOST_TEST(run_tool({"status", "a", "b"}).status == 2);
    BOOST_TEST(run_tool({"status", "--bogus", "a"}).status == 2);
}

BOOST_AUTO_TEST_CASE(the_commands_exit_status_passes_through)
{
    temp_dir dir;
    const auto path = dir / "lock";
    BOOST_TEST(run_tool({"run", path.string(), "--", "sh", "-c", "exit 7"}).status == 7);
    BOOST_TEST(run_tool({"run", path.string(), "--", "true"}).status == 0);
    BOOST_TEST(run_tool({"run", path.string(), "--", "sh", "-c", "kill -KILL $$"}).status == 128 + SIGKILL);
    // Options after -- are the command's.
    BOOST_TEST(run_tool({"run", path.string(), "--", "sh", "-c", "echo $0 $1", "-w", "--help"}).output ==
               "-w --help\n");
}

BOOST_AUTO_TEST_CASE(a_command_that_cannot_run_exits_126_or_127)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const outcome missing = run_tool({"run", path.string(), "--", "no-such-command-here"});
    BOOST_TEST(missing.status == 127);
    BOOST_TEST(contains(missing.output, "no-such-command-here"));
    test_support::write_file(dir / "not-executable", "#!/bin/sh\n");
    BOOST_TEST(run_tool({"run", path.string(), "--", (dir / "not-executable").string()}).status == 126);
    BOOST_TEST(!ec::inspect(path).locked);
}

// glibc's posix_spawnp fails with ENOEXEC on such a file; execvp, and so flock(1), runs it with /bin/sh.
BOOST_AUTO_TEST_CASE(a_script_without_a_shebang_runs_with_bin_sh_as_flock_runs_it)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const auto script = dir / "script";
    test_support::write_file(script, "flock -n \"$1\" true || echo \"$0 ran holding the lock\"\n");
    fs::permissions(script, fs::perms::owner_all);
    const outcome by_path = run_tool({"run", path.string(), "--", script.string(), path.string()});
    BOOST_TEST(by_path.status == 0);
    BOOST_TEST(by_path.output == script.string() + " ran holding the lock\n");
    // Found in PATH, the shell gets the file that the search found, as execvp gives it.
    child_process searched("/usr/bin/env",
                           {"PATH=" + dir.path().string() + ":/usr/bin:/bin", tool().string(), "run", path.string(),
                            "--", "script", path.string()},
                           child_process::error_stream::with_output);
    searched.close_stdin();
    BOOST_TEST(searched.read_to_end() == script.string() + " ran holding the lock\n");
    BOOST_TEST(searched.wait() == 0);
    BOOST_TEST(!ec::inspect(path).locked);
}

// Hazard 4: a command that inherited the lock's descriptors would keep the lock (the flock
// half) after the tool ended, or drop it (the fcntl half) by closing them.
BOOST_AUTO_TEST_CASE(the_command_does_not_inherit_the_lock)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const outcome listed = run_tool(
        {"run", path.string(), "--", test_support::lock_holder().string(), "list-fds", path.string()});
    BOOST_TEST(listed.status == 0);
    BOOST_TEST(listed.output == "0\n");
}

BOOST_AUTO_TEST_CASE(a_signal_sent_to_the_tool_reaches_the_command)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process running(tool(), {"run", path.string(), "--", "sh", "-c", "echo $$; exec sleep 30"});
    const command_process command(running.read_line());
    ::kill(running.pid(), SIGTERM);
    BOOST_TEST(running.wait() == 128 + SIGTERM);
    BOOST_TEST(!command.alive()); // ended, and reaped by the tool
    BOOST_TEST(!ec::inspect(path).locked);
}

// The lock must outlive the signal: it is released when the command ends, not before.
BOOST_AUTO_TEST_CASE(the_lock_is_held_until_a_signalled_command_ends)
{
    temp_dir dir;
    const auto path = dir / "lock";
    child_process running(tool(), {"run", path.string(), "--", "sh", "-c",
                                   "trap 'echo stopping; exec cat >/dev/null' TERM; echo $$; "
                                   "i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done"});
    const command_process command(running.read_line());
    ::kill(running.pid(), SIGTERM);
    BOOST_TEST_REQUIRE(running.read_line() == "stopping");
    BOOST_TEST(ec::inspect(path).locked);
    running.close_stdin();
    BOOST_TEST(running.wait() == 0);
    BOOST_TEST(!ec::inspect(path).locked);
}

BOOST_AUTO_TEST_CASE(usage_errors_of_run_exit_125_and_touch_nothing)
{
    temp_dir dir;
    const auto path = (dir / "lock").string();
    for (const std::vector<std::string>& args : {std::vector<std::string>{"run", path, "true"},
                                                 {"run", path, "--"},
                                                 {"run", "--", "true"},
                                                 {"run", "-w", "soon", path, "--", "true"},
                                                 {"run", "-w", "-1", path, "--", "true"},
                                                 {"run", "-E", "256", path, "--", "true"},
                                                 {"run", "-c", "{user}", path, "--", "true"},
                                                 {"run", "--bogus", path, "--", "true"}}) {
        const outcome refused = run_tool(args);
        BOOST_TEST(refused.status == 125);
        BOOST_TEST(!refused.output.empty());
    }
    BOOST_TEST(!fs::exists(dir / "lock"));
    BOOST_TEST(contains(run_tool({"run", "-c", "{user}", path, "--", "true"}).output, "{user}"));
}

BOOST_AUTO_TEST_CASE(help_and_version)
{
    const outcome help = run_tool({"--help"});
    BOOST_TEST(help.status == 0);
    BOOST_TEST(contains(help.output, "run [OPTIONS] LOCKFILE -- COMMAND"));
    BOOST_TEST(contains(run_tool({"run", "--help"}).output, "--conflict-exit-code"));
    BOOST_TEST(run_tool({"status", "--help"}).status == 0);
    const outcome version = run_tool({"--version"});
    BOOST_TEST(version.status == 0);
    BOOST_TEST(version.output == "exclusive-control " + std::to_string(EXCLUSIVE_CONTROL_VERSION_MAJOR) + "." +
                                     std::to_string(EXCLUSIVE_CONTROL_VERSION_MINOR) + "." +
                                     std::to_string(EXCLUSIVE_CONTROL_VERSION_PATCH) + "\n");
    BOOST_TEST(run_tool({}).status == 2);
    BOOST_TEST(run_tool({"lock"}).status == 2);
}
