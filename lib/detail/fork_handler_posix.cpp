// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "fork_handler_posix.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace exclusive_control {
namespace detail {

namespace {

constexpr std::size_t ranks = static_cast<std::size_t>(fork_rank::count);

/// Who takes part, by rank; written once each, read by the handler at any moment.
std::atomic<const fork_participant*> participants[ranks];

void prepare() noexcept
{
    for (const auto& slot : participants)
        if (const fork_participant* participant = slot.load(std::memory_order_acquire))
            participant->prepare();
}

void in_parent() noexcept
{
    for (std::size_t rank = ranks; rank-- > 0;)
        if (const fork_participant* participant = participants[rank].load(std::memory_order_acquire))
            participant->in_parent();
}

void in_child() noexcept
{
    for (std::size_t rank = ranks; rank-- > 0;)
        if (const fork_participant* participant = participants[rank].load(std::memory_order_acquire))
            participant->in_child();
}

/// Every descriptor the library has open, so that a forked child can close its copies.
class descriptor_list {
public:
    static descriptor_list& instance()
    {
        static descriptor_list* const list = [] {
            auto* created = new descriptor_list; // never destroyed: used until the very end
            static const fork_participant participant{[]() noexcept { instance().mutex_.lock(); },
                                                      []() noexcept { instance().mutex_.unlock(); },
                                                      []() noexcept {
                                                          instance().close_all_in_child();
                                                          instance().mutex_.unlock();
                                                      }};
            join_fork_handler(fork_rank::descriptors, participant);
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

private:
    void close_all_in_child() noexcept
    {
        for (const int fd : open_)
            ::close(fd);
        open_.clear();
    }

    std::mutex mutex_;
    std::vector<int> open_;
};

} // namespace

void join_fork_handler(fork_rank rank, const fork_participant& participant) noexcept
{
    static const bool installed = ::pthread_atfork(prepare, in_parent, in_child) == 0;
    (void)installed;
    participants[static_cast<std::size_t>(rank)].store(&participant, std::memory_order_release);
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
