// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_LOCK_HANDLE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_LOCK_HANDLE_HPP

#include <boost/interprocess/sync/file_lock.hpp>

namespace exclusive_control {
namespace detail {

/// The descriptor `boost::interprocess::file_lock` opened for itself.
///
/// Boost keeps it private and opens it without O_CLOEXEC, yet we must mark it close-on-exec
/// (hazard 4) and check that it names the inode we opened (hazard 5). The standard lets an
/// explicit instantiation name a private member ([temp.spec.general]/6); should Boost rename
/// the member, this stops compiling instead of misbehaving.
boost::interprocess::file_handle_t native_handle(const boost::interprocess::file_lock& lock) noexcept;

template <boost::interprocess::file_handle_t boost::interprocess::file_lock::*Member>
struct file_lock_handle_access {
    friend boost::interprocess::file_handle_t native_handle(const boost::interprocess::file_lock& lock) noexcept
    {
        return lock.*Member;
    }
};

} // namespace detail
} // namespace exclusive_control

#endif
