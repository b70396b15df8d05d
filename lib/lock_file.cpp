// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The locking protocol, top to bottom: validate, identify, open, lock, register, write;
// release in reverse. The hazards it answers are numbered as in doc/design.adoc.
#include <exclusive_control/lock_file.hpp>

#include "detail/content_template.hpp"
#include "detail/failure_log.hpp"
#include "detail/holder.hpp"
#include "detail/lock_attempts.hpp"
#include "detail/os_lock.hpp"
#include "detail/path_text.hpp"
#include "detail/printable.hpp"
#include "detail/process_table.hpp"
#include "detail/release_watch.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace exclusive_control {

namespace {

namespace fs = std::filesystem;
using detail::held_file;
using detail::unique_file;
using detail::process_table;

void require_path(const fs::path& path)
{
    if (path.empty())
        throw fs::filesystem_error("lock file path is empty", path,
                                   std::make_error_code(std::errc::invalid_argument));
}

/// Who stood in the way of the latest attempt.
enum class blocker { this_process, another_process };

/// The attempts of one call to take the lock.
///
/// Between attempts it keeps its descriptor open: closing it would wake every waiter that
/// watches the file for closes (this one included), and would drop the fcntl lock if another
/// thread of this process took the file meanwhile (hazard 2).
class acquisition {
public:
    acquisition(const fs::path& path, const lock_options& options) : path_(path), options_(options) {}
    ~acquisition() { drop_descriptor(); }
    acquisition(const acquisition&) = delete;
    acquisition& operator=(const acquisition&) = delete;

    /// One attempt. Returns the held lock, or nothing with `holder()` and `blocked_by()` set.
    std::shared_ptr<held_file> try_once();

    const std::string& holder() const noexcept { return holder_; }
    blocker blocked_by() const noexcept { return blocker_; }
    const detail::file_identity& identity() const noexcept { return identity_; }
    /// The descriptor kept between attempts, if any.
    detail::native_file descriptor() const noexcept { return kept_ ? kept_->get() : detail::no_file; }

private:
    std::shared_ptr<held_file> blocked(blocker by, std::string holder)
    {
        blocker_ = by;
        holder_ = std::move(holder);
        return nullptr;
    }
    /// Opens the file and keeps the descriptor; false if another program's open excludes ours.
    bool open_descriptor();
    void drop_descriptor() noexcept;

