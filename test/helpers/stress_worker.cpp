// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// A participant in the stress and chaos tests (test_stress.cpp, test_chaos.cpp): it takes the
// lock on DIR/lock over and over and, each time, runs a critical section that proves, without
// trusting the lock under test, that nobody else was inside at the same time.
//
//   stress_worker lib DIR TOKEN THREADS ITERATIONS SEED PADDING FORKS
//       lock_file, each thread mixing the constructor, the timed constructor, try_lock_for and
//       std::unique_lock; the content is "{pid}:" then PADDING x's. FORKS=1 (THREADS=1 only):
//       after some acquisitions, fork a child that exits, execs or destroys its copy.
//   stress_worker fcntl DIR TOKEN ITERATIONS SEED
//       a plain fcntl(F_SETLK) peer, as lockf() or boost::interprocess::file_lock users are.
//   stress_worker critical DIR TOKEN
//       the critical section once, taking no lock: flock(1) runs it while holding its lock.
//
// Files in DIR, all written by participants, read by the test (FAMILY is flock or fcntl, the
// lock families; see critical_section):
//   counter.FAMILY    a decimal number; each critical section adds one (read, pause, rename)
//   inside.FAMILY     the marker: the token of whoever is in the critical section
//   alive.TOKEN       flock()ed by the participant as long as it lives
//   journal.TOKEN     one line per event, "E <ns> DETAIL": A got the lock, D counted a section
//                     in counter.DETAIL, S cleared a stale marker, F forked a child; the time is
//                     CLOCK_MONOTONIC, comparable across processes
//   phase.TOKEN       an int, mapped shared: what the participant is doing now (enum phase),
//                     so that the chaos test can kill it at a chosen point
//   violations        one line per overlap or malformed content seen; absent if none
// Prints "done SECTIONS STALE_MARKERS TIMEOUTS FORKS LONGEST_WAIT_MS" at the end (TIMEOUTS:
// waits of 200 ms that ran out and were tried again) and exits 0; 1 if it saw a violation, 2 on
// a usage or I/O error. Every wait is bounded: waiting for the lock by
// EXCLUSIVE_CONTROL_STRESS_WAIT_SECONDS (default 60; the lock is not fair, so with many
// contenders one of them can wait long), anything else by `patience`.
// Hazard numbers refer to doc/design.adoc.
#include <exclusive_control/exclusive_control.hpp>

#include "../support/forked_child.hpp"
#include "../support/this_process.hpp"

#include <boost/log/core.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

namespace ec = exclusive_control;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::patience; // the bound on every wait but the wait for the lock

/// How long one acquisition may wait before it counts as a violation.
std::chrono::seconds lock_wait_bound()
{
    const char* text = std::getenv("EXCLUSIVE_CONTROL_STRESS_WAIT_SECONDS");
    return std::chrono::seconds(text && *text ? std::stol(text) : 60);
}

/// What the participant is doing, published through phase.TOKEN (values shared with test_chaos).
enum phase : int { outside = 0, acquiring = 1, holding = 2, forked_child = 3 };

[[noreturn]] void fail_io(const std::string& what, const fs::path& path)
{
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

int open_or_fail(const fs::path& path, int flags, mode_t mode = 0644)
{
    int fd;
    do
        fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        fail_io("open", path);
    return fd;
}

void write_all(int fd, const std::string& text, const fs::path& path)
{
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_io("write", path);
        done += std::size_t(n);
    }
}

/// Reads the whole file into `text`; false if it does not exist.
bool read_whole(const fs::path& path, std::string& text)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return false;
        fail_io("open", path);
    }
    text.clear();
    char chunk[512];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ::close(fd);
            fail_io("read", path);
        }
        if (n == 0)
            break;
        text.append(chunk, std::size_t(n));
    }
    ::close(fd);
    return true;
}

