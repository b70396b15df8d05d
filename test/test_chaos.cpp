// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Faults: holders SIGKILLed before, during and after writing the content; a mix of our processes,
// flock(1) and plain fcntl peers contending for one file; holders that fork children which exit,
// exec or destroy their copy. Throughout, nobody may find anyone else inside the critical section
// (test/helpers/stress_worker.cpp says how that is checked), every crash must leave the lock
// to the next acquirer within `recovery_bound`, and every acquirer must find its own content
// well-formed in the file.
//
// "During writing" is exact, not left to chance: strace(1) delivers SIGKILL when the holder
// enters ftruncate, after its content was written over the old one and before the old one's
// tail was cut off; "before writing" delivers it on entering pwrite, with the lock taken.
//
// Size: EXCLUSIVE_CONTROL_CHAOS_KILLS processes killed (default 40, what CI runs),
// EXCLUSIVE_CONTROL_CHAOS_CONCURRENCY participants at a time (default 6),
// EXCLUSIVE_CONTROL_CHAOS_SEED (default 1), EXCLUSIVE_CONTROL_CHAOS_SECONDS bound (default 120).
#define BOOST_TEST_MODULE chaos
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "stress_run.hpp"
#include "temp_dir.hpp"
#include "this_process.hpp"

#include <boost/process/search_path.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace ec = exclusive_control;
namespace fs = std::filesystem;
namespace utf = boost::unit_test;
using namespace std::chrono_literals;
using test_support::child_process;

/// How long the lock may stay unavailable after its holder was killed. Releasing takes the
/// kernel microseconds and contenders retry every 50 ms at most; the rest is room for a loaded
/// CI machine and the sanitizers.
constexpr std::int64_t recovery_bound_ns = 3'000'000'000;

constexpr int killed_by_sigkill = 9; // Boost.Process's exit code of a process a signal ended

fs::path strace()
{
    return boost::process::search_path("strace").string();
}

boost::test_tools::assertion_result strace_works(utf::test_unit_id)
{
    boost::test_tools::assertion_result result(false);
    const fs::path program = strace();
    if (program.empty()) {
        result.message() << "strace(1) is not installed (tools/setup.sh installs it)";
        return result;
    }
    child_process probe(program, {"-o", "/dev/null", "-e", "trace=none", "true"});
    probe.close_stdin();
    const int status = probe.wait();
    result = status == 0;
    result.message() << "strace(1) cannot trace here (ptrace not permitted?): exit " << status;
    return result;
}

/// strace arguments that run a program and SIGKILL it on entering the `nth` call of `syscall`.
std::vector<std::string> kill_on_syscall(const std::string& syscall, long nth)
{
    // Not --seccomp-bpf: with it, strace 6.1 does not inject. Not -f: the children a holder
    // forks write nothing, and must not count towards `nth`.
    return {"-o", "/dev/null",
            "-e", "trace=" + syscall,
            "-e", "inject=" + syscall + ":signal=SIGKILL:when=" + std::to_string(nth)};
}

std::string well_formed(long pid, const std::string& rest = "")
{
    return " " + std::to_string(pid) + rest + "\n";
}

} // namespace

// ---- Each kill point once, step by step -----------------------------------------------------

