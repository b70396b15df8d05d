// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_PROCESS_ID_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_PROCESS_ID_HPP

#if defined(_WIN32)
#include <boost/winapi/get_current_process_id.hpp>
#else
#include <unistd.h>
#endif

namespace exclusive_control {
namespace detail {

/// The `{pid}` of the content template.
inline unsigned long current_process_id() noexcept
{
#if defined(_WIN32)
    return boost::winapi::GetCurrentProcessId();
#else
    return static_cast<unsigned long>(::getpid());
#endif
}

} // namespace detail
} // namespace exclusive_control

#endif
