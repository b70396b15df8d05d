// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Every error a user can cause when constructing or locking a lock_file: the exact exception
// type, a message that names the path and the reason, and nothing changed on disk.
// Hazard numbers refer to doc/design.adoc.
#define BOOST_TEST_MODULE bad_input
#include <boost/test/unit_test.hpp>

#include <exclusive_control/exclusive_control.hpp>

#include "child_process.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"
#include "text.hpp"
#if defined(_WIN32)
#include <windows.h>
#else
#include "interpose/open.hpp"
#include "refusal.hpp"
#include "tree_snapshot.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace utf = boost::unit_test;
using namespace std::chrono_literals;
using exclusive_control::lock_file;
using exclusive_control::lock_options;
using std::chrono::steady_clock;
using namespace test_support; // refusal.hpp and tree_snapshot.hpp name what the cases check

#if defined(_WIN32)
/// The filesystem_error that locking `path` throws, checked to name the path. refusal.hpp's
/// thorough checks speak errno and run attempts in forked children: POSIX only.
fs::filesystem_error refusal_on_windows(const fs::path& path)
{
    try {
        lock_file lock(path);
        BOOST_ERROR("expected filesystem_error, nothing thrown");
    } catch (const fs::filesystem_error& error) {
        BOOST_TEST((error.path1() == path));
        BOOST_TEST(contains(error.what(), path.u8string()), error.what());
        return error;
    } catch (const std::exception& error) {
        BOOST_ERROR("expected filesystem_error, got: " << error.what());
    }
    return fs::filesystem_error("not refused", std::error_code());
}
#else
// A single try takes microseconds. This only absorbs a loaded CI machine; the bugs it is
// there to catch (waiting out a huge or wrapped-around timeout) take far longer.
constexpr auto prompt = 2s;

boost::test_tools::assertion_result permissions_can_apply(utf::test_unit_id)
{
    if (::geteuid() != 0)
        return true;
    const fork_report probe = run_in_fork_reporting([](std::string& report) {
        report = drop_privileges();
        return report.empty() ? 0 : 1;
    });
    boost::test_tools::assertion_result result(probe.status == 0);
    result.message() << "running as root and cannot become nobody in a child: " << probe.text;
    return result;
}

boost::test_tools::assertion_result read_only_mounts_possible(utf::test_unit_id)
{
    test_support::temp_dir scratch;
    fs::create_directory(scratch / "source");
    fs::create_directory(scratch / "mount");
    const fork_report probe = run_in_fork_reporting([&](std::string& report) {
        report = mount_read_only(scratch / "source", scratch / "mount");
        return report.empty() ? 0 : 1;
    });
    boost::test_tools::assertion_result result(probe.status == 0);
    result.message() << "cannot mount a read-only file system in a child: " << probe.text;
    return result;
}

/// Releases `holder` from another thread after `delay` unless destroyed first. It bounds a wait
/// that a bug would make endless: the waiter then gets the lock and the test fails, not hangs.
class release_after {
public:
    release_after(lock_file& holder, std::chrono::milliseconds delay)
        : thread_([this, &holder, delay] {
              std::unique_lock<std::mutex> guard(mutex_);
              if (!cancelled_.wait_for(guard, delay, [this] { return cancel_; }))
                  holder.close();
          })
    {
    }
    ~release_after()
    {
        {
            std::lock_guard<std::mutex> guard(mutex_);
            cancel_ = true;
        }
        cancelled_.notify_one();
        thread_.join();
    }
    release_after(const release_after&) = delete;
    release_after& operator=(const release_after&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable cancelled_;
    bool cancel_ = false;
    std::thread thread_; // last: it uses the members above
};
#endif

} // namespace

// ---- Paths that cannot name a lock file -----------------------------------------------------

BOOST_AUTO_TEST_CASE(empty_path_is_refused_with_a_filesystem_error)
{
#if defined(_WIN32)
    const fs::filesystem_error error = refusal_on_windows(fs::path());
    BOOST_TEST(contains(error.what(), "empty"), error.what());
#else
    // An empty path resolves against nothing, but a careless implementation might fall back to
    // the working directory: make that a directory we watch.
    test_support::temp_dir dir;
    const test_support::scoped_chdir inside(dir.path());
    expect_refused(fs::path(), lock_options{}, {EINVAL}, "empty", dir.path());

    // The defer_lock constructor checks the path too; it is what the others delegate to.
    const outcome deferred = attempt([] {
        lock_file lock(fs::path(), std::defer_lock);
        return returned(lock.owns_lock());
    });
    check_filesystem_error(deferred, fs::path(), {EINVAL}, "empty");
#endif
}

