// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "run_locked.hpp"

#include <exclusive_control/exclusive_control.hpp>

#include "detail/printable.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <system_error>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX leaves declaring it to us

namespace cli {

namespace {

/// Signals that another process (kill, timeout(1), a service manager) sends us to stop the
/// work: they are meant for the command, so we pass them on and hold the lock until it ends.
constexpr int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

/// The command's pid, for the signal handler; 0 until it runs.
std::atomic<pid_t> command_pid{0};
static_assert(std::atomic<pid_t>::is_always_lock_free, "read in a signal handler");

extern "C" void pass_on(int signal, siginfo_t* info, void*)
{
    // A terminal's signals (Ctrl-C) reach the whole foreground process group, the command
    // included: passing those on would deliver them twice. Only another process's are relayed.
    if (info->si_code != SI_USER && info->si_code != SI_QUEUE)
        return;
    const int saved_errno = errno;
    if (const pid_t pid = command_pid.load())
        ::kill(pid, signal);
    errno = saved_errno;
}

/// While it lives, the forwarded signals are passed on to the command, except those this
/// program was started with ignored (nohup): the command inherits their "ignore".
class passing_signals_on {
public:
    passing_signals_on()
    {
        struct sigaction relay {};
        relay.sa_sigaction = pass_on;
        // No SA_RESTART: waitpid() returns on a signal, so that a handler deferred to the
        // next library call (as ThreadSanitizer does) runs before we wait again.
        relay.sa_flags = SA_SIGINFO;
        ::sigemptyset(&relay.sa_mask);
        for (const int signal : forwarded_signals)
            ::sigaddset(&relay.sa_mask, signal);
        for (std::size_t i = 0; i < std::size(forwarded_signals); ++i) {
            ::sigaction(forwarded_signals[i], nullptr, &previous_[i]);
            if (previous_[i].sa_handler != SIG_IGN)
                ::sigaction(forwarded_signals[i], &relay, nullptr);
        }
    }
    ~passing_signals_on()
    {
        for (std::size_t i = 0; i < std::size(forwarded_signals); ++i)
            ::sigaction(forwarded_signals[i], &previous_[i], nullptr);
    }
    passing_signals_on(const passing_signals_on&) = delete;
    passing_signals_on& operator=(const passing_signals_on&) = delete;

private:
    struct sigaction previous_[std::size(forwarded_signals)];
};

/// Blocks the forwarded signals while it lives: until the command's pid is known, a signal
/// must wait rather than find no one to pass it on to.
class blocked_signals {
public:
    blocked_signals()
    {
        sigset_t blocked;
        ::sigemptyset(&blocked);
        for (const int signal : forwarded_signals)
            ::sigaddset(&blocked, signal);
        ::sigprocmask(SIG_BLOCK, &blocked, &previous_);
    }
    ~blocked_signals() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }
    blocked_signals(const blocked_signals&) = delete;
    blocked_signals& operator=(const blocked_signals&) = delete;

    const sigset_t& previous() const noexcept { return previous_; }

private:
    sigset_t previous_;
};

/// The file that a PATH search finds for `name`, as execvp searches: `name` itself if it has a
/// slash, otherwise the first executable regular file of that name in PATH (the system's default
/// search path if PATH is unset). Empty if there is none.
std::string found_in_path(const std::string& name)
{
    if (name.find('/') != std::string::npos)
        return name;
    std::string search;
    if (const char* path = std::getenv("PATH")) {
        search = path;
    } else {
        search.resize(::confstr(_CS_PATH, nullptr, 0));
        ::confstr(_CS_PATH, search.data(), search.size());
        search.resize(std::strlen(search.c_str()));
    }
    for (std::size_t begin = 0; begin <= search.size();) {
        const std::size_t end = std::min(search.find(':', begin), search.size());
        const std::string directory = search.substr(begin, end - begin);
        std::string candidate = (directory.empty() ? "." : directory) + "/" + name;
        struct stat status {};
        if (::stat(candidate.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        begin = end + 1;
    }
    return {};
}

/// Starts `program` (searched in PATH if `search`) with `args` and the signal mask we were given.
/// Returns: 0 and the child's pid, or the error that kept it from running.
int spawn(const std::string& program, bool search, const std::vector<std::string>& args, const sigset_t& mask,
          pid_t& child)
{
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& word : args)
        argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    ::posix_spawnattr_setsigmask(&attributes, &mask);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    // The lock's descriptors are close-on-exec, so the command does not inherit the lock.
    const int error = search ? ::posix_spawnp(&child, program.c_str(), nullptr, &attributes, argv.data(), environ)
                             : ::posix_spawn(&child, program.c_str(), nullptr, &attributes, argv.data(), environ);
    ::posix_spawnattr_destroy(&attributes);
    return error;
}

/// Starts the command, searching PATH as a shell would. An executable file the kernel cannot
/// run (a script without "#!") runs with /bin/sh, as execvp, and so flock(1), runs it; glibc's
/// posix_spawnp no longer does.
int spawn_command(const std::vector<std::string>& command, const sigset_t& mask, pid_t& child)
{
    const int error = spawn(command.front(), true, command, mask, child);
    if (error != ENOEXEC)
        return error;
    const std::string script = found_in_path(command.front());
    if (script.empty())
        return error;
    std::vector<std::string> shell_command{"/bin/sh", script};
    shell_command.insert(shell_command.end(), command.begin() + 1, command.end());
    return spawn(shell_command.front(), false, shell_command, mask, child);
}

/// Returns the command's exit status, or 128 + N if signal N ended it, as a shell reports it.
int wait_for(pid_t child)
{
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "waitpid");
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int run_while_holding(const std::vector<std::string>& command)
{
    // Inherited "ignore" for SIGCHLD would have the kernel reap the child and lose its status.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &default_action, nullptr);

    const passing_signals_on relay;
    pid_t child;
    {
        const blocked_signals until_started;
        if (const int error = spawn_command(command, until_started.previous(), child)) {
            std::cerr << "exclusive-control: cannot run " << command.front() << ": " << std::strerror(error) << '\n';
            return error == ENOENT ? not_found : cannot_execute;
        }
        command_pid = child;
    } // the signals that came meanwhile are passed on now
    return wait_for(child);
}

} // namespace

int run_locked(const run_arguments& arguments)
{
    exclusive_control::lock_options options;
    options.content_template = arguments.content_template;
    std::optional<exclusive_control::lock_file> lock;
    try {
        if (arguments.wait_seconds)
            lock.emplace(arguments.lock_path, std::chrono::duration<double>(*arguments.wait_seconds), options);
        else
            lock.emplace(arguments.lock_path, options);
    } catch (const exclusive_control::lock_timeout& busy) {
        std::cerr << "exclusive-control: " << busy.path().string() << " is still locked by "
                  << exclusive_control::detail::printable(busy.holder()) << " after " << *arguments.wait_seconds
                  << " s\n";
        return arguments.conflict_exit_code;
    } catch (const exclusive_control::lock_error& busy) {
        std::cerr << "exclusive-control: " << busy.path().string() << " is locked by "
                  << exclusive_control::detail::printable(busy.holder()) << '\n';
        return arguments.conflict_exit_code;
    }
    return run_while_holding(arguments.command);
}

} // namespace cli
