// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The locking protocol, top to bottom: validate, identify, open, lock, register, write;
// release in reverse. The hazards it answers are numbered as in DESIGN.md.
#include <exclusive_control/lock_file.hpp>

#include "detail/content_template.hpp"
#include "detail/failure_log.hpp"
#include "detail/holder.hpp"
#include "detail/posix_file.hpp"
#include "detail/process_table.hpp"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace exclusive_control {

namespace {

namespace fs = std::filesystem;
using detail::held_file;
using detail::open_file;
using detail::process_table;

// On Linux the flock and fcntl families are independent, so a peer using either one is only
// excluded if we hold both (hazard 3). Elsewhere (FreeBSD, macOS) they share one lock table,
// and holding both from one process on two descriptors would conflict with itself.
#if defined(__linux__)
constexpr bool take_flock_too = true;
#else
constexpr bool take_flock_too = false;
#endif

void require_path(const fs::path& path)
{
    if (path.empty())
        throw fs::filesystem_error("lock file path is empty", path,
                                   std::make_error_code(std::errc::invalid_argument));
}

/// One attempt. Returns the held lock, or nothing with `holder` filled in if someone else holds it.
std::shared_ptr<held_file> try_acquire(const fs::path& path, const lock_options& options,
                                       std::string& holder)
{
    // Rendered before the file is touched, so a failure to read the host name changes nothing.
    const std::string content =
        options.write_content ? detail::content_template(options.content_template).render() : std::string();
    process_table& table = process_table::instance();

    // Hazard 2: if this process already holds the file under this name, opening a descriptor
    // just to find out and then closing it would drop the lock. Look it up by name first.
    if (table.may_hold_any()) {
        if (const auto identity = detail::identity_at(path, options.follow_symlinks)) {
            const auto guard = table.guard();
            if (const held_file* held = table.live_entry(*identity)) {
                holder = detail::read_holder(held->file.fd.get());
                return nullptr;
            }
        }
    }

    open_file file{detail::open_lock_descriptor(path, options), std::nullopt};
    const struct stat status = detail::status_of(file.fd.get(), path);
    const detail::file_identity identity{status.st_dev, status.st_ino};
    if (!S_ISREG(status.st_mode))
        detail::require_plain_file(status, path); // throws; never held, so safe to close

    std::unique_lock<std::mutex> guard = table.guard();
    auto contended = [&] {
        guard.unlock();
        holder = detail::read_holder(file.fd.get());
        guard.lock();
        table.close_or_defer(identity, std::move(file));
        return nullptr;
    };
    // Hazard 1: fcntl would let this process lock the file twice; the table says no. The
    // descriptor just opened may name a file we hold (a race with the lookup above): it
    // must stay open until that lock is released.
    if (const held_file* held = table.live_entry(identity)) {
        holder = detail::read_holder(held->file.fd.get());
        table.close_or_defer(identity, std::move(file));
        return nullptr;
    }
    try {
        detail::require_plain_file(status, path);
    } catch (...) {
        table.close_or_defer(identity, std::move(file));
        throw;
    }

    bool holds_flock = false;
    if (take_flock_too) {
        const auto outcome = detail::try_flock(file.fd.get(), path);
        if (outcome == detail::flock_outcome::busy)
            return contended();
        holds_flock = outcome == detail::flock_outcome::taken;
    }
    try {
        file.fcntl_lock = detail::try_fcntl_lock(file.fd.get(), identity, path);
        // Where the file system implements flock with fcntl locks (Linux NFS and SMB), our own
        // flock is what blocks the fcntl half; there the fcntl lock alone excludes everyone.
        if (!file.fcntl_lock && holds_flock && detail::flock_is_fcntl_on(file.fd.get())) {
            detail::release_flock(file.fd.get());
            holds_flock = false;
            file.fcntl_lock = detail::try_fcntl_lock(file.fd.get(), identity, path);
        }
    } catch (...) {
        if (holds_flock)
            detail::release_flock(file.fd.get());
        table.close_or_defer(identity, std::move(file));
        throw;
    }
    if (!file.fcntl_lock) {
        if (holds_flock)
            detail::release_flock(file.fd.get());
        return contended();
    }

    auto held = std::make_shared<held_file>(identity, ::getpid(), std::move(file), holds_flock);
    table.insert(held);
    guard.unlock();
    return held;
}

void release(held_file& held) noexcept
{
    process_table& table = process_table::instance();
    const auto guard = table.guard();
    table.erase(held);
    if (held.owner != ::getpid()) {
        // Hazard 4: a forked child's copy. Unlocking would release the flock the child shares
        // with its parent; closing is all the child may do, and only if it does not hold the
        // file itself. Test: test_fork.cpp.
        table.close_or_defer(held.identity, std::move(held.file));
        for (open_file& file : held.deferred)
            table.close_or_defer(held.identity, std::move(file));
        held.deferred.clear();
        return;
    }
    try {
        if (held.file.fcntl_lock)
            held.file.fcntl_lock->unlock();
    } catch (...) {
        // Closing the descriptors below drops the fcntl lock anyway.
    }
    if (held.holds_flock)
        detail::release_flock(held.file.fd.get());
    // Under the table's mutex, so no other thread can take the file between these closes.
    held.file = open_file{};
    held.deferred.clear();
}

/// Takes the lock and writes the holder's content, retrying until `deadline`. Returns nothing,
/// with the latest holder in `holder`, if the lock was still held elsewhere at the deadline.
std::shared_ptr<held_file> acquire_until(const fs::path& path, const lock_options& options,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::string& holder)
{
    using namespace std::chrono;
    // A simple bounded back-off: the first retries come soon, then one every 50 ms at most.
    auto pause = milliseconds(1);
    for (;;) {
        if (std::shared_ptr<held_file> held = try_acquire(path, options, holder)) {
            if (options.write_content) {
                try {
                    detail::write_content(held->file.fd.get(),
                                          detail::content_template(options.content_template).render(),
                                          path);
                } catch (...) {
                    release(*held);
                    throw;
                }
            }
            return held;
        }
        const auto now = steady_clock::now();
        if (!(now < deadline))
            return nullptr;
        std::this_thread::sleep_for(std::min<steady_clock::duration>(pause, deadline - now));
        pause = std::min<milliseconds>(pause * 2, milliseconds(50));
    }
}

/// The one Boost.Log record and the exception of a failed acquisition.
[[noreturn]] void give_up(const fs::path& path, const lock_options& options, const std::string& holder,
                          bool timed_out)
{
    detail::log_failure(detail::failure_message(path.string(), holder, options.content_template));
    if (timed_out)
        throw lock_timeout("Couldn't lock " + path.string() + " before the timeout; held by " + holder,
                           path, holder);
    throw lock_error("Couldn't lock " + path.string() + "; held by " + holder, path, holder);
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
        throw std::invalid_argument("lock file " + path_.string() + ": " + error.what());
    }
}

lock_file::lock_file(lock_file&& other) noexcept = default;

lock_file& lock_file::operator=(lock_file&& other) noexcept
{
    if (this != &other) {
        close();
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
                                "unlock of lock file " + path_.string() + " that this object does not hold");
    close();
}

bool lock_file::owns_lock() const noexcept
{
    return held_ && held_->owner == ::getpid();
}

bool lock_file::try_lock_until_steady(std::chrono::steady_clock::time_point deadline)
{
    if (owns_lock())
        throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                                "lock file " + path_.string() + " is already held by this object");
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

} // namespace exclusive_control
