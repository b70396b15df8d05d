// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "file_lock_handle_posix.hpp"

namespace exclusive_control {
namespace detail {

namespace {

using handle_member = boost::interprocess::file_handle_t boost::interprocess::file_lock::*;

handle_member file_lock_handle();

template <handle_member Member>
struct expose_handle {
    friend handle_member file_lock_handle() { return Member; }
};

template struct expose_handle<&boost::interprocess::file_lock::m_file_hnd>;

} // namespace

borrowed_file_lock::borrowed_file_lock(boost::interprocess::file_handle_t fd) noexcept
{
    lock_.*file_lock_handle() = fd;
}

borrowed_file_lock::~borrowed_file_lock()
{
    lock_.*file_lock_handle() = boost::interprocess::ipcdetail::invalid_file();
}

} // namespace detail
} // namespace exclusive_control
