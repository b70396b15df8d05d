// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "fork_handler.hpp"

#include "async_release_fork.hpp"
#include "process_table.hpp"
#include "release_watch.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <new>
#include <vector>

namespace exclusive_control {
namespace detail {

namespace {

/// Every descriptor the library has open, so that a forked child can close its copies.
class descriptor_list {
public:
    static descriptor_list& instance()
    {
        static descriptor_list* const list = [] {
            auto* created = new descriptor_list; // never destroyed: used until the very end
            install_fork_handler();
            return created;
        }();
        return *list;
    }

    int open(const char* path, int flags, unsigned mode) noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex_);
        try {
            open_.reserve(open_.size() + 1); // before the open, so that listing it cannot fail
        } catch (const std::bad_alloc&) {
            errno = ENOMEM;
            return -1;
        }
        int fd;
        do
            fd = ::open(path, flags, static_cast<mode_t>(mode));
        while (fd < 0 && errno == EINTR);
        if (fd >= 0)
            open_.push_back(fd);
        return fd;
    }

    void close(int fd) noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex_);
        const auto listed = std::find(open_.begin(), open_.end(), fd);
        if (listed == open_.end())
            return;
        *listed = open_.back();
        open_.pop_back();
        ::close(fd);
    }

    void lock() noexcept { mutex_.lock(); }
    void unlock() noexcept { mutex_.unlock(); }
    void close_all_in_child() noexcept
    {
        for (const int fd : open_)
            ::close(fd);
        open_.clear();
    }

private:
    std::mutex mutex_;
    std::vector<int> open_;
};

// The order of the mutexes: a thread holding the process table's may open and close
// descriptors, so the table's comes first; the inotify instances' are taken alone.
void prepare() noexcept
{
    process_table::instance().lock_for_fork();
    descriptor_list::instance().lock();
    inotify_instances_lock_for_fork();
    async_release_events_lock_for_fork();
}

void in_parent() noexcept
{
    async_release_events_unlock_after_fork();
    inotify_instances_unlock_after_fork();
    descriptor_list::instance().unlock();
    process_table::instance().unlock_after_fork();
}

void in_child() noexcept
{
    async_release_events_forget_in_child();
    inotify_instances_forget_in_child();
    descriptor_list& descriptors = descriptor_list::instance();
    descriptors.close_all_in_child();
    descriptors.unlock();
    // After the descriptors: the table's entries own descriptors, which are closed by now.
    process_table::instance().forget_parents_locks_and_unlock();
}

} // namespace

void install_fork_handler() noexcept
{
    static const bool installed = ::pthread_atfork(prepare, in_parent, in_child) == 0;
    (void)installed;
}

int open_listed(const char* path, int flags, unsigned mode) noexcept
{
    return descriptor_list::instance().open(path, flags, mode);
}

void close_listed(int fd) noexcept
{
    descriptor_list::instance().close(fd);
}

} // namespace detail
} // namespace exclusive_control
