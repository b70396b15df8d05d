// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "process_table.hpp"

#if !defined(_WIN32)
#include "fork_handler_posix.hpp"
#endif

namespace exclusive_control {
namespace detail {

process_table& process_table::instance()
{
    // Never destroyed: a lock_file with static storage duration may be released after any
    // function-local static would have been.
    static process_table* const table = [] {
        auto* created = new process_table;
#if !defined(_WIN32)
        // A fork() while another thread holds the mutex would leave the child's copy locked for
        // ever: the fork handler holds it across fork().
        static const fork_participant participant{[]() noexcept { instance().mutex_.lock(); },
                                                  []() noexcept { instance().mutex_.unlock(); },
                                                  []() noexcept { instance().forget_parents_locks_and_unlock(); }};
        join_fork_handler(fork_rank::process_table, participant);
#endif
        return created;
    }();
    return *table;
}

#if !defined(_WIN32)
// In a child created by fork(), which runs single-threaded until it starts threads, after the
// fork handler closed the child's copies of every descriptor. Tests: test_fork.cpp.
void process_table::forget_parents_locks_and_unlock() noexcept
{
    // The entries are the parent's locks; the child's lock_file objects still point at them and
    // learn from `orphaned` that there is nothing to release. Their descriptors are closed
    // already (the child's copies would have kept the parent's flock alive after the parent
    // died), so dropping them here closes nothing.
    for (auto& [identity, held] : held_) {
        held->orphaned_ = true;
        held->file_ = unique_file{};
        held->deferred_.clear();
    }
    held_.clear();
    parked_.clear();
    entries_.store(0, std::memory_order_relaxed);
    listeners_.clear(); // the parent's waits; a child's copy of one never runs
    mutex_.unlock();
}
#endif

std::optional<std::string> process_table::holder_if_held(const file_identity& identity)
{
    if (!may_hold_any())
        return std::nullopt;
    const table_guard guard(mutex_);
    if (const held_file* held = entry(identity))
        return read_holder(held->file());
    return std::nullopt;
}

held_file* process_table::entry(const file_identity& identity) const
{
    const auto found = held_.find(identity);
    return found == held_.end() ? nullptr : found->second.get();
}

const held_file* process_table::live_entry(const table_guard&, const file_identity& identity) const
{
    return entry(identity);
}

std::shared_ptr<held_file> process_table::insert(const table_guard&, table_descriptor&& file, lock_parts parts)
{
    auto held = std::make_shared<held_file>(file.identity_, std::move(file.file_), parts);
    held_.emplace(held->identity, held);
    entries_.fetch_add(1, std::memory_order_release);
    return held;
}

void process_table::release(const table_guard&, held_file& held) noexcept
{
    const auto found = held_.find(held.identity);
    if (found != held_.end() && found->second.get() == &held) {
        held_.erase(found);
        entries_.fetch_sub(1, std::memory_order_release);
        close_unparked();
        const auto [first, last] = listeners_.equal_range(held.identity);
        for (auto listener = first; listener != last; ++listener)
            listener->second->released();
        listeners_.erase(first, last);
    }
    if (held.orphaned_)
        return;
    unlock(held.file_.get(), held.parts);
    held.file_ = unique_file{};
    held.deferred_.clear();
}

table_descriptor& table_descriptor::operator=(table_descriptor&& other) noexcept
{
    if (this != &other) {
        reset();
        identity_ = other.identity_;
        file_ = std::move(other.file_);
    }
    return *this;
}

void table_descriptor::reset() noexcept
{
    if (file_.get() == no_file)
        return;
    process_table& table = process_table::instance();
    const table_guard guard = table.guard();
    table.close_or_defer(identity_, std::move(file_));
}

void process_table::close_or_defer(const file_identity& identity, unique_file file)
{
    close_unparked();
    try {
        if (held_file* holder = entry(identity))
            holder->deferred_.push_back(std::move(file));
        else if (held_by_this_process(file.get()))
            parked_.push_back({identity, std::move(file)});
    } catch (const std::bad_alloc&) {
        file.release(); // leaking one descriptor beats dropping the holder's lock
    }
}

void process_table::close_unparked() noexcept
{
    for (auto parked = parked_.begin(); parked != parked_.end();) {
        try {
            if (held_file* holder = entry(parked->identity))
                holder->deferred_.push_back(std::move(parked->file)); // ours now: kept until release
            else if (held_by_this_process(parked->file.get())) {
                ++parked;
                continue;
            }
        } catch (const std::bad_alloc&) {
            ++parked; // still parked: tried again next time
            continue;
        }
        parked = parked_.erase(parked);
    }
}

bool process_table::listen_for_release(const table_guard&, const file_identity& identity, release_listener& listener)
{
    if (entry(identity) == nullptr)
        return false;
    listeners_.emplace(identity, &listener);
    return true;
}

void process_table::stop_listening(const table_guard&, release_listener& listener) noexcept
{
    for (auto entry = listeners_.begin(); entry != listeners_.end();)
        entry = entry->second == &listener ? listeners_.erase(entry) : std::next(entry);
}

} // namespace detail
} // namespace exclusive_control