BOOST_AUTO_TEST_CASE(missing_directory_is_refused_and_nothing_is_created)
{
    test_support::temp_dir dir;
#if defined(_WIN32)
    const fs::filesystem_error error = refusal_on_windows(dir / "missing" / "lock");
    BOOST_TEST((error.code() == std::error_code(ERROR_PATH_NOT_FOUND, std::system_category())), error.what());
#else
    expect_refused(dir / "missing" / "lock", lock_options{}, {ENOENT}, "", dir.path());
#endif
    BOOST_TEST(!fs::exists(fs::symlink_status(dir / "missing")));
}

// POSIX: errno, and PATH_MAX.
#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(regular_file_as_a_directory_component_is_refused_with_enotdir)
{
    test_support::temp_dir dir;
    test_support::write_file(dir / "file", "data\n");
    expect_refused(dir / "file" / "lock", lock_options{}, {ENOTDIR}, "", dir.path());
}

BOOST_AUTO_TEST_CASE(overlong_name_and_overlong_path_are_refused_with_enametoolong)
{
    test_support::temp_dir dir;
    // One component longer than NAME_MAX (255).
    expect_refused(dir / std::string(300, 'n'), lock_options{}, {ENAMETOOLONG}, "", dir.path());
    // A whole path longer than PATH_MAX (4096), every component of a legal length.
    fs::path long_path = dir.path();
    while (long_path.native().size() <= 4200)
        long_path /= std::string(200, 'd');
    expect_refused(long_path / "lock", lock_options{}, {ENAMETOOLONG}, "", dir.path());
}
#endif

BOOST_AUTO_TEST_CASE(directory_at_the_lock_path_is_refused_and_left_alone)
{
    test_support::temp_dir dir;
    fs::create_directory(dir / "lock");
    test_support::write_file(dir / "lock" / "inside", "keep\n");
#if defined(_WIN32)
    const fs::filesystem_error error = refusal_on_windows(dir / "lock");
    BOOST_TEST((error.code().category() == std::system_category()), error.what());
    BOOST_TEST(error.code().value() != 0);
#else
    expect_refused(dir / "lock", lock_options{}, {EISDIR}, "a directory", dir.path());
#endif
    BOOST_TEST(fs::is_directory(dir / "lock"));
    BOOST_TEST(test_support::read_file(dir / "lock" / "inside") == "keep\n");
}

// POSIX: Windows lets only privileged users make symbolic links; it has no FIFOs, sockets in
// the file system nor /dev (test_windows refuses its device names).
#if !defined(_WIN32)

// ---- Symbolic links -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(symlink_to_a_regular_file_is_refused_by_default_and_its_target_not_modified)
{
    test_support::temp_dir dir;
    test_support::write_file(dir / "target", "precious data\n");
    fs::create_symlink(dir / "target", dir / "lock");
    expect_refused(dir / "lock", lock_options{}, {ELOOP}, "symbolic link", dir.path());
    BOOST_TEST(test_support::read_file(dir / "target") == "precious data\n");
}

BOOST_AUTO_TEST_CASE(symlink_is_followed_to_its_target_when_asked)
{
    test_support::temp_dir dir;
    test_support::write_file(dir / "target", "old content\n");
    fs::create_symlink(dir / "target", dir / "lock");
    lock_options follow;
    follow.follow_symlinks = true;
    {
        lock_file lock(dir / "lock", follow);
        BOOST_TEST(lock.owns_lock());
        // The target is what is locked: under its own name, in this process and in others.
        lock_file by_target(dir / "target", std::defer_lock);
        BOOST_TEST(!by_target.try_lock());
        BOOST_TEST(test_support::no_peer_can_lock(dir / "target"));
    }
    // Read only after release: reading a held file in-process would drop its fcntl lock.
    BOOST_TEST(test_support::read_file(dir / "target") == " " + std::to_string(::getpid()) + "\n");
    BOOST_TEST(fs::is_symlink(dir / "lock"));
    BOOST_TEST(fs::read_symlink(dir / "lock") == dir / "target");
}

