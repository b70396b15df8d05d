// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "run_locked.hpp"

#include <exclusive_control/exclusive_control.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <system_error>

extern char** environ;

namespace cli {

namespace {

/// Signals that another process (kill, timeout(1), a service manager) sends us to stop the
/// work: they are meant for the command, so we pass them on and hold the lock until it ends.
constexpr int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

/// Blocks the forwarded signals and SIGCHLD while it lives, so that sigwaitinfo() receives
/// them in order, without handlers running at arbitrary points.
class blocked_signals {
public:
    blocked_signals()
    {
        ::sigemptyset(&blocked_);
        for (const int signal : forwarded_signals)
            ::sigaddset(&blocked_, signal);
        ::sigaddset(&blocked_, SIGCHLD);
        ::sigprocmask(SIG_BLOCK, &blocked_, &previous_);
    }
    ~blocked_signals() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }
    blocked_signals(const blocked_signals&) = delete;
    blocked_signals& operator=(const blocked_signals&) = delete;

    const sigset_t& blocked() const noexcept { return blocked_; }
    const sigset_t& previous() const noexcept { return previous_; }

private:
    sigset_t blocked_;
    sigset_t previous_;
};

/// Starts the command with the signal mask we were given, searching PATH as a shell would.
/// Returns: 0 and the child's pid, or the error that kept it from running.
int spawn(const std::vector<std::string>& command, const sigset_t& mask, pid_t& child)
{
    std::vector<char*> argv;
    for (const std::string& word : command)
        argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    ::posix_spawnattr_setsigmask(&attributes, &mask);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    // The lock's descriptors are close-on-exec, so the command does not inherit the lock.
    const int error = ::posix_spawnp(&child, argv[0], nullptr, &attributes, argv.data(), environ);
    ::posix_spawnattr_destroy(&attributes);
    return error;
}

/// Waits for the child, passing on the signals sent to us. Returns its exit status, or
/// 128 + N if signal N ended it, as a shell reports it.
int wait_forwarding_signals(pid_t child, const sigset_t& waited)
{
    for (;;) {
        siginfo_t info;
        const int signal = ::sigwaitinfo(&waited, &info);
        if (signal < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "sigwaitinfo");
        }
        if (signal != SIGCHLD) {
            // A terminal's signals (Ctrl-C) reach the whole foreground process group, the
            // command included: passing those on would deliver them twice.
            if (info.si_code == SI_USER || info.si_code == SI_QUEUE)
                ::kill(child, signal);
            continue;
        }
        int status = 0;
        pid_t done;
        do
            done = ::waitpid(child, &status, WNOHANG);
        while (done < 0 && errno == EINTR);
        if (done < 0)
            throw std::system_error(errno, std::generic_category(), "waitpid");
        if (done == child && WIFEXITED(status))
            return WEXITSTATUS(status);
        if (done == child && WIFSIGNALED(status))
            return 128 + WTERMSIG(status);
    }
}

int run_while_holding(const std::vector<std::string>& command)
{
    // Inherited "ignore" for SIGCHLD would have the kernel reap the child and lose its status.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &default_action, nullptr);

    const blocked_signals signals;
    pid_t child;
    if (const int error = spawn(command, signals.previous(), child)) {
        std::cerr << "exclusive-control: cannot run " << command.front() << ": " << std::strerror(error) << '\n';
        return error == ENOENT ? not_found : cannot_execute;
    }
    return wait_forwarding_signals(child, signals.blocked());
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
        std::cerr << "exclusive-control: " << busy.path().string() << " is still locked by " << busy.holder()
                  << " after " << *arguments.wait_seconds << " s\n";
        return arguments.conflict_exit_code;
    } catch (const exclusive_control::lock_error& busy) {
        std::cerr << "exclusive-control: " << busy.path().string() << " is locked by " << busy.holder() << '\n';
        return arguments.conflict_exit_code;
    }
    return run_while_holding(arguments.command);
}

} // namespace cli
