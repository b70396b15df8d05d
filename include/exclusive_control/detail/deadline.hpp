// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_DETAIL_DEADLINE_HPP
#define EXCLUSIVE_CONTROL_DETAIL_DEADLINE_HPP

#include <chrono>

namespace exclusive_control {
namespace detail {

/// The steady-clock instant `timeout` from now. Saturates rather than overflowing, so that
/// `try_lock_for(std::chrono::hours::max())` means "wait forever" instead of "already expired".
/// Rounds up, so a wait never ends before the caller's timeout.
template <class Rep, class Period>
std::chrono::steady_clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout)
{
    using std::chrono::steady_clock;
    const auto now = steady_clock::now();
    if (!(timeout > timeout.zero()))
        return now;
    const std::chrono::duration<long double> requested = timeout;
    const std::chrono::duration<long double> room = steady_clock::time_point::max() - now;
    if (requested >= room)
        return steady_clock::time_point::max();
    return now + std::chrono::ceil<steady_clock::duration>(requested);
}

} // namespace detail
} // namespace exclusive_control

#endif
