// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The locking protocol. lock_file's calls come first: each takes the lock by one attempt
// (`acquire_now`) or by a wait, which lib/detail/pending_lock.cpp runs for synchronous and
// asynchronous waits alike, repeating the same attempt. The attempt, `acquisition::try_once`,
// follows; it reads as the protocol, one step per paragraph:
//   1. a descriptor kept from the previous attempt must still name the file at the path;
//   2. a file this process holds is never opened again: it is looked up by name;
//   3. open the file (creating it if missing), and refuse what is not a plain file;
//   4. under the in-process table's mutex: refuse a file another lock_file here holds, lock it;
//   5. register it in the table;
//   6. write the holder's content.
// Releasing runs the other way: unregister, unlock, close. The hazards named are those of
// doc/design.adoc; what a lock is on each system is behind detail/os_lock.hpp.
#include <exclusive_control/detail/pending_lock.hpp>
#include <exclusive_control/lock_file.hpp>

#include "detail/content_template.hpp"
#include "detail/failure_log.hpp"
#include "detail/holder.hpp"
#include "detail/lock_attempts.hpp"
#include "detail/os_lock.hpp"
#include "detail/path_text.hpp"
#include "detail/printable.hpp"
#include "detail/process_table.hpp"

#include <optional>
#include <stdexcept>
#include <system_error>

namespace exclusive_control {

namespace {

namespace fs = std::filesystem;
using detail::held_file;
using detail::process_table;
using detail::unique_file;

std::shared_ptr<held_file> acquire_now(const fs::path& path, const lock_options& options, std::string& holder);
void release(held_file& held) noexcept;
[[noreturn]] void give_up(const fs::path& path, const lock_options& options, const std::string& holder, bool timed_out);

void require_path(const fs::path& path)
{
    if (path.empty())
        throw fs::filesystem_error("lock file path is empty", path, std::make_error_code(std::errc::invalid_argument));
}

} // namespace

lock_file::lock_file(fs::path path, lock_options options)
    : lock_file(std::move(path), std::defer_lock, std::move(options))
{
    std::string holder;
    held_ = acquire_now(path_, options_, holder);
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
    return held_ && !held_->orphaned();
}

bool lock_file::try_lock_until_steady(std::chrono::steady_clock::time_point deadline)
{
    if (owns_lock())
        throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                                "lock file " + detail::path_text(path_) + " is already held by this object");
    require_path(path_);
    close(); // a copy inherited through fork() holds nothing of ours
    std::string holder;
    return acquire_until(deadline, holder);
}

void lock_file::lock_or_throw_timeout(std::chrono::steady_clock::time_point deadline)
{
    std::string holder;
    if (!acquire_until(deadline, holder))
        give_up(path_, options_, holder, true);
}

bool lock_file::acquire_until(std::chrono::steady_clock::time_point deadline, std::string& holder)
{
    // A deadline already past means a single attempt, which needs nothing of the waiting engine.
    if (deadline > std::chrono::steady_clock::now())
        return detail::pending_lock::wait_here(*this, deadline, holder);
    held_ = acquire_now(path_, options_, holder);
    return held_ != nullptr;
}

namespace {

/// Who stood in the way of an attempt.
enum class blocker { this_process, another_process };

/// What one attempt came to: the lock, or who holds it and what they wrote.
struct attempt_result {
    std::shared_ptr<held_file> lock;
    blocker blocked_by = blocker::another_process;
    std::string holder;
};

/// The attempts of one call to take the lock.
///
/// Between attempts it keeps its descriptor open: closing it would wake every waiter that
/// watches the file for closes (this one included), and would drop the fcntl lock if another
/// thread of this process took the file meanwhile (hazard 2).
class acquisition {
public:
    /// Renders the content now, so a failure to read the host name touches no file.
    acquisition(const fs::path& path, const lock_options& options)
        : path_(path), options_(options),
          content_(options.write_content ? detail::content_template(options.content_template).render(path)
                                         : std::string())
    {
    }
    acquisition(const acquisition&) = delete;
    acquisition& operator=(const acquisition&) = delete;

    attempt_result try_once();

    /// The file the latest attempt found, and the descriptor kept open on it (none if the
    /// holder is in this process).
    const detail::file_identity& identity() const noexcept { return identity_; }
    detail::native_file descriptor() const noexcept { return kept_.get(); }

private:
    /// Opens the file and keeps the descriptor; false if another program's open excludes ours.
    bool open_descriptor();

