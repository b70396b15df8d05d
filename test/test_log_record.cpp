// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The one Boost.Log record of a failed lock, and silence otherwise.
#define BOOST_TEST_MODULE log_record
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include <algorithm>

#include "child_process.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"

namespace ec = exclusive_control;
using namespace std::chrono_literals;
using test_support::log_capture;
using test_support::temp_dir;

namespace {
const std::string own_pid = test_support::this_process_id();
}

BOOST_AUTO_TEST_CASE(failed_lock_emits_one_error_record_on_the_channel)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    log_capture capture;
    BOOST_CHECK_THROW(ec::lock_file second(path), ec::lock_error);
    const auto records = capture.records();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0].severity == boost::log::trivial::error);
    BOOST_TEST(records[0].channel == "exclusive_control");
    BOOST_TEST(records[0].message == "Error locking file " + path.string() + "; pid=" + own_pid);
}

BOOST_AUTO_TEST_CASE(record_names_the_path_as_the_caller_gave_it)
{
    temp_dir dir;
    const test_support::scoped_chdir inside(dir.path());
    ec::lock_file lock("lock");
    log_capture capture;
    BOOST_CHECK_THROW(ec::lock_file("./lock"), ec::lock_error);
    BOOST_TEST_REQUIRE(capture.records().size() == 1u);
    BOOST_TEST(capture.records()[0].message == "Error locking file ./lock; pid=" + own_pid);
}

BOOST_AUTO_TEST_CASE(custom_template_caller_gets_the_content_form)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path, {"{pid};" + std::string(50, 'h')});
    log_capture capture;
    BOOST_CHECK_THROW(ec::lock_file(path, {"{pid};{hostname}"}), ec::lock_error);
    const std::string holder = own_pid + ";" + std::string(50, 'h');
    BOOST_TEST_REQUIRE(capture.records().size() == 1u);
    BOOST_TEST(capture.records()[0].message ==
               "Error locking file " + path.string() + "; content: \"" + holder.substr(0, 40) + "...\"");
}

BOOST_AUTO_TEST_CASE(record_cuts_the_holder_between_utf8_characters)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const std::string euro = "\xe2\x82\xac";
    std::string euros;
    for (int i = 0; i < 45; ++i)
        euros += euro;
    ec::lock_file lock(path, {euros + ";{pid}"});
    log_capture capture;
    BOOST_CHECK_THROW(ec::lock_file(path, {"{pid};{hostname}"}), ec::lock_error);
    BOOST_CHECK_THROW(ec::lock_file second(path), ec::lock_error);
    BOOST_TEST_REQUIRE(capture.records().size() == 2u);
    BOOST_TEST(capture.records()[0].message ==
               "Error locking file " + path.string() + "; content: \"" + euros.substr(0, 40 * euro.size()) + "...\"");
    BOOST_TEST(capture.records()[1].message ==
               "Error locking file " + path.string() + "; pid=" + euros.substr(0, 20 * euro.size()));
}

BOOST_AUTO_TEST_CASE(record_of_a_lock_held_by_another_process_names_the_path_and_that_process)
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::child_process holder(test_support::lock_holder(), {"hold", path.u8string()});
    BOOST_TEST_REQUIRE(holder.read_line() == "locked");
    log_capture capture;
    BOOST_CHECK_THROW(ec::lock_file{path}, ec::lock_error);
    const auto records = capture.records();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0].severity == boost::log::trivial::error);
    BOOST_TEST(records[0].channel == "exclusive_control");
    BOOST_TEST(records[0].message == "Error locking file " + path.u8string() + "; pid=" + std::to_string(holder.pid()));
    holder.close_stdin();
    BOOST_TEST(holder.wait() == 0);
}

