// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
// The Python libraries this one merges, as peers in other processes: zc.lockfile 1.2.1 (the last
// that logs what it finds in a held file), the current zc.lockfile, yg.lockfile and py-filelock,
// installed pinned by tools/setup_peers.sh and driven by test/peers/python_peer.py. All of them
// use flock(): hazard 3 is what makes them and us exclude each other.
//
// The test gets the directory of the peers' environments as `--python-peers=DIR` and fails,
// naming the command that makes them, if they are missing. A build configured with
// -DEXCLUSIVE_CONTROL_TEST_PYTHON_PEERS=OFF does not build this suite at all.
#define BOOST_TEST_MODULE python_peers
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"

#include <boost/asio/ip/host_name.hpp>

#include <chrono>
#include <future>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace ec = exclusive_control;
namespace fs = std::filesystem;
namespace data = boost::unit_test::data;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::temp_dir;

namespace {

struct peer {
    std::string name;
    std::string environment; // under the --python-peers directory
    std::string library;     // python_peer.py's LIBRARY
    bool writes_pid;         // zc.lockfile's " {pid}\n"; py-filelock writes nothing
    bool removes_on_release; // yg.lockfile deletes the file after unlocking it
};

std::ostream& operator<<(std::ostream& out, const peer& p)
{
    return out << p.name;
}

const peer zc_lockfile_1{"zc.lockfile 1.2.1", "zc.lockfile-1", "zc.lockfile", true, false};
const peer zc_lockfile_current{"zc.lockfile (current)", "current", "zc.lockfile", true, false};
const std::vector<peer> peers{
    zc_lockfile_1,
    zc_lockfile_current,
    {"yg.lockfile", "current", "yg.lockfile", true, true},
    {"py-filelock", "current", "filelock", false, false},
};

fs::path peers_directory()
{
    const std::string option = "--python-peers=";
    const auto& suite = boost::unit_test::framework::master_test_suite();
    for (int i = 1; i < suite.argc; ++i) {
        const std::string argument = suite.argv[i];
        if (argument.rfind(option, 0) == 0)
            return argument.substr(option.size());
    }
    throw std::runtime_error("test_python_peers needs --python-peers=DIR on its command line");
}

fs::path python_of(const peer& p)
{
    const fs::path directory = peers_directory();
    const fs::path python = directory / p.environment / "bin" / "python";
    if (!fs::exists(python))
        throw std::runtime_error("the Python peers are not installed (no " + python.string() +
                                 "): run `bash tools/setup_peers.sh " + directory.string() +
                                 "`, or configure with -DEXCLUSIVE_CONTROL_TEST_PYTHON_PEERS=OFF "
                                 "to build without this suite");
    return python;
}

std::vector<std::string> peer_arguments(const peer& p, const std::string& mode, const fs::path& path,
                                        const std::string& content_template = {})
{
    std::vector<std::string> args{test_support::helper_program("python_peer.py").string(), p.library, mode,
                                  path.string()};
    if (!content_template.empty())
        args.push_back(content_template);
    return args;
}

/// A peer holding the lock until `release`.
class holding_peer {
public:
    holding_peer(const peer& p, const fs::path& path, const std::string& content_template = {})
        : process_(python_of(p), peer_arguments(p, "hold", path, content_template),
                   child_process::error_stream::with_output)
    {
        BOOST_TEST_REQUIRE(process_.read_line() == "locked");
    }
    std::string pid() const { return std::to_string(process_.pid()); }
    /// Ends the peer's input; returns once the peer says it released.
    void release()
    {
        process_.close_stdin();
        BOOST_TEST(process_.read_line() == "released");
        BOOST_TEST(process_.wait() == 0);
    }

private:
    child_process process_;
};

struct attempt {
    int status; // 0 acquired, 3 busy
    std::vector<std::string> lines;
};

/// One attempt by the peer, which releases at once if it gets the lock.
attempt peer_attempt(const peer& p, const fs::path& path, const std::string& content_template = {})
{
    child_process process(python_of(p), peer_arguments(p, "try", path, content_template),
                          child_process::error_stream::with_output);
    process.close_stdin();
    const std::string output = process.read_to_end();
    attempt result{process.wait(), {}};
    std::string::size_type start = 0;
    for (auto end = output.find('\n'); end != std::string::npos; end = output.find('\n', start)) {
        result.lines.push_back(output.substr(start, end - start));
        start = end + 1;
    }
    return result;
}

struct command_outcome {
    int status;
    std::string output;
};

command_outcome run_status_command(const fs::path& path)
{
    child_process process(test_support::helper_program("exclusive-control"), {"status", path.string()},
                          child_process::error_stream::with_output);
    process.close_stdin();
    std::string output = process.read_to_end();
    return {process.wait(), output};
}

/// zc.lockfile 1.2's log message for a failed attempt, by its own rule for its own template.
std::string zc_lockfile_1_message(const fs::path& path, const std::string& content, bool default_template)
{
    if (default_template)
        return "Error locking file " + path.string() + "; pid=" + content.substr(0, 20);
    return "Error locking file " + path.string() + "; content: \"" + content.substr(0, 40) +
           (content.size() > 40 ? "..." : "") + "\"";
}

} // namespace