    const fs::path& path_;
    const lock_options& options_;
    std::optional<unique_file> kept_;
    detail::file_identity identity_{};
    std::string holder_;
    blocker blocker_ = blocker::another_process;
};

std::shared_ptr<held_file> acquisition::try_once()
{
    process_table& table = process_table::instance();

    // A descriptor kept while waiting names the file as it was. If the path was deleted or
    // replaced since, locking that file would exclude nobody: start again from the path.
    if (kept_ && detail::identity_at(path_, options_.follow_symlinks) != std::optional(identity_))
        drop_descriptor();

    // Hazard 2: if this process already holds the file under this name, opening a descriptor
    // just to find out and closing it again would drop the lock. Look it up by name first.
    if (!kept_ && table.may_hold_any()) {
        if (const auto identity = detail::identity_at(path_, options_.follow_symlinks)) {
            if (auto holder = table.holder_if_held(*identity)) {
                identity_ = *identity;
                return blocked(blocker::this_process, std::move(*holder));
            }
        }
    }
    if (!kept_ && !open_descriptor())
        return blocked(blocker::another_process, detail::parse_holder({}));
    const detail::native_file file = kept_->get();

    const auto guard = table.guard();
    // Hazard 1: fcntl would let this process lock the file twice; the table says no. The
    // descriptor may name a file we hold (a race with the lookup above): it stays open.
    if (const held_file* held = table.live_entry(identity_))
        return blocked(blocker::this_process, detail::read_holder(held->file.get()));
    const std::optional<detail::lock_parts> parts = detail::try_lock(file, path_);
    if (!parts)
        return blocked(blocker::another_process, detail::read_holder(file));
    auto held = std::make_shared<held_file>(identity_, std::move(*kept_), *parts);
    kept_.reset();
    table.insert(held);
    return held;
}

bool acquisition::open_descriptor()
{
    unique_file file = detail::open_lock_file(path_, options_);
    if (file.get() == detail::no_file)
        return false;
    const detail::file_status status = detail::status_of(file.get(), path_);
    identity_ = status.identity;
    kept_ = std::move(file);
    // A file of another type is never one this process holds, but a regular file with a
    // second name may be: dropping goes through the table.
    try {
        detail::require_plain_file(status, path_);
    } catch (...) {
        drop_descriptor();
        throw;
    }
    return true;
}

void acquisition::drop_descriptor() noexcept
{
    if (!kept_)
        return;
    process_table& table = process_table::instance();
    const auto guard = table.guard();
    table.close_or_defer(identity_, std::move(*kept_));
    kept_.reset();
}

void release(held_file& held) noexcept
{
    process_table& table = process_table::instance();
    const auto guard = table.guard();
    table.erase(held);
    // Hazard 4: a forked child's copy. The fork handler already closed the child's copies of
    // the descriptors; unlocking would release the flock the child shared with its parent.
    if (held.orphaned)
        return;
    detail::unlock(held.file.get(), held.parts);
    // Under the table's mutex, so no other thread can take the file between these closes.
    held.file = unique_file{};
    held.deferred.clear();
}

/// One attempt, with the content written if it took the lock: the step every wait repeats,
/// synchronous (below) or asynchronous (lock_attempts).
std::shared_ptr<held_file> take_and_write(acquisition& attempt, const fs::path& path, const lock_options& options,
                                          const std::string& content)
{
    std::shared_ptr<held_file> held = attempt.try_once();
    if (held && options.write_content) {
        try {
            detail::write_content(held->file.get(), content, path);
        } catch (...) {
            release(*held);
            throw;
        }
    }
    return held;
}

/// Takes the lock and writes the holder's content, retrying until `deadline`. Returns nothing,
/// with the latest holder in `holder`, if the lock was still held elsewhere at the deadline.
///
/// Waiting never spins: a holder in this process wakes us through the process table when it
/// releases; a holder elsewhere is watched for closes (release_watch) with a fallback poll for
/// releases that close nothing; where no watch is possible, a back-off poll.
std::shared_ptr<held_file> acquire_until(const fs::path& path, const lock_options& options,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::string& holder)
{
    using namespace std::chrono;
    constexpr auto fallback_poll = milliseconds(50);
    // Rendered before the file is touched, so a failure to read the host name changes nothing.
    const std::string content =
        options.write_content ? detail::content_template(options.content_template).render(path) : std::string();
    acquisition attempt(path, options);
    detail::release_watch watch;
    bool watching = false;
    detail::file_identity watched{};
    auto back_off = milliseconds(1);
    for (;;) {
        if (std::shared_ptr<held_file> held = take_and_write(attempt, path, options, content))
            return held;
        holder = attempt.holder();
        const auto now = steady_clock::now();
        if (!(now < deadline))
            return nullptr;
        if (attempt.blocked_by() == blocker::this_process) {
            process_table& table = process_table::instance();
            auto guard = table.guard();
            table.wait_for_release(guard, attempt.identity(), deadline);
            continue;
        }
        if (!watching || watched != attempt.identity()) {
            watching = watch.watch(attempt.descriptor());
            watched = attempt.identity();
            if (watching)
                continue; // a release just before the watch began raised no event: look again
        }
        if (watching) {
            watch.wait_until(std::min(deadline, now + fallback_poll));
        } else {
            std::this_thread::sleep_for(std::min<steady_clock::duration>(back_off, deadline - now));
            back_off = std::min<milliseconds>(back_off * 2, fallback_poll);
        }
    }
}

/// The one Boost.Log record and the exception of a failed acquisition.
[[noreturn]] void give_up(const fs::path& path, const lock_options& options, const std::string& holder,
                          bool timed_out)
{
    detail::log_failure(detail::failure_message(detail::path_text(path), holder, options.content_template));
    // what() is a C string: a NUL in the holder's content would end it (holder() keeps it whole).
    const std::string shown = detail::printable(holder);
    if (timed_out)
        throw lock_timeout("Couldn't lock " + detail::path_text(path) + " before the timeout; held by " + shown,
                           path, holder);
    throw lock_error("Couldn't lock " + detail::path_text(path) + "; held by " + shown, path, holder);
}

} // namespace