/// Everything a participant process shares between its threads.
class participant {
public:
    participant(fs::path dir, std::string token)
        : dir_(std::move(dir)), token_(std::move(token)),
          alive_fd_(open_or_fail(dir_ / ("alive." + token_), O_RDWR | O_CREAT)),
          journal_fd_(open_or_fail(dir_ / ("journal." + token_), O_WRONLY | O_CREAT | O_APPEND))
    {
        if (::flock(alive_fd_, LOCK_EX | LOCK_NB) != 0)
            fail_io("flock", dir_ / ("alive." + token_));
        const int phase_fd = open_or_fail(dir_ / ("phase." + token_), O_RDWR | O_CREAT);
        if (::ftruncate(phase_fd, sizeof(int)) != 0)
            fail_io("ftruncate", dir_ / ("phase." + token_));
        void* mapped = ::mmap(nullptr, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED, phase_fd, 0);
        ::close(phase_fd);
        if (mapped == MAP_FAILED)
            fail_io("mmap", dir_ / ("phase." + token_));
        phase_ = static_cast<std::atomic<int>*>(mapped);
        set_phase(outside);
    }

    const fs::path& dir() const { return dir_; }
    fs::path lock_path() const { return dir_ / "lock"; }
    const std::string& token() const { return token_; }
    int alive_fd() const { return alive_fd_; }

    void set_phase(phase now) { phase_->store(now); }

    void journal(char event, const std::string& detail = "-")
    {
        write_all(journal_fd_,
                  std::string(1, event) + ' ' + std::to_string(test_support::monotonic_ns()) + ' ' + detail + '\n',
                  dir_ / ("journal." + token_));
    }

    void violation(const std::string& what)
    {
        violations_ = true;
        const int fd = open_or_fail(dir_ / "violations", O_WRONLY | O_CREAT | O_APPEND);
        write_all(fd, token_ + ": " + what + '\n', dir_ / "violations");
        ::close(fd);
    }

    bool saw_violation() const { return violations_; }

    std::atomic<long> sections{0};
    std::atomic<long> stale_markers{0};
    std::atomic<long> timeouts{0};
    std::atomic<long> forks{0};
    std::atomic<long> longest_wait_ms{0};

