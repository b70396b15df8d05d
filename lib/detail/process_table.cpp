// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "process_table.hpp"

#include <pthread.h>
#include <unistd.h>

namespace exclusive_control {
namespace detail {

process_table& process_table::instance()
{
    // Never destroyed: a lock_file with static storage duration may be released after any
    // function-local static would have been.
    static process_table* const table = new process_table;
    return *table;
}

process_table::process_table()
{
    // A fork() while another thread holds the mutex would leave the child's copy locked for
    // ever; hold it across fork() so the child starts with it free.
    ::pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                     [] { instance().mutex_.unlock(); });
}

held_file* process_table::live_entry(const file_identity& identity) const
{
    const auto found = held_.find(identity);
    if (found == held_.end() || found->second->owner != ::getpid())
        return nullptr;
    return found->second.get();
}

void process_table::insert(std::shared_ptr<held_file> held)
{
    const file_identity identity = held->identity;
    const auto [where, inserted] = held_.try_emplace(identity, std::move(held));
    if (!inserted)
        where->second = std::move(held); // replaces an entry inherited from the parent
    else
        entries_.fetch_add(1, std::memory_order_release);
}

void process_table::erase(const held_file& held)
{
    const auto found = held_.find(held.identity);
    if (found != held_.end() && found->second.get() == &held) {
        held_.erase(found);
        entries_.fetch_sub(1, std::memory_order_release);
        released_.notify_all();
    }
}

void process_table::close_or_defer(const file_identity& identity, unique_fd fd)
{
    if (held_file* holder = live_entry(identity))
        holder->deferred.push_back(std::move(fd));
}

bool process_table::wait_for_release(std::unique_lock<std::mutex>& guard, const file_identity& identity,
                                     std::chrono::steady_clock::time_point deadline)
{
    const auto released = [&] { return live_entry(identity) == nullptr; };
    if (deadline == std::chrono::steady_clock::time_point::max()) {
        released_.wait(guard, released);
        return true;
    }
    return released_.wait_until(guard, deadline, released);
}

} // namespace detail
} // namespace exclusive_control