BOOST_AUTO_TEST_CASE(dangling_symlink_followed_on_request_creates_its_target)
{
    test_support::temp_dir dir;
    fs::create_symlink(dir / "target", dir / "lock");
    lock_options follow;
    follow.follow_symlinks = true;
    {
        lock_file lock(dir / "lock", follow);
        BOOST_TEST(lock.owns_lock());
        BOOST_TEST(test_support::no_peer_can_lock(dir / "target"));
    }
    BOOST_TEST(test_support::read_file(dir / "target") == " " + std::to_string(::getpid()) + "\n");
    BOOST_TEST(fs::is_symlink(dir / "lock"));
}

BOOST_AUTO_TEST_CASE(dangling_symlink_is_refused_and_its_target_not_created)
{
    test_support::temp_dir dir;
    fs::create_symlink(dir / "planted", dir / "lock");
    expect_refused(dir / "lock", lock_options{}, {ELOOP}, "symbolic link", dir.path());
    BOOST_TEST(!fs::exists(fs::symlink_status(dir / "planted")));
}

BOOST_AUTO_TEST_CASE(symlink_to_a_directory_followed_on_request_is_named_a_link_to_a_directory)
{
    test_support::temp_dir dir;
    fs::create_directory(dir / "target");
    fs::create_directory_symlink(dir / "target", dir / "lock");
    lock_options follow;
    follow.follow_symlinks = true;
    expect_refused(dir / "lock", follow, {EISDIR}, "symbolic link to a directory", dir.path());
}

// ---- Files that are not regular files -------------------------------------------------------

BOOST_AUTO_TEST_CASE(fifo_is_refused_without_blocking)
{
    test_support::temp_dir dir;
    const fs::path fifo = dir / "lock";
    BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0, error_text(errno));
    // Opening a FIFO can block until a peer opens the other end. Try it first in a child that
    // is killed if it takes too long; only once it is known to return, check the details here.
    const fork_report child = run_in_fork_reporting(
        [&](std::string& report) { return refused_everywhere(fifo, {}, report); });
    BOOST_TEST_REQUIRE(child.status == refused_as_expected, "child exit " << child.status << ":\n" << child.text);
    expect_refused(fifo, lock_options{}, {}, "a FIFO", dir.path());
}

BOOST_AUTO_TEST_CASE(unix_socket_is_refused)
{
    test_support::temp_dir dir;
    const fs::path socket_path = dir / "lock";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    BOOST_TEST_REQUIRE(socket_path.native().size() < sizeof address.sun_path);
    std::strcpy(address.sun_path, socket_path.c_str());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_TEST_REQUIRE(fd >= 0, error_text(errno));
    const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    const int bind_error = errno;
    ::close(fd); // the socket's file stays
    BOOST_TEST_REQUIRE(bound == 0, error_text(bind_error));
    expect_refused(socket_path, lock_options{}, {}, "a socket", dir.path());
}

BOOST_AUTO_TEST_CASE(character_device_is_refused_and_left_a_character_device)
{
    struct stat before;
    BOOST_TEST_REQUIRE(::stat("/dev/null", &before) == 0);
    BOOST_TEST_REQUIRE(S_ISCHR(before.st_mode));
    // Not snapshotted: /dev belongs to the system and changes on its own.
    expect_refused("/dev/null", lock_options{}, {}, "a character device", fs::path());
    struct stat after;
    BOOST_TEST_REQUIRE(::stat("/dev/null", &after) == 0);
    BOOST_TEST(S_ISCHR(after.st_mode));
    BOOST_TEST(after.st_rdev == before.st_rdev);
    BOOST_TEST((after.st_mode & 07777) == (before.st_mode & 07777));
}

#endif

BOOST_AUTO_TEST_CASE(hard_linked_file_is_refused_with_emlink_and_its_content_unchanged)
{
    test_support::temp_dir dir;
    test_support::write_file(dir / "their-file", "their data\n");
    fs::create_hard_link(dir / "their-file", dir / "lock");
#if defined(_WIN32)
    const fs::filesystem_error error = refusal_on_windows(dir / "lock");
    BOOST_TEST((error.code() == std::error_code(ERROR_TOO_MANY_LINKS, std::system_category())), error.what());
#else
    expect_refused(dir / "lock", lock_options{}, {EMLINK}, "hard links", dir.path());
#endif
    BOOST_TEST(test_support::read_file(dir / "their-file") == "their data\n");
}

// POSIX: users, modes, mounts and /proc/sys.
#if !defined(_WIN32)

// ---- Permissions and read-only file systems -------------------------------------------------