BOOST_DATA_TEST_CASE(a_peer_holding_the_file_excludes_lock_file_and_is_reported, data::make(peers), p)
{
    temp_dir dir;
    const auto path = dir / "lock";
    holding_peer holder(p, path);
    const std::string expected = p.writes_pid ? holder.pid() : "UNKNOWN";

    test_support::log_capture capture;
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file " << p.name << " holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == expected);
    }
    const auto records = capture.records();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0].channel == "exclusive_control");
    BOOST_TEST(records[0].severity == boost::log::trivial::error);
    BOOST_TEST(records[0].message == "Error locking file " + path.string() + "; pid=" + expected);

    const ec::lock_status status = ec::inspect(path);
    BOOST_TEST(status.locked);
    BOOST_TEST(status.holder == expected);
    const command_outcome command = run_status_command(path);
    BOOST_TEST(command.status == 0);
    BOOST_TEST(command.output == "locked by " + expected + "\n");

    holder.release();
    ec::lock_file lock(path);
    BOOST_TEST(lock.owns_lock());
}

// The seed's container story from the other side: zc.lockfile's own `{pid};{hostname}` record,
// read back whole by every way this library reports a holder.
BOOST_AUTO_TEST_CASE(a_zc_lockfile_holder_writing_pid_and_hostname_is_reported_whole)
{
    temp_dir dir;
    const auto path = dir / "lock";
    holding_peer holder(zc_lockfile_current, path, "{pid};{hostname}");
    const std::string expected = holder.pid() + ";" + boost::asio::ip::host_name();

    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file zc.lockfile holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == expected);
    }
    BOOST_TEST(ec::inspect(path).holder == expected);
    const command_outcome command = run_status_command(path);
    BOOST_TEST(command.status == 0);
    BOOST_TEST(command.output == "locked by " + expected + "\n");
    holder.release();
}

BOOST_DATA_TEST_CASE(lock_file_holding_excludes_the_peer_until_it_releases, data::make(peers), p)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);

    const attempt refused = peer_attempt(p, path);
    BOOST_TEST(refused.status == 3);
    BOOST_TEST_REQUIRE(!refused.lines.empty());
    BOOST_TEST(refused.lines.front() == "busy");
    // What the peer read after its attempt: our record, untouched by it. py-filelock 4.3.1 opens
    // without O_TRUNC; 4.0.0 and the 3.x releases emptied the file (doc/caveats.adoc).
    BOOST_TEST(refused.lines.back() == "file: \" " + test_support::this_process_id() + "\\n\"");

    lock.close();
    const attempt granted = peer_attempt(p, path);
    BOOST_TEST(granted.status == 0);
    BOOST_TEST(granted.lines == std::vector<std::string>{"acquired"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zc_lockfile_1_reads_our_record_as_its_own)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    const std::string pid = test_support::this_process_id();

    const attempt refused = peer_attempt(zc_lockfile_1, path);
    BOOST_TEST(refused.status == 3);
    const std::vector<std::string> expected{"busy", "log: " + zc_lockfile_1_message(path, pid, true),
                                            "file: \" " + pid + "\\n\""};
    BOOST_TEST(refused.lines == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zc_lockfile_1_reads_a_custom_record_as_its_own)
{
    temp_dir dir;
    const auto path = dir / "lock";
    // Longer than the 40 characters zc.lockfile 1.2 logs, so that its cut shows too.
    const std::string content_template = "{pid} nightly backup of the orders database on {hostname}";
    ec::lock_file lock(path, {content_template});
    const std::string content = test_support::this_process_id() + " nightly backup of the orders database on " +
                                boost::asio::ip::host_name();

    const attempt refused = peer_attempt(zc_lockfile_1, path, content_template);
    BOOST_TEST(refused.status == 3);
    const std::vector<std::string> expected{"busy", "log: " + zc_lockfile_1_message(path, content, false),
                                            "file: \" " + content + "\\n\""};
    BOOST_TEST(refused.lines == expected, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(a_timed_wait_wakes_promptly_when_the_peer_releases, data::make(peers), p)
{
    temp_dir dir;
    const auto path = dir / "lock";
    holding_peer holder(p, path);

    auto waiter = std::async(std::launch::async, [&] {
        ec::lock_file lock(path, test_support::patience);
        return std::make_pair(std::move(lock), std::chrono::steady_clock::now());
    });
    // Long enough that the waiter is asleep, not at its first attempt.
    BOOST_TEST_REQUIRE((waiter.wait_for(300ms) == std::future_status::timeout));
    holder.release();
    const auto released = std::chrono::steady_clock::now();

    BOOST_TEST_REQUIRE((waiter.wait_for(test_support::patience) == std::future_status::ready));
    auto [lock, acquired] = waiter.get();
    BOOST_TEST(lock.owns_lock());
    // `released` is taken after the peer said so, which is after its release. Half a second is
    // far below the timeout and above a loaded machine's scheduling noise; it does not tell the
    // wake-up on close from the 50 ms fallback poll (bench/handoff.cpp measures that).
    BOOST_TEST(std::chrono::duration<double>(acquired - released).count() < 0.5);
    // The file we got is the one at the path, which the peer cannot lock now. Not so after
    // yg.lockfile: it deletes the file just after unlocking it, so a waiter woken by its
    // release may lock the file it is about to delete, and the next comer creates a new one
    // (yg.lockfile races with itself the same way; doc/caveats.adoc).
    if (!p.removes_on_release)
        BOOST_TEST(peer_attempt(p, path).status == 3);
}
