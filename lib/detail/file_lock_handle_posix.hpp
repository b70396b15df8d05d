// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_LOCK_HANDLE_POSIX_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_LOCK_HANDLE_POSIX_HPP

#include <boost/interprocess/sync/file_lock.hpp>

namespace exclusive_control {
namespace detail {

/// A `boost::interprocess::file_lock` that locks through a descriptor we opened.
///
/// Left to itself, file_lock opens its file again by name: without O_CLOEXEC (hazard 4),
/// following symlinks, and possibly reaching another file if the path was replaced since we
/// opened it (hazard 5). Its fcntl locks belong to the process and the inode, not to the
/// descriptor, so lending it ours gives the same locks with none of those hazards and without
/// a second open. file_lock keeps its descriptor private; the standard lets an explicit
/// instantiation name a private member ([temp.spec.general]/6), and should Boost rename the
/// member this stops compiling rather than misbehaving. The descriptor stays ours: it is taken
/// back before file_lock's destructor could close it.
class borrowed_file_lock {
public:
    explicit borrowed_file_lock(boost::interprocess::file_handle_t fd) noexcept;
    ~borrowed_file_lock();
    borrowed_file_lock(const borrowed_file_lock&) = delete;
    borrowed_file_lock& operator=(const borrowed_file_lock&) = delete;

    boost::interprocess::file_lock& get() noexcept { return lock_; }

private:
    boost::interprocess::file_lock lock_;
};

} // namespace detail
} // namespace exclusive_control

#endif