// Root bypasses permission checks, so these attempts run in a child that has become nobody;
// not being root, the test runs them as the current user, against files it made inaccessible.

BOOST_AUTO_TEST_CASE(unprivileged_user_cannot_lock_inside_a_private_directory,
                     *utf::precondition(permissions_can_apply))
{
    test_support::temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0755)); // nobody may reach `private`, not enter it
    const fs::path private_dir = dir / "private";
    fs::create_directory(private_dir);
    fs::permissions(private_dir, fs::perms(0700));
    const fs::path path = private_dir / "lock";
    const bool root = ::geteuid() == 0;
    const tree_snapshot before = snapshot(dir.path());

    // As the owner, a non-root user needs mode 0 to be kept out; restored before the snapshot.
    if (!root)
        fs::permissions(private_dir, fs::perms::none);
    const fork_report child = run_in_fork_reporting([&](std::string& report) {
        report = drop_privileges();
        if (!report.empty())
            return int(could_not_set_up);
        return refused_everywhere(path, {EACCES, EPERM}, report);
    });
    if (!root)
        fs::permissions(private_dir, fs::perms(0700));

    BOOST_TEST(child.status == refused_as_expected, "child exit " << child.status << ":\n" << child.text);
    CHECK_UNCHANGED(before, snapshot(dir.path()));
}

// The file exists, so "cannot create" would send the user looking in the wrong place.
BOOST_AUTO_TEST_CASE(existing_file_behind_a_directory_that_cannot_be_searched_names_the_directory,
                     *utf::precondition(permissions_can_apply))
{
    test_support::temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0755));
    const fs::path closed = dir / "closed";
    fs::create_directory(closed);
    test_support::write_file(closed / "lock", " 1\n");
    fs::permissions(closed, fs::perms(0644)); // may be listed, not searched, by anyone
    const fork_report child = run_in_fork_reporting([&](std::string& report) {
        report = drop_privileges();
        if (!report.empty())
            return int(could_not_set_up);
        const outcome result = attempt([&] { return returned(lock_file(closed / "lock").owns_lock()); });
        const int status = classify(result, closed / "lock", {EACCES}, report);
        if (status != refused_as_expected)
            return status;
        return contains(result.what, "cannot be searched") && !contains(result.what, "create") ? 0 : 1;
    });
    fs::permissions(closed, fs::perms(0755));
    BOOST_TEST(child.status == 0, "child exit " << child.status << ":\n" << child.text);
}

/// Sets a sysctl under /proc/sys for the life of the object, then puts the old value back.
class scoped_sysctl {
public:
    scoped_sysctl(fs::path name, const std::string& value) : name_(std::move(name)), old_(read_value(name_))
    {
        write_value(name_, value);
    }
    ~scoped_sysctl() { write_value(name_, old_); }
    scoped_sysctl(const scoped_sysctl&) = delete;
    scoped_sysctl& operator=(const scoped_sysctl&) = delete;

    static std::string read_value(const fs::path& name)
    {
        std::string value = test_support::read_file(name);
        while (!value.empty() && value.back() == '\n')
            value.pop_back();
        return value;
    }
    static void write_value(const fs::path& name, const std::string& value)
    {
        test_support::write_file(name, value + "\n");
    }

private:
    fs::path name_;
    std::string old_;
};

const fs::path protected_regular = "/proc/sys/fs/protected_regular";

boost::test_tools::assertion_result protected_regular_settable(utf::test_unit_id)
{
    bool settable = false;
    if (::geteuid() == 0 && fs::exists(protected_regular)) {
        const std::string old = scoped_sysctl::read_value(protected_regular);
        try {
            scoped_sysctl::write_value(protected_regular, old);
            settable = scoped_sysctl::read_value(protected_regular) == old;
        } catch (const std::exception&) {
        }
    }
    boost::test_tools::assertion_result result(settable);
    result.message() << "needs root and a writable " << protected_regular;
    return result;
}

/// A world-writable sticky directory, as /tmp, in `dir`.
fs::path sticky_directory_in(const test_support::temp_dir& dir)
{
    fs::permissions(dir.path(), fs::perms(0755));
    const fs::path shared = dir / "tmp";
    fs::create_directory(shared);
    fs::permissions(shared, fs::perms(01777));
    return shared;
}

/// A lock file at `path` as the user nobody would have made it, readable and writable by all.
void make_as_nobody(const fs::path& path)
{
    test_support::write_file(path, " 1\n");
    fs::permissions(path, fs::perms(0666));
    if (::chown(path.c_str(), nobody, nogroup) != 0)
        throw std::runtime_error("chown " + path.string() + ": " + error_text(errno));
}

