// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FAILURE_LOG_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FAILURE_LOG_HPP

#include <string>

namespace exclusive_control {
namespace detail {

/// Emits the one Boost.Log record of a failed lock: severity error, channel "exclusive_control".
/// The library emits nothing else, because Boost.Log's default sink prints every record to
/// standard output when the application configures none. Safe at any point of the process's
/// life, static destruction included: once Boost.Log's core is gone it emits nothing.
void log_failure(const std::string& message) noexcept;

} // namespace detail
} // namespace exclusive_control

#endif