    const fs::path& path_;
    const lock_options& options_;
    const std::string content_;
    detail::table_descriptor kept_;
    detail::file_identity identity_{};
};

attempt_result acquisition::try_once()
{
    process_table& table = process_table::instance();

    // 1. If the path was deleted or replaced since the previous attempt, locking the file we
    // kept open would exclude nobody (hazard 5): start again from the path.
    if (kept_ && detail::identity_at(path_, options_.follow_symlinks) != std::optional(identity_))
        kept_.reset();

    // 2. Opening a descriptor of a file this process holds, just to find that out, and closing
    // it again would drop the fcntl lock (hazard 2).
    if (!kept_ && table.may_hold_any()) {
        if (const auto identity = detail::identity_at(path_, options_.follow_symlinks)) {
            if (auto holder = table.holder_if_held(*identity)) {
                identity_ = *identity;
                return {nullptr, blocker::this_process, std::move(*holder)};
            }
        }
    }

    // 3. Open it; not a symbolic link, FIFO, directory or file with two names (hazard 6).
    if (!kept_ && !open_descriptor())
        return {nullptr, blocker::another_process, detail::parse_holder({})};
    std::shared_ptr<held_file> held;
    {
        const detail::table_guard guard = table.guard();
        // 4. fcntl would let this process lock the file twice, the table says no (hazard 1). The
        // descriptor may name a file we hold (a race with step 2): it stays open.
        if (const held_file* mine = table.live_entry(guard, identity_))
            return {nullptr, blocker::this_process, detail::read_holder(mine->file())};
        const std::optional<detail::lock_parts> parts = detail::try_lock(kept_.get(), path_);
        if (!parts)
            return {nullptr, blocker::another_process, detail::read_holder(kept_.get())};

        // 5. From now on the table decides when a descriptor of this file may close.
        held = table.insert(guard, std::move(kept_), *parts);
    }

    // 6. The content, zc.lockfile's format: " <content>\n" at offset 0, the rest truncated.
    if (options_.write_content) {
        try {
            detail::write_content(held->file(), content_, path_);
        } catch (...) {
            release(*held);
            throw;
        }
    }
    return {std::move(held), blocker::another_process, {}};
}

bool acquisition::open_descriptor()
{
    unique_file file = detail::open_lock_file(path_, options_);
    if (file.get() == detail::no_file)
        return false;
    const detail::file_status status = detail::status_of(file.get(), path_);
    identity_ = status.identity;
    // A file of another type is never one this process holds, but a regular file with a
    // second name may be: even this descriptor closes through the table.
    kept_ = detail::table_descriptor(identity_, std::move(file));
    detail::require_plain_file(status, path_);
    return true;
}

std::shared_ptr<held_file> acquire_now(const fs::path& path, const lock_options& options, std::string& holder)
{
    acquisition attempt(path, options);
    attempt_result result = attempt.try_once();
    if (!result.lock)
        holder = std::move(result.holder);
    return std::move(result.lock);
}

void release(held_file& held) noexcept
{
    process_table& table = process_table::instance();
    table.release(table.guard(), held);
}

/// The one Boost.Log record and the exception of a failed acquisition.
[[noreturn]] void give_up(const fs::path& path, const lock_options& options, const std::string& holder, bool timed_out)
{
    detail::log_failure(detail::failure_message(detail::path_text(path), holder, options.content_template));
    // what() is a C string: a NUL in the holder's content would end it (holder() keeps it whole).
    const std::string shown = detail::printable(holder);
    if (timed_out)
        throw lock_timeout("Couldn't lock " + detail::path_text(path) + " before the timeout; held by " + shown, path,
                           holder);
    throw lock_error("Couldn't lock " + detail::path_text(path) + "; held by " + shown, path, holder);
}

} // namespace

namespace detail {

// The waiting engine (pending_lock.cpp) repeats these attempts; the protocol stays above.
struct lock_attempts::state {
    state(fs::path path, lock_options options)
        : path(std::move(path)), options(std::move(options)), attempt(this->path, this->options)
    {
    }
    const fs::path path;
    const lock_options options;
    acquisition attempt; // refers to the members above
    attempt_result latest;
};

lock_attempts::lock_attempts(fs::path path, lock_options options)
    : state_(std::make_unique<state>(std::move(path), std::move(options)))
{
}

lock_attempts::~lock_attempts() = default;

std::shared_ptr<held_file> lock_attempts::try_once()
{
    state_->latest = state_->attempt.try_once();
    return std::move(state_->latest.lock);
}

bool lock_attempts::blocked_by_this_process() const noexcept
{
    return state_->latest.blocked_by == blocker::this_process;
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
    return state_->latest.holder;
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