// fs.protected_regular=1 (systemd's default) refuses O_CREAT on an existing file that another
// user owns in a world-writable sticky directory (/tmp), even for root. A lock file that another
// user created there must still be lockable by anyone allowed to open it, as with O_CREAT off.
BOOST_AUTO_TEST_CASE(a_lock_file_another_user_made_in_a_sticky_directory_can_be_locked_under_protected_regular,
                     *utf::precondition(protected_regular_settable))
{
    test_support::temp_dir dir;
    const fs::path path = sticky_directory_in(dir) / "lock";
    make_as_nobody(path);
    const scoped_sysctl setting(protected_regular, "1");
    {
        lock_file lock(path);
        BOOST_TEST(lock.owns_lock());
    }
    BOOST_TEST(test_support::read_file(path) == " " + std::to_string(::getpid()) + "\n");
}

namespace {

/// The race between the library's opens: `file` is missing at the first, which does not create,
/// and another user creates it in a sticky directory just before the `nth` open that may create
/// it. Under fs.protected_regular, a plain O_CREAT would then be refused; the file must be
/// locked through `path` (`file` itself, or a link to it).
void lock_a_file_another_user_creates_between_our_opens(const fs::path& path, const fs::path& file,
                                                        bool follow_symlinks, int nth)
{
    const scoped_sysctl setting(protected_regular, "1");
    const test_support::before_creating_open other_user_first(
        path, [&] { make_as_nobody(file); }, nth);
    lock_options options;
    options.follow_symlinks = follow_symlinks;
    {
        lock_file lock(path, options);
        BOOST_TEST(lock.owns_lock());
    }
    BOOST_TEST(other_user_first.ran());
    BOOST_TEST((fs::status(file).permissions() == fs::perms(0666))); // the other user's file, not a new one
    BOOST_TEST(test_support::read_file(file) == " " + std::to_string(::getpid()) + "\n");
}

} // namespace

BOOST_AUTO_TEST_CASE(a_lock_file_another_user_creates_between_our_opens_is_locked_under_protected_regular,
                     *utf::precondition(protected_regular_settable))
{
    test_support::temp_dir dir;
    const fs::path path = sticky_directory_in(dir) / "lock";
    lock_a_file_another_user_creates_between_our_opens(path, path, false, 1);
}

BOOST_AUTO_TEST_CASE(the_same_race_with_symlinks_followed_is_locked_under_protected_regular,
                     *utf::precondition(protected_regular_settable))
{
    test_support::temp_dir dir;
    const fs::path path = sticky_directory_in(dir) / "lock";
    lock_a_file_another_user_creates_between_our_opens(path, path, true, 1);
}

// A followed link whose target is missing is created through a plain O_CREAT (O_EXCL never
// follows a link). Another user may create the target in a sticky directory just before it,
// which fs.protected_regular then refuses: the target exists by then and must be locked.
BOOST_AUTO_TEST_CASE(a_followed_links_target_another_user_creates_between_our_opens_is_locked_under_protected_regular,
                     *utf::precondition(protected_regular_settable))
{
    test_support::temp_dir dir;
    const fs::path target = sticky_directory_in(dir) / "lock";
    const fs::path link = dir / "lock";
    fs::create_symlink(target, link);
    // The first creating open of the link is the exclusive one; the second, the plain one.
    lock_a_file_another_user_creates_between_our_opens(link, target, true, 2);
}

BOOST_AUTO_TEST_CASE(unprivileged_user_cannot_lock_a_read_only_file_and_it_is_unchanged,
                     *utf::precondition(permissions_can_apply))
{
    test_support::temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0755));
    const fs::path shared = dir / "shared";
    fs::create_directory(shared);
    fs::permissions(shared, fs::perms(0777)); // world-writable, as a lock directory might be
    const fs::path path = shared / "lock";
    test_support::write_file(path, " 1\n");
    fs::permissions(path, fs::perms(0444));
    const tree_snapshot before = snapshot(dir.path());

    const fork_report child = run_in_fork_reporting([&](std::string& report) {
        report = drop_privileges();
        if (!report.empty())
            return int(could_not_set_up);
        return refused_everywhere(path, {EACCES, EPERM}, report);
    });

    BOOST_TEST(child.status == refused_as_expected, "child exit " << child.status << ":\n" << child.text);
    CHECK_UNCHANGED(before, snapshot(dir.path()));
}