BOOST_AUTO_TEST_CASE(holder_killed_before_during_or_after_writing_leaves_the_lock_to_the_next,
                     *utf::precondition(strace_works))
{
    struct kill_point {
        std::string name;
        std::vector<std::string> strace_args; // empty: killed by us once it holds the lock
    };
    const std::vector<kill_point> points = {
        {"before writing (entering pwrite)", kill_on_syscall("pwrite64", 1)},
        {"during writing (entering ftruncate)", kill_on_syscall("ftruncate", 1)},
        {"after writing", {}},
    };
    for (const kill_point& point : points) {
        BOOST_TEST_CONTEXT(point.name)
        {
            test_support::temp_dir dir;
            const fs::path path = dir / "lock";
            const std::string previous_rest = ":" + std::string(300, 'p');
            ec::lock_file(path, ec::lock_options{"{pid}" + previous_rest}).close();
            const std::string previous = well_formed(::getpid(), previous_rest);
            BOOST_TEST_REQUIRE(test_support::read_file(path) == previous);

            std::vector<std::string> args = point.strace_args;
            args.insert(args.end(), {test_support::lock_holder().string(), "hold", path.string(), "short"});
            const bool traced = !point.strace_args.empty();
            child_process victim(traced ? strace() : test_support::lock_holder(),
                                 traced ? args : std::vector<std::string>{"hold", path.string(), "short"});
            if (!traced) {
                BOOST_TEST_REQUIRE(victim.read_line() == "locked");
                victim.kill();
            }
            BOOST_TEST_REQUIRE(victim.wait() == killed_by_sigkill);

            // What the victim left: the old content, the new one over the old one's head, or
            // the new one whole.
            const std::string left = test_support::read_file(path);
            if (point.name.rfind("before", 0) == 0)
                BOOST_TEST(left == previous);
            else if (point.name.rfind("during", 0) == 0)
                BOOST_TEST(left == " short\n" + previous.substr(7));
            else
                BOOST_TEST(left == " short\n");

            const auto start = std::chrono::steady_clock::now();
            ec::lock_file next(path, 3s);
            BOOST_TEST((std::chrono::steady_clock::now() - start < 1s));
            next.close();
            BOOST_TEST(test_support::read_file(path) == well_formed(::getpid()));
        }
    }
}

// ---- Everything at once ---------------------------------------------------------------------

namespace {

enum class participant_kind { lib, lib_killed_before_writing, lib_killed_during_writing, flock_peer, fcntl_peer };

const char* name_of(participant_kind kind)
{
    switch (kind) {
    case participant_kind::lib: return "lock_file processes";
    case participant_kind::lib_killed_before_writing: return "lock_file processes killed on entering pwrite";
    case participant_kind::lib_killed_during_writing: return "lock_file processes killed on entering ftruncate";
    case participant_kind::flock_peer: return "flock(1) peers";
    case participant_kind::fcntl_peer: return "fcntl peers";
    }
    return "?";
}

// Values of stress_worker's phase.TOKEN.
const char* const phase_names[] = {"outside the lock", "acquiring (waiting, locking, writing)",
                                   "holding, content written", "holding, a forked child alive"};

struct participant {
    participant_kind kind;
    std::string token;
    std::unique_ptr<child_process> process;
};

/// The phase a participant publishes in DIR/phase.TOKEN, mapped while this object lives.
class phase_view {
public:
    explicit phase_view(const fs::path& file)
    {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        struct stat status;
        // Reading past the end of a mapped file is SIGBUS: the participant may not have sized it yet.
        if (::fstat(fd, &status) != 0 || status.st_size < off_t(sizeof(int))) {
            ::close(fd);
            return;
        }
        void* mapped = ::mmap(nullptr, sizeof(int), PROT_READ, MAP_SHARED, fd, 0);
        ::close(fd);
        if (mapped != MAP_FAILED)
            phase_ = static_cast<const std::atomic<int>*>(mapped);
    }
    ~phase_view()
    {
        if (phase_)
            ::munmap(const_cast<std::atomic<int>*>(phase_), sizeof(int));
    }
    phase_view(const phase_view&) = delete;
    phase_view& operator=(const phase_view&) = delete;

    bool valid() const { return phase_ != nullptr; }
    int now() const { return phase_->load(); }

private:
    const std::atomic<int>* phase_ = nullptr;
};

} // namespace