// On Windows, test_windows has this with a peer that locks byte 0 as zc.lockfile does there.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(holder_that_wrote_nothing_is_unknown)
{
    temp_dir dir;
    const auto path = dir / "lock";
    test_support::child_process flock_holder("/usr/bin/flock",
                                             {path.string(), "sh", "-c", "echo locked; exec cat >/dev/null"});
    BOOST_TEST_REQUIRE(flock_holder.read_line() == "locked");
    log_capture capture;
    try {
        ec::lock_file lock(path);
        BOOST_FAIL("locked a file flock(1) holds");
    } catch (const ec::lock_error& error) {
        BOOST_TEST(error.holder() == "UNKNOWN");
    }
    BOOST_TEST_REQUIRE(capture.records().size() == 1u);
    BOOST_TEST(capture.records()[0].message == "Error locking file " + path.string() + "; pid=UNKNOWN");
    flock_holder.close_stdin();
    BOOST_TEST(flock_holder.wait() == 0);
}
#endif

BOOST_AUTO_TEST_CASE(success_emits_nothing)
{
    temp_dir dir;
    log_capture capture;
    {
        ec::lock_file lock(dir / "lock", {"{pid};{hostname}"});
        lock.close();
        BOOST_TEST(lock.try_lock());
        lock.unlock();
        ec::lock_file timed(dir / "lock", 1s);
    }
    BOOST_TEST(capture.records().empty());
}

BOOST_AUTO_TEST_CASE(try_lock_returning_false_emits_nothing)
{
    temp_dir dir;
    ec::lock_file lock(dir / "lock");
    ec::lock_file other(dir / "lock", std::defer_lock);
    log_capture capture;
    BOOST_TEST(!other.try_lock());
    BOOST_TEST(!other.try_lock_for(50ms));
    BOOST_TEST(capture.records().empty());
}

BOOST_AUTO_TEST_CASE(timed_out_wait_emits_one_record_not_one_per_retry)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    log_capture capture;
    try {
        ec::lock_file waiting(path, 200ms);
        BOOST_FAIL("the wait succeeded");
    } catch (const ec::lock_timeout& error) {
        BOOST_TEST(error.holder() == own_pid);
        BOOST_TEST(error.path() == path);
    }
    BOOST_TEST_REQUIRE(capture.records().size() == 1u);
    BOOST_TEST(capture.records()[0].message == "Error locking file " + path.string() + "; pid=" + own_pid);
}

namespace {

/// Runs test/helpers/exit_contender, which is refused `path` (held by this process) at the end
/// of its life, and checks that it caught lock_error, exited cleanly and still logged the refusal.
void check_refusal_at_exit(const std::string& mode, const std::filesystem::path& path)
{
    test_support::child_process contender(test_support::helper_program("exit_contender"), {mode, path.string()},
                                          test_support::child_process::error_stream::with_output);
    std::string output = contender.read_to_end();
    output.erase(std::remove(output.begin(), output.end(), '\r'), output.end()); // Windows' text mode
    BOOST_TEST(contender.wait() == 0, "exit_contender " << mode << " wrote:\n" << output);
    BOOST_TEST(output == "configured\n"
                         "record: error exclusive_control Error locking file " +
                             path.string() + "; pid=" + own_pid +
                             "\n"
                             "caught lock_error " +
                             own_pid + "\n");
}

} // namespace

BOOST_AUTO_TEST_CASE(refusals_at_exit_in_a_global_destructor_throw_lock_error_and_still_log)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    check_refusal_at_exit("global", path);
}

BOOST_AUTO_TEST_CASE(refusals_at_exit_in_an_atexit_handler_throw_lock_error_and_still_log)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    check_refusal_at_exit("atexit", path);
}

#if defined(__GLIBC__)
// Later still, once Boost.Log has destroyed its core: there is nothing left to log to, and the
// refusal is the exception alone.
BOOST_AUTO_TEST_CASE(a_refusal_after_boost_log_is_gone_throws_lock_error_and_logs_nothing)
{
    temp_dir dir;
    const auto path = dir / "lock";
    ec::lock_file lock(path);
    test_support::child_process contender(test_support::helper_program("exit_contender"),
                                          {"after_logging", path.string()},
                                          test_support::child_process::error_stream::with_output);
    const std::string output = contender.read_to_end();
    BOOST_TEST(contender.wait() == 0, "exit_contender after_logging wrote:\n" << output);
    BOOST_TEST(output == "configured\ncaught lock_error " + own_pid + "\n");
}
#endif