BOOST_AUTO_TEST_CASE(read_only_file_system_is_refused_with_erofs_and_nothing_changes,
                     *utf::precondition(read_only_mounts_possible))
{
    // `data` is mounted read-only on `ro` in the child's own mount namespace only; the parent
    // sees `data` as it is and snapshots it.
    test_support::temp_dir dir;
    fs::create_directory(dir / "data");
    fs::create_directory(dir / "ro");
    test_support::write_file(dir / "data" / "existing", " 1\n");
    const tree_snapshot before = snapshot(dir.path());

    const fork_report child = run_in_fork_reporting([&](std::string& report) {
        report = mount_read_only(dir / "data", dir / "ro");
        if (!report.empty())
            return int(could_not_set_up);
        report = "existing file:\n";
        const int existing = refused_everywhere(dir / "ro" / "existing", {EROFS}, report);
        report += "new file:\n";
        const int created = refused_everywhere(dir / "ro" / "new", {EROFS}, report);
        return existing != refused_as_expected ? existing : created;
    });

    BOOST_TEST(child.status == refused_as_expected, "child exit " << child.status << ":\n" << child.text);
    CHECK_UNCHANGED(before, snapshot(dir.path()));
}

#endif

// ---- Content templates ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bad_content_template_is_rejected_by_every_constructor_before_any_file_is_touched)
{
#if defined(_WIN32)
    // Without refusal.hpp and tree snapshots (POSIX): the type, and no file made.
    test_support::temp_dir dir;
    BOOST_CHECK_THROW(lock_file(dir / "lock", {"{user}"}), std::invalid_argument);
    BOOST_CHECK_THROW(lock_file(dir / "lock", std::defer_lock, {"{pid"}), std::invalid_argument);
    BOOST_CHECK_THROW(lock_file(dir / "lock", 10ms, {"}"}), std::invalid_argument);
    BOOST_TEST(!fs::exists(dir / "lock"));
#else
    struct bad_template {
        std::string text;
        std::vector<std::string> phrases; // what the message must say
    };
    const std::string huge(1 << 20, 'x');
    const std::vector<bad_template> bad_templates = {
        {"{user}", {"{user}", "unknown field", "offset 0"}},
        {"{pid", {"{pid", "without a closing '}'", "offset 0"}},
        {"}", {"single '}'", "offset 0"}},
        {std::string(4095, 'x'), {"too long", "4095"}}, // renders more than 4094 bytes
        {huge, {"too long", "1048576"}},
        {huge + "{user}", {"unknown field \"{user}\"", "offset 1048576"}},
        {"{hostname}" + huge + "{", {"without a closing '}'", "offset 1048586"}},
        // Short, but 17 host names of up to 255 bytes each could render 4335.
        {[] {
             std::string text;
             for (int i = 0; i < 17; ++i)
                 text += "{hostname}";
             return text;
         }(),
         {"too long", "4335"}},
    };
    const std::vector<std::pair<std::string, entry>> constructors = {
        {"lock_file(path, options)",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, options);
             return returned(lock.owns_lock());
         }},
        {"lock_file(path, std::defer_lock, options)",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, std::defer_lock, options);
             return returned(lock.owns_lock());
         }},
        {"lock_file(path, 100ms, options)",
         [](const fs::path& path, const lock_options& options) {
             lock_file lock(path, 100ms, options);
             return returned(lock.owns_lock());
         }},
    };
    test_support::temp_dir dir;
    // In an existing directory, the file must not be created; in a missing one, the template
    // error must come first, which shows the template is checked before the path is used.
    const std::vector<fs::path> paths = {dir / "lock", dir / "missing" / "lock"};
    for (const bad_template& bad : bad_templates) {
        for (const auto& [name, construct] : constructors) {
            for (const fs::path& path : paths) {
                BOOST_TEST_CONTEXT(name << " with template \"" << bad.text.substr(0, 20) << "\" on " << path)
                {
                    const tree_snapshot before = snapshot(dir.path());
                    const outcome result = attempt(
                        [&, &construct = construct] { return construct(path, lock_options{bad.text}); });
                    BOOST_TEST(result.type == type_name<std::invalid_argument>(),
                               "expected invalid_argument, got " << result.type << ": " << result.what);
                    BOOST_TEST(contains(result.what, path.string()),
                               "path missing from what(): " << result.what.substr(0, 300));
                    // A huge template must not make a huge message.
                    BOOST_TEST(result.what.size() < 1000u, result.what.size()
                                                               << " bytes: " << result.what.substr(0, 300));
                    for (const std::string& phrase : bad.phrases)
                        BOOST_TEST(contains(result.what, phrase),
                                   "\"" << phrase << "\" missing from what(): " << result.what.substr(0, 300));
                    CHECK_UNCHANGED(before, snapshot(dir.path()));
                }
            }
        }
    }