    void waited(std::chrono::steady_clock::duration wait)
    {
        const long ms = long(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
        long longest = longest_wait_ms.load();
        while (ms > longest && !longest_wait_ms.compare_exchange_weak(longest, ms)) {
        }
    }

private:
    fs::path dir_;
    std::string token_;
    int alive_fd_;
    int journal_fd_;
    std::atomic<int>* phase_ = nullptr;
    std::atomic<bool> violations_{false};
};

/// Whether the participant that wrote `owner` (a marker's content: "TOKEN" or "TOKEN.THREAD")
/// still lives, judged by its alive.TOKEN flock: the kernel drops it when that process dies,
/// before it is reaped, and tokens are never reused (pids are).
bool owner_lives(const participant& self, const std::string& owner)
{
    const std::string process_token = owner.substr(0, owner.find('.'));
    if (process_token == self.token())
        return true; // our own process, and its threads do not die on their own
    const fs::path alive = self.dir() / ("alive." + process_token);
    const int fd = ::open(alive.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}

/// The lock families a participant's lock excludes. On Linux a flock(1) peer and a plain
/// fcntl peer do not exclude each other (hazard 3); lock_file excludes both.
enum family : unsigned { flock_family = 1, fcntl_family = 2, both_families = 3 };

/// The proof of exclusion, independent of the lock under test, kept once per lock family:
/// DIR/inside.flock and DIR/inside.fcntl name who is inside, and DIR/counter.flock and
/// DIR/counter.fcntl count the sections. A participant enters the markers of the families its
/// lock excludes, and adds one to their counters.
///
/// Entering hard-links a file naming us to the marker: link() fails atomically if the marker
/// exists, and the marker is complete the moment it appears. Two participants inside at once
/// therefore always meet: the second finds the first's marker, or the first finds its marker
/// gone or replaced when it leaves.
///
/// A participant SIGKILLed inside leaves its marker behind, so a marker found on entry is an
/// overlap only if its owner still lives. A dying owner's descriptors close one by one, so the
/// lock may be free a moment before its alive.TOKEN flock is: while the owner seems alive we
/// look again, up to `patience`. A dead owner cannot remove its marker, and only a holder may
/// touch it, so a marker that vanishes or changes while we wait means a live participant was
/// inside with us: an overlap. So is an owner that stays alive with its marker there all along.
class critical_section {
public:
    critical_section(participant& self, std::string thread_token, family families)
        : self_(self), me_(std::move(thread_token))
    {
        if (families & flock_family)
            families_.push_back("flock");
        if (families & fcntl_family)
            families_.push_back("fcntl");
        for (const std::string& name : families_)
            enter(self_.dir() / ("inside." + name));
    }

    /// Adds one to each counter the way an unprotected program would lose updates: read,
    /// pause, write. The rename makes each write whole, so that a participant killed half-way
    /// leaves the old or the new number, never a torn one.
    void increment_counters(std::mt19937& random)
    {
        for (const std::string& name : families_) {
            const fs::path counter = self_.dir() / ("counter." + name);
            std::string text;
            if (!read_whole(counter, text))
                fail_io("read", counter);
            long value = 0;
            try {
                std::size_t used = 0;
                value = std::stol(text, &used);
                if (text.substr(used) != "\n")
                    throw std::invalid_argument("trailing bytes");
            } catch (const std::exception&) {
                self_.violation("malformed counter \"" + text + "\"");
            }
            // A pause between read and write: without exclusion, another participant's update
            // would land in it and be lost, and its marker would meet ours.
            const unsigned pause = random() % 4;
            if (pause == 0)
                std::this_thread::yield();
            else if (pause == 1)
                std::this_thread::sleep_for(std::chrono::microseconds(random() % 500));
            const fs::path draft = self_.dir() / ("draft.counter." + name + "." + me_);
            const int fd = open_or_fail(draft, O_WRONLY | O_CREAT | O_TRUNC);
            write_all(fd, std::to_string(value + 1) + "\n", draft);
            ::close(fd);
            if (::rename(draft.c_str(), counter.c_str()) != 0)
                fail_io("rename", counter);
            self_.journal('D', name);
        }
        ++self_.sections;
    }

    ~critical_section()
    {
        for (auto name = families_.rbegin(); name != families_.rend(); ++name) {
            const fs::path marker = self_.dir() / ("inside." + *name);
            try {
                std::string owner;
                if (!read_whole(marker, owner))
                    self_.violation("the " + marker.filename().string() + " marker of " + me_ +
                                    " vanished while it was inside");
                else if (owner != me_)
                    self_.violation("the " + marker.filename().string() + " marker of " + me_ + " was replaced by " +
                                    owner + " while it was inside");
                else if (::unlink(marker.c_str()) != 0)
                    fail_io("unlink", marker);
            } catch (const std::exception& error) {
                self_.violation(std::string("leaving the critical section: ") + error.what());
            }
        }
    }

    critical_section(const critical_section&) = delete;
    critical_section& operator=(const critical_section&) = delete;

private:
    void enter(const fs::path& marker)
    {
        const fs::path draft = self_.dir() / ("draft." + marker.filename().string() + "." + me_);
        {
            const int fd = open_or_fail(draft, O_WRONLY | O_CREAT | O_TRUNC);
            write_all(fd, me_, draft);
            ::close(fd);
        }
        const std::string where = " in " + marker.filename().string();
        const auto deadline = std::chrono::steady_clock::now() + patience;
        std::string seen_owner; // a live owner whose marker we found and wait to see die
        while (::link(draft.c_str(), marker.c_str()) != 0) {
            if (errno != EEXIST)
                fail_io("link", marker);
            std::string owner;
            if (!read_whole(marker, owner))
                continue; // gone: checked below, once ours is in
            if (!seen_owner.empty() && owner != seen_owner)
                self_.violation("the marker changed from live " + seen_owner + " to " + owner + where + " while " +
                                me_ + " held the lock");
            if (!owner_lives(self_, owner)) {
                if (::unlink(marker.c_str()) != 0 && errno != ENOENT)
                    fail_io("unlink", marker);
                ++self_.stale_markers;
                self_.journal('S');
                seen_owner.clear();
                continue;
            }
            if (owner.substr(0, owner.find('.')) == self_.token() || std::chrono::steady_clock::now() > deadline) {
                self_.violation(me_ + " got the lock while live " + owner + " was inside" + where);
                if (::unlink(marker.c_str()) != 0 && errno != ENOENT) // take over, to go on
                    fail_io("unlink", marker);
                seen_owner.clear();
                continue;
            }
            seen_owner = owner;
            std::this_thread::sleep_for(100us);
        }
        if (!seen_owner.empty())
            self_.violation("live " + seen_owner + " left" + where + " while " + me_ + " held the lock");
        ::unlink(draft.c_str());
    }

    participant& self_;
    std::string me_;
    std::vector<std::string> families_;
};

/// The content the library must have written once we hold the lock: checked through a
/// descriptor opened once and never closed, because closing any descriptor of the lock file
/// would drop this process's fcntl lock on it (hazard 2).
class content_check {
public:
    content_check(const fs::path& lock_path, std::size_t padding)
        : fd_(open_or_fail(lock_path, O_RDWR | O_CREAT)), padding_(padding, 'x'),
          expected_(" " + std::to_string(::getpid()) + ":" + padding_ + "\n")
    {
    }

    std::string template_text() const { return "{pid}:" + padding_; }

    void check(participant& self) const
    {
        std::string found(expected_.size() + 64, '\0');
        const ssize_t n = ::pread(fd_, found.data(), found.size(), 0);
        if (n < 0)
            fail_io("pread", self.lock_path());
        found.resize(std::size_t(n));
        if (found != expected_)
            self.violation("lock file content is \"" + found.substr(0, 80) + "\" once we hold it, not \"" +
                           expected_.substr(0, 80) + "\"");
    }

private:
    int fd_;
    std::string padding_;
    std::string expected_;
};

enum class entry_point { constructor, timed_constructor, try_lock_for, unique_lock, count };

/// Whether another process could take the lock now with flock or with fcntl: a forked child
/// asks through a descriptor of its own. (Here, a descriptor opened and closed would drop our
/// fcntl lock; in a child it is another process's.)
std::string lock_families_free_to_others(const participant& self)
{
    const pid_t child = ::fork();
    if (child < 0)
        fail_io("fork", self.lock_path());
    if (child == 0) {
        const int fd = ::open(self.lock_path().c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0)
            ::_exit(4);
        int free_families = 0;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0)
            free_families |= flock_family;
        struct flock request {};
        request.l_type = F_WRLCK;
        request.l_whence = SEEK_SET;
        if (::fcntl(fd, F_GETLK, &request) == 0 && request.l_type == F_UNLCK)
            free_families |= fcntl_family;
        ::_exit(free_families);
    }
    switch (test_support::wait_for_pid(child)) {
    case 0: return "";
    case flock_family: return "flock";
    case fcntl_family: return "fcntl";
    case both_families: return "flock and fcntl";
    default: return "the probe failed";
    }
}

/// A child that must not disturb its parent's lock: it exits, execs, or destroys its copy.
void fork_a_child(participant& self, ec::lock_file& lock, std::mt19937& random)
{
    const unsigned kind = random() % 3;
    self.set_phase(forked_child);
    const pid_t child = ::fork();
    if (child < 0)
        fail_io("fork", self.lock_path());
    if (child == 0) {
        ::close(self.alive_fd()); // only the parent's death must count as this participant's
        if (kind == 0)
            std::exit(0); // runs static destructors and atexit handlers, the library's too
        if (kind == 1) {
            ::execl("/bin/true", "true", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        {
            ec::lock_file taken_over(std::move(lock));
        }
        ::_exit(0);
    }
    ++self.forks;
    self.journal('F');
    const std::string what_child_did = kind == 0 ? "exited" : kind == 1 ? "exec'd" : "destroyed its copy";
    const int status = test_support::wait_for_pid(child);
    if (status != 0)
        self.violation("a forked child that " + what_child_did + " ended with status " + std::to_string(status));
    if (!lock.owns_lock())
        self.violation("the lock_file no longer owns the lock after a child " + what_child_did);
    const std::string released = lock_families_free_to_others(self);
    if (!released.empty())
        self.violation("after a child " + what_child_did + ", others could take the lock with " + released);
    self.set_phase(holding);
    // Stay inside a while: had the child released our lock, a waiting flock(1) peer would get
    // in now, and its command would meet our marker once started, which takes milliseconds.
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + random() % 10));
}

/// Takes the lock through `how`, retrying on contention until `lock_wait_bound()` has passed,
/// and runs `inside` while holding it. Returns false if the lock could not be had in time.
template <class Inside>
bool with_lock(participant& self, entry_point how, const ec::lock_options& options, std::mt19937& random,
               Inside&& inside)
{
    const fs::path path = self.lock_path();
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + lock_wait_bound();
    self.set_phase(acquiring);
    auto got_it = [&] { self.waited(std::chrono::steady_clock::now() - start); };
    for (;;) {
        try {
            switch (how) {
            case entry_point::constructor: {
                ec::lock_file lock(path, options); // never waits: lock_error on contention
                got_it();
                inside(lock);
                return true;
            }
            case entry_point::timed_constructor: {
                ec::lock_file lock(path, std::chrono::milliseconds(200), options);
                got_it();
                inside(lock);
                return true;
            }
            case entry_point::try_lock_for: {
                ec::lock_file lock(path, std::defer_lock, options);
                if (!lock.try_lock_for(200ms)) {
                    ++self.timeouts;
                    break;
                }
                got_it();
                inside(lock);
                return true;
            }
            case entry_point::unique_lock: {
                ec::lock_file lock(path, std::defer_lock, options);
                std::unique_lock<ec::lock_file> guard(lock, 200ms);
                if (!guard) {
                    ++self.timeouts;
                    break;
                }
                got_it();
                inside(*guard.mutex());
                return true;
            }
            case entry_point::count: break;
            }
        } catch (const ec::lock_timeout&) {
            ++self.timeouts; // contention: try again
        } catch (const ec::lock_error&) {
            // contention: try again
        }
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        if (how == entry_point::constructor)
            std::this_thread::sleep_for(std::chrono::microseconds(50 + random() % 500));
    }
}

struct lib_settings {
    int threads;
    long iterations;
    unsigned seed;
    std::size_t padding;
    bool forks;
};

void run_lib_thread(participant& self, const lib_settings& settings, int thread)
{
    std::mt19937 random(settings.seed * 7919u + unsigned(thread));
    const std::string me = self.token() + "." + std::to_string(thread);
    const content_check content(self.lock_path(), settings.padding);
    ec::lock_options options;
    options.content_template = content.template_text();
    for (long i = 0; i < settings.iterations; ++i) {
        const auto how = entry_point((i + thread) % long(entry_point::count));
        const bool got = with_lock(self, how, options, random, [&](ec::lock_file& lock) {
            self.set_phase(holding);
            self.journal('A');
            content.check(self);
            {
                critical_section section(self, me, both_families);
                section.increment_counters(random);
                if (settings.forks && random() % 3 == 0)
                    fork_a_child(self, lock, random);
            }
            self.set_phase(outside);
        });
        self.set_phase(outside);
        if (!got) {
            self.violation(me + " could not get the lock within " + std::to_string(lock_wait_bound().count()) + " s");
            return;
        }
        // Outside the lock a moment, so that other processes get their turns.
        if (random() % 2 == 0)
            std::this_thread::sleep_for(std::chrono::microseconds(random() % 200));
    }
}

int run_lib(participant& self, const lib_settings& settings)
{
    if (settings.threads == 1) { // no other thread, so that a forked child inherits no held mutex
        run_lib_thread(self, settings, 0);
        return 0;
    }
    std::vector<std::thread> threads;
    std::mutex error_mutex;
    std::string error;
    for (int t = 0; t < settings.threads; ++t)
        threads.emplace_back([&, t] {
            try {
                run_lib_thread(self, settings, t);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> guard(error_mutex);
                error = e.what();
            }
        });
    for (auto& thread : threads)
        thread.join();
    if (!error.empty())
        throw std::runtime_error(error);
    return 0;
}

/// A peer using plain fcntl locks on a descriptor of its own, as lockf() users do.
int run_fcntl(participant& self, long iterations, unsigned seed)
{
    std::mt19937 random(seed);
    const fs::path path = self.lock_path();
    for (long i = 0; i < iterations; ++i) {
        const int fd = open_or_fail(path, O_RDWR | O_CREAT);
        struct flock request {};
        request.l_type = F_WRLCK;
        request.l_whence = SEEK_SET;
        const auto deadline = std::chrono::steady_clock::now() + patience;
        self.set_phase(acquiring);
        while (::fcntl(fd, F_SETLK, &request) != 0) {
            if (errno != EAGAIN && errno != EACCES)
                fail_io("fcntl(F_SETLK)", path);
            if (std::chrono::steady_clock::now() > deadline) {
                ::close(fd);
                self.violation("fcntl peer could not get the lock within " + std::to_string(patience.count()) + " s");
                return 1;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(100 + random() % 900));
        }
        self.set_phase(holding);
        self.journal('A');
        {
            critical_section section(self, self.token() + ".0", fcntl_family);
            section.increment_counters(random);
        }
        ::close(fd); // releases the fcntl lock
        self.set_phase(outside);
    }
    return 0;
}

/// The critical section alone: flock(1) holds the lock around this process. It stays inside
/// up to 3 ms, as a script would that does some work under the lock; each such peer runs only
/// once, and an intruder must have time to meet it.
int run_critical(participant& self)
{
    std::mt19937 random(static_cast<unsigned>(::getpid()));
    self.set_phase(holding);
    self.journal('A');
    critical_section section(self, self.token() + ".0", flock_family);
    section.increment_counters(random);
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 3000));
    return 0;
}

