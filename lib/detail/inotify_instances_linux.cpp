// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#include "inotify_instances_linux.hpp"

#include "fork_handler_posix.hpp"

#include <dlfcn.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace exclusive_control {
namespace detail {

namespace {

/// Every instance is listed here from its creation to its close, so that a child created by
/// fork() closes its copies (hazard 10): a copy would keep the instance alive, counted against
/// the user's limit, and would receive the parent's events. The fork handler holds `closing_`
/// and then `mutex_` across fork(); the closing thread holds `closing_` from taking an instance
/// off the list until it is closed.
class inotify_instances {
public:
    static inotify_instances& instance()
    {
        static inotify_instances* const instances = [] {
            auto* created = new inotify_instances; // used until the very end
            static const fork_participant participant{[]() noexcept {
                                                          instance().closing_.lock();
                                                          instance().mutex_.lock();
                                                      },
                                                      []() noexcept {
                                                          instance().mutex_.unlock();
                                                          instance().closing_.unlock();
                                                      },
                                                      []() noexcept { instance().forget_in_child(); }};
            join_fork_handler(fork_rank::inotify_instances, participant);
            return created;
        }();
        return *instances;
    }

    int take() noexcept
    {
        const std::lock_guard<std::mutex> guard(mutex_);
        try {
            in_use_.reserve(in_use_.size() + 1);
        } catch (const std::bad_alloc&) {
            return -1;
        }
        const int created = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (created >= 0)
            in_use_.push_back(created);
        return created;
    }

    void give_back(int instance) noexcept
    {
        std::unique_lock<std::mutex> guard(mutex_);
        const auto used = std::find(in_use_.begin(), in_use_.end(), instance);
        if (used == in_use_.end())
            return; // closed by the fork handler: this is a forked child
        in_use_.erase(used);
        try {
            to_close_.push_back(instance);
            if (!closer_running_) {
                keep_this_module_loaded();
                std::thread(&inotify_instances::close_finished, this).detach();
                closer_running_ = true;
            } else {
                finished_.notify_one();
            }
        } catch (...) { // no memory or no thread: close it here, late rather than never
            if (!to_close_.empty() && to_close_.back() == instance)
                to_close_.pop_back();
            guard.unlock();
            close_now(instance);
        }
    }

private:
    /// How long the closing thread waits for more work before it exits.
    static constexpr std::chrono::seconds linger{1};

    inotify_instances() = default;

    void forget_in_child() noexcept
    {
        for (const int instance : in_use_)
            ::close(instance);
        for (const int instance : to_close_)
            ::close(instance);
        in_use_.clear();
        to_close_.clear();
        closer_running_ = false;                  // the thread stayed in the parent
        new (&finished_) std::condition_variable; // its wait is counted there, never to end
        mutex_.unlock();
        closing_.unlock();
    }

    /// The closing thread runs code of the module (program, shared library, or a plugin with
    /// its own static copy of the library) that contains this function: a dlclose() of that
    /// module while the thread lingers would unmap the code under it. So the first time the
    /// thread starts, the module is made one that dlclose() never unloads (RTLD_NODELETE).
    static void keep_this_module_loaded() noexcept
    {
        static const bool kept = [] {
            Dl_info module;
            if (::dladdr(reinterpret_cast<void*>(&keep_this_module_loaded), &module) == 0 || !module.dli_fname)
                return false;
            return ::dlopen(module.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE) != nullptr;
        }();
        (void)kept;
    }

    void close_now(int instance) noexcept
    {
        const std::lock_guard<std::mutex> closing(closing_);
        ::close(instance);
    }

    void close_finished() noexcept
    {
        for (;;) {
            {
                std::unique_lock<std::mutex> guard(mutex_);
                if (!finished_.wait_for(guard, linger, [&] { return !to_close_.empty(); })) {
                    closer_running_ = false;
                    return;
                }
            }
            const std::lock_guard<std::mutex> closing(closing_);
            int instance;
            {
                const std::lock_guard<std::mutex> guard(mutex_);
                if (to_close_.empty())
                    continue;
                instance = to_close_.back();
                to_close_.pop_back();
            }
            ::close(instance);
        }
    }

    std::mutex closing_; // before mutex_ when both are taken
    std::mutex mutex_;
    std::condition_variable finished_;
    std::vector<int> in_use_;
    std::vector<int> to_close_;
    bool closer_running_ = false;
};

} // namespace

int take_inotify_instance() noexcept
{
    return inotify_instances::instance().take();
}

void give_back_inotify_instance(int instance) noexcept
{
    inotify_instances::instance().give_back(instance);
}

} // namespace detail
} // namespace exclusive_control