#endif
}

// POSIX: refusal.hpp's outcomes, tree snapshots and forked children.
#if !defined(_WIN32)

// ---- Timeouts -------------------------------------------------------------------------------

// Zero and negative durations, including the most negative one, which must not wrap around
// into a huge wait when added to the clock.
#define FOR_EACH_NON_POSITIVE_TIMEOUT(CHECK)    \
    CHECK(std::chrono::seconds(0));             \
    CHECK(std::chrono::nanoseconds(-1));        \
    CHECK(std::chrono::seconds(-5));            \
    CHECK(std::chrono::duration<double>(-0.5)); \
    CHECK(std::chrono::hours::min());           \
    CHECK(std::chrono::nanoseconds::min())

BOOST_AUTO_TEST_CASE(zero_and_negative_timeouts_make_the_constructor_fail_at_once_with_lock_timeout)
{
    test_support::temp_dir dir;
    const fs::path path = dir / "lock";
    const std::string pid = std::to_string(::getpid());
    lock_file holder(path);
    const tree_snapshot before = snapshot(dir.path(), false);
    {
        const test_support::log_capture log; // also keeps the expected records off the console
        const release_after watchdog(holder, test_support::patience);
        // The intruder's template differs from the holder's, so a write would show in the file.
#define CHECK_CONSTRUCTOR_FAILS_AT_ONCE(timeout)                                                     \
    BOOST_TEST_CONTEXT(#timeout)                                                                     \
    {                                                                                                \
        const std::size_t records_before = log.records().size();                                     \
        const auto start = steady_clock::now();                                                      \
        const outcome result = attempt([&] {                                                         \
            lock_file intruder(path, timeout, lock_options{"intruder"});                             \
            return returned(intruder.owns_lock());                                                   \
        });                                                                                          \
        const auto took = steady_clock::now() - start;                                               \
        BOOST_TEST(result.type == type_name<exclusive_control::lock_timeout>(),                      \
                   "expected lock_timeout, got " << result.type << ": " << result.what);             \
        BOOST_TEST(result.path == path.string());                                                    \
        BOOST_TEST(result.holder == pid);                                                            \
        BOOST_TEST(contains(result.what, path.string()), result.what);                               \
        BOOST_TEST(contains(result.what, "timeout"), result.what);                                   \
        BOOST_TEST((took < prompt), "took " << std::chrono::duration<double>(took).count() << " s"); \
        BOOST_TEST(log.records().size() == records_before + 1);                                      \
    }
        FOR_EACH_NON_POSITIVE_TIMEOUT(CHECK_CONSTRUCTOR_FAILS_AT_ONCE);
#undef CHECK_CONSTRUCTOR_FAILS_AT_ONCE
    }
    BOOST_TEST(holder.owns_lock(), "the watchdog had to release the holder: some attempt waited");
    CHECK_UNCHANGED(before, snapshot(dir.path(), false));
    // The failed attempts opened the file; closing their descriptors must not have dropped the
    // holder's fcntl lock (hazard 2).
    BOOST_TEST(test_support::no_peer_can_lock(path));
    holder.close();
    BOOST_TEST(test_support::read_file(path) == " " + pid + "\n");
}

BOOST_AUTO_TEST_CASE(zero_and_negative_try_lock_for_is_a_single_try_returning_false)
{
    test_support::temp_dir dir;
    const fs::path path = dir / "lock";
    const std::string pid = std::to_string(::getpid());
    lock_file holder(path);
    const tree_snapshot before = snapshot(dir.path(), false);
    {
        const test_support::log_capture log;
        const release_after watchdog(holder, test_support::patience);
        lock_file intruder(path, std::defer_lock, lock_options{"intruder"});
#define CHECK_TRY_LOCK_FOR_FAILS_AT_ONCE(timeout)                                                    \
    BOOST_TEST_CONTEXT(#timeout)                                                                     \
    {                                                                                                \
        const auto start = steady_clock::now();                                                      \
        const outcome result = attempt([&] { return returned(intruder.try_lock_for(timeout)); });    \
        const auto took = steady_clock::now() - start;                                               \
        BOOST_TEST(result.type == nothing_thrown, result.what);                                      \
        BOOST_TEST(result.what == returned(false));                                                  \
        BOOST_TEST((took < prompt), "took " << std::chrono::duration<double>(took).count() << " s"); \
    }
        FOR_EACH_NON_POSITIVE_TIMEOUT(CHECK_TRY_LOCK_FOR_FAILS_AT_ONCE);
#undef CHECK_TRY_LOCK_FOR_FAILS_AT_ONCE
        // A deadline already past is the same single try.
        BOOST_TEST(!intruder.try_lock_until(steady_clock::time_point::min()));
        BOOST_TEST(!intruder.try_lock_until(std::chrono::system_clock::now() - 1h));
        BOOST_TEST(log.records().empty(), "try_lock_for returning false must not log");
    }
    BOOST_TEST(holder.owns_lock(), "the watchdog had to release the holder: some attempt waited");
    CHECK_UNCHANGED(before, snapshot(dir.path(), false));
    BOOST_TEST(test_support::no_peer_can_lock(path));
    holder.close();
    BOOST_TEST(test_support::read_file(path) == " " + pid + "\n");
}

BOOST_AUTO_TEST_CASE(maximal_timeouts_on_a_free_lock_take_it_at_once)
{
    test_support::temp_dir dir;
    const fs::path path = dir / "lock";
#define CHECK_TAKEN_AT_ONCE(expression)                                                              \
    BOOST_TEST_CONTEXT(#expression)                                                                  \
    {                                                                                                \
        const auto start = steady_clock::now();                                                      \
        const outcome result = attempt([&] { return expression; });                                  \
        const auto took = steady_clock::now() - start;                                               \
        BOOST_TEST(result.type == nothing_thrown, result.what);                                      \
        BOOST_TEST(result.what == returned(true));                                                   \
        BOOST_TEST((took < prompt), "took " << std::chrono::duration<double>(took).count() << " s"); \
    }
    lock_file lock(path, std::defer_lock);
    auto try_for = [&](auto timeout) {
        const bool locked = lock.try_lock_for(timeout);
        lock.close();
        return returned(locked);
    };
    auto try_until = [&](auto deadline) {
        const bool locked = lock.try_lock_until(deadline);
        lock.close();
        return returned(locked);
    };
    auto construct = [&](auto timeout) {
        lock_file constructed(path, timeout);
        return returned(constructed.owns_lock());
    };
    CHECK_TAKEN_AT_ONCE(try_for(std::chrono::hours::max()));
    CHECK_TAKEN_AT_ONCE(try_for(std::chrono::nanoseconds::max()));
    CHECK_TAKEN_AT_ONCE(try_for(std::chrono::duration<double>::max()));
    CHECK_TAKEN_AT_ONCE(try_until(steady_clock::time_point::max()));
    CHECK_TAKEN_AT_ONCE(try_until(std::chrono::system_clock::time_point::max()));
    CHECK_TAKEN_AT_ONCE(construct(std::chrono::hours::max()));
#undef CHECK_TAKEN_AT_ONCE
}

BOOST_AUTO_TEST_CASE(maximal_try_lock_for_waits_for_a_held_lock_instead_of_failing_at_once)
{
    // On a free lock, a timeout that wrapped around into the past still succeeds at once; only
    // a held lock tells "wait forever" from "already expired". In a child, so that a wait that
    // never ends is killed instead of hanging the suite.
    test_support::temp_dir dir;
    const fs::path path = dir / "lock";
    constexpr auto held_for = 300ms;
    const fork_report child = run_in_fork_reporting([&](std::string& report) {
        lock_file holder(path);
        const release_after release(holder, held_for);
        lock_file waiter(path, std::defer_lock);
        const auto start = steady_clock::now();
        const bool locked = waiter.try_lock_for(std::chrono::hours::max());
        const auto took = steady_clock::now() - start;
        report = returned(locked) + " after " + std::to_string(std::chrono::duration<double>(took).count()) + " s";
        if (!locked)
            return 1;
        // The release was scheduled a little before `start`: allow for that, not for failing early.
        return took < held_for - 50ms ? 2 : 0;
    });
    BOOST_TEST(child.status == 0, "child exit " << child.status << ": " << child.text);
}
#endif