int usage()
{
    std::cerr << "usage: stress_worker lib DIR TOKEN THREADS ITERATIONS SEED PADDING FORKS\n"
                 "       stress_worker fcntl DIR TOKEN ITERATIONS SEED\n"
                 "       stress_worker critical DIR TOKEN\n";
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    boost::log::core::get()->set_logging_enabled(false); // contention is expected here
    const std::vector<std::string> args(argv, argv + argc);
    if (args.size() < 4)
        return usage();
    try {
        participant self(args[2], args[3]);
        int status = 2;
        if (args[1] == "lib" && args.size() == 9 && (args[8] == "0" || args[4] == "1"))
            status = run_lib(self, {std::stoi(args[4]), std::stol(args[5]), unsigned(std::stoul(args[6])),
                                    std::stoul(args[7]), args[8] == "1"});
        else if (args[1] == "fcntl" && args.size() == 6)
            status = run_fcntl(self, std::stol(args[4]), unsigned(std::stoul(args[5])));
        else if (args[1] == "critical" && args.size() == 4)
            status = run_critical(self);
        else
            return usage();
        self.set_phase(outside);
        std::cout << "done " << self.sections << ' ' << self.stale_markers << ' ' << self.timeouts << ' ' << self.forks
                  << ' ' << self.longest_wait_ms << std::endl;
        return self.saw_violation() ? 1 : status;
    } catch (const std::exception& error) {
        std::cerr << "stress_worker: " << error.what() << '\n';
        return 2;
    }
}