lock_file::lock_file(fs::path path, lock_options options)
    : lock_file(std::move(path), std::defer_lock, std::move(options))
{
    std::string holder;
    held_ = acquire_until(path_, options_, std::chrono::steady_clock::time_point::min(), holder);
    if (!held_)
        give_up(path_, options_, holder, false);
}

lock_file::lock_file(fs::path path, std::defer_lock_t, lock_options options)
    : path_(std::move(path)), options_(std::move(options))
{
    require_path(path_);
    try {
        detail::content_template{options_.content_template};
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("lock file " + detail::path_text(path_) + ": " + error.what());
    }
}

lock_file::lock_file(lock_file&& other) noexcept = default;

lock_file& lock_file::operator=(lock_file&& other) noexcept
{
    if (this != &other) {
        close();
        other.pending_.abandon(); // before taking its lock, which the wait could be installing
        path_ = std::move(other.path_);
        options_ = std::move(other.options_);
        held_ = std::move(other.held_);
    }
    return *this;
}

lock_file::~lock_file()
{
    close();
}

void lock_file::close() noexcept
{
    pending_.abandon(); // first: the wait might otherwise install a lock after this
    if (held_) {
        release(*held_);
        held_.reset();
    }
}

void lock_file::lock()
{
    try_lock_until_steady(std::chrono::steady_clock::time_point::max());
}

bool lock_file::try_lock()
{
    return try_lock_until_steady(std::chrono::steady_clock::time_point::min());
}

void lock_file::unlock()
{
    if (!owns_lock())
        throw std::system_error(std::make_error_code(std::errc::operation_not_permitted),
                                "unlock of lock file " + detail::path_text(path_) + " that this object does not hold");
    close();
}

bool lock_file::owns_lock() const noexcept
{
    return held_ && !held_->orphaned;
}

bool lock_file::try_lock_until_steady(std::chrono::steady_clock::time_point deadline)
{
    if (owns_lock())
        throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                                "lock file " + detail::path_text(path_) + " is already held by this object");
    require_path(path_);
    close(); // a copy inherited through fork() holds nothing of ours
    std::string holder;
    held_ = acquire_until(path_, options_, deadline, holder);
    return held_ != nullptr;
}

void lock_file::lock_or_throw_timeout(std::chrono::steady_clock::time_point deadline)
{
    std::string holder;
    held_ = acquire_until(path_, options_, deadline, holder);
    if (!held_)
        give_up(path_, options_, holder, true);
}

namespace detail {

// The waiting engine of async_lock.hpp drives these attempts; the protocol stays above.
struct lock_attempts::state {
    state(fs::path path, lock_options options)
        : path(std::move(path)), options(std::move(options)),
          content(this->options.write_content ? content_template(this->options.content_template).render(this->path)
                                              : std::string()),
          attempt(this->path, this->options)
    {
    }
    const fs::path path;
    const lock_options options;
    const std::string content;
    acquisition attempt; // refers to the members above
};

lock_attempts::lock_attempts(fs::path path, lock_options options)
    : state_(std::make_unique<state>(std::move(path), std::move(options)))
{
}

lock_attempts::~lock_attempts() = default;

std::shared_ptr<held_file> lock_attempts::try_once()
{
    return take_and_write(state_->attempt, state_->path, state_->options, state_->content);
}

bool lock_attempts::blocked_by_this_process() const noexcept
{
    return state_->attempt.blocked_by() == blocker::this_process;
}

const file_identity& lock_attempts::identity() const noexcept
{
    return state_->attempt.identity();
}

native_file lock_attempts::descriptor() const noexcept
{
    return state_->attempt.descriptor();
}

const std::string& lock_attempts::holder() const noexcept
{
    return state_->attempt.holder();
}

void lock_attempts::release(held_file& held) noexcept
{
    exclusive_control::release(held);
}

void lock_attempts::log_timeout() const noexcept
{
    try {
        log_failure(failure_message(path_text(state_->path), holder(), state_->options.content_template));
    } catch (...) {
        // The record is informational; an allocation failure must not turn a timeout into a crash.
    }
}

} // namespace detail

} // namespace exclusive_control