BOOST_AUTO_TEST_CASE(random_kills_and_mixed_peers_never_overlap_lose_the_lock_or_tear_content,
                     *utf::precondition(strace_works))
{
    const long kills_wanted = test_support::size_setting("EXCLUSIVE_CONTROL_CHAOS_KILLS", 40);
    const long concurrency = test_support::size_setting("EXCLUSIVE_CONTROL_CHAOS_CONCURRENCY", 6);
    const auto seed = unsigned(test_support::size_setting("EXCLUSIVE_CONTROL_CHAOS_SEED", 1));
    const std::chrono::seconds budget(test_support::size_setting("EXCLUSIVE_CONTROL_CHAOS_SECONDS", 120));
    std::mt19937 random(seed);

    test_support::temp_dir dir;
    const fs::path path = dir / "lock";
    test_support::create_counters(dir.path());
    const fs::path worker = test_support::helper_program("stress_worker");

    std::vector<participant> live;
    std::map<participant_kind, long> started, killed;
    std::map<int, long> killed_in_phase;
    std::vector<std::int64_t> kill_times;
    long next_token = 0;
    long kills = 0;
    const auto start = std::chrono::steady_clock::now();
    auto next_kill = start;

    auto spawn = [&] {
        const std::string number = std::to_string(next_token++);
        const long iterations = 1 + long(random() % 20);
        const std::string seed_text = std::to_string(random());
        // Lengths differ widely, so that content left torn by a kill would be noticed.
        const std::string padding = std::to_string(random() % 2000);
        const unsigned dice = random() % 20;
        // Tokens name the kind, for the messages.
        const std::string token = std::string(dice < 8    ? "lib"
                                              : dice < 10 ? "pwrite"
                                              : dice < 12 ? "ftruncate"
                                              : dice < 17 ? "flock"
                                                          : "fcntl") +
                                  number;
        const std::vector<std::string> lib_args = {
            "lib", dir.path().string(), token, "1", std::to_string(iterations), seed_text, padding, "1"};
        participant p;
        if (dice < 8) {
            p.kind = participant_kind::lib;
            p.process = std::make_unique<child_process>(worker, lib_args);
        } else if (dice < 12) {
            p.kind = dice < 10 ? participant_kind::lib_killed_before_writing
                               : participant_kind::lib_killed_during_writing;
            auto args = kill_on_syscall(dice < 10 ? "pwrite64" : "ftruncate", 1 + long(random() % iterations));
            args.push_back(worker.string());
            args.insert(args.end(), lib_args.begin(), lib_args.end());
            p.process = std::make_unique<child_process>(strace(), args);
        } else if (dice < 17) {
            p.kind = participant_kind::flock_peer;
            p.process = std::make_unique<child_process>(
                boost::process::search_path("flock").string(),
                std::vector<std::string>{"--timeout", "10", "--conflict-exit-code", "3", path.string(), worker.string(),
                                         "critical", dir.path().string(), token});
        } else {
            p.kind = participant_kind::fcntl_peer;
            p.process = std::make_unique<child_process>(
                worker,
                std::vector<std::string>{"fcntl", dir.path().string(), token, std::to_string(iterations), seed_text});
        }
        p.token = token;
        p.process->close_stdin();
        ++started[p.kind];
        live.push_back(std::move(p));
    };

    auto finish = [&](participant& p) {
        const int status = p.process->wait();
        if (status == killed_by_sigkill && p.kind != participant_kind::flock_peer &&
            p.kind != participant_kind::fcntl_peer) {
            if (p.kind != participant_kind::lib) { // strace's kill; ours are counted when sent
                ++kills;
                ++killed[p.kind];
                kill_times.push_back(test_support::monotonic_ns());
            }
            return;
        }
        std::string line;
        bool summarized = false;
        try {
            line = p.process->read_line(1s);
            test_support::parse_summary(line); // throws unless the participant finished
            summarized = true;
        } catch (const std::exception& error) {
            line = error.what();
        }
        BOOST_TEST((status == 0 && summarized), name_of(p.kind)
                                                    << " " << p.token << " ended with " << status << ": " << line);
    };

    // A lock_file process, killed by us at a phase chosen at random, or wherever it is when
    // that phase does not come within a moment.
    auto kill_one = [&] {
        std::vector<participant*> candidates;
        for (participant& p : live)
            if (p.kind == participant_kind::lib && p.process->running())
                candidates.push_back(&p);
        if (candidates.empty())
            return;
        participant& victim = *candidates[random() % candidates.size()];
        const phase_view phase(dir / ("phase." + victim.token));
        if (!phase.valid())
            return; // not started yet
        const int target = int(random() % 4);
        const auto give_up = std::chrono::steady_clock::now() + 200ms;
        while (phase.now() != target && std::chrono::steady_clock::now() < give_up)
            std::this_thread::yield();
        const int at = phase.now();
        victim.process->kill();
        const std::int64_t when = test_support::monotonic_ns();
        if (victim.process->wait() == killed_by_sigkill) {
            ++kills;
            ++killed[victim.kind];
            ++killed_in_phase[at];
            kill_times.push_back(when);
        }
    };

    while (kills < kills_wanted) {
        BOOST_TEST_REQUIRE((std::chrono::steady_clock::now() - start < budget),
                           "only " << kills << " kills in " << budget.count() << " s");
        for (auto it = live.begin(); it != live.end();) {
            if (it->process->running()) {
                ++it;
                continue;
            }
            finish(*it);
            it = live.erase(it);
        }
        while (long(live.size()) < concurrency)
            spawn();
        if (std::chrono::steady_clock::now() >= next_kill) {
            kill_one();
            next_kill = std::chrono::steady_clock::now() + std::chrono::milliseconds(10 + random() % 50);
        }
        std::this_thread::sleep_for(1ms);
    }
    for (participant& p : live) {
        while (p.process->running() && (std::chrono::steady_clock::now() - start < budget + test_support::patience))
            std::this_thread::sleep_for(1ms);
        finish(p);
    }
    live.clear();

    // The last acquirer: us, once every participant is gone.
    ec::lock_file last(path, test_support::patience);
    const std::int64_t last_acquired = test_support::monotonic_ns();
    last.close();
    BOOST_TEST(test_support::read_file(path) == well_formed(::getpid()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const std::string seen = test_support::violations(dir.path());
    BOOST_TEST(seen.empty(), "overlaps or malformed content seen:\n" << seen.substr(0, 4000));

    // After every kill, somebody got the lock within the bound.
    auto journals = test_support::read_journals(dir.path());
    journals.acquired.push_back(last_acquired);
    std::int64_t slowest_recovery = 0;
    for (const std::int64_t killed_at : kill_times) {
        const auto next = std::upper_bound(journals.acquired.begin(), journals.acquired.end(), killed_at);
        BOOST_TEST_REQUIRE((next != journals.acquired.end()));
        BOOST_TEST(*next - killed_at <= recovery_bound_ns,
                   "nobody got the lock for " << (*next - killed_at) / 1000000 << " ms after a kill");
        slowest_recovery = std::max(slowest_recovery, *next - killed_at);
    }

    // Every section that completed was counted; a kill between a counter's rename and the
    // journal line can add one that the journals miss, at most one per kill.
    const long flock_counter = test_support::read_counter(dir.path(), "flock");
    const long fcntl_counter = test_support::read_counter(dir.path(), "fcntl");
    BOOST_TEST(flock_counter >= journals.flock_sections);
    BOOST_TEST(flock_counter <= journals.flock_sections + kills);
    BOOST_TEST(fcntl_counter >= journals.fcntl_sections);
    BOOST_TEST(fcntl_counter <= journals.fcntl_sections + kills);
    BOOST_TEST(journals.stale_markers <= 2 * kills); // a killed holder leaves one marker per family

    std::cout << "chaos: " << seconds << " s, seed " << seed << ", " << next_token << " participants:";
    for (const auto& [kind, count] : started)
        std::cout << ' ' << count << ' ' << name_of(kind) << " (" << killed[kind] << " killed);";
    std::cout << "\n  kills: " << kills << "; ours by phase:";
    for (const auto& [phase, count] : killed_in_phase)
        std::cout << ' ' << count << ' ' << phase_names[phase] << ';';
    std::cout << "\n  acquisitions: " << journals.acquired.size() << "; sections counted: " << flock_counter
              << " in counter.flock (journaled " << journals.flock_sections << "), " << fcntl_counter
              << " in counter.fcntl (journaled " << journals.fcntl_sections
              << "); stale markers cleared: " << journals.stale_markers << "; forked children: " << journals.forks
              << "; slowest recovery after a kill: " << slowest_recovery / 1000000
              << " ms; violations seen: " << std::count(seen.begin(), seen.end(), '\n') << std::endl;
}
