// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_HOLDER_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_HOLDER_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace exclusive_control {
namespace detail {

/// How much of a lock file a contender reads to learn who holds it.
constexpr std::size_t holder_read_limit = 4096;

/// The holder as `lock_error::holder()` reports it: `raw` (what was read from the file) with
/// surrounding white space stripped, or "UNKNOWN" if nothing is left.
std::string parse_holder(std::string_view raw);

/// The message of the Boost.Log record for a failed lock, following zc.lockfile 1.2:
/// `Error locking file <path>; pid=<holder, first 20 chars>` when the failing caller's template
/// is the default "{pid}", otherwise `Error locking file <path>; content: "<first 40 chars>"`
/// with `...` before the closing quote when the holder is longer. Characters are UTF-8's,
/// never split; a byte that is not part of one counts as one.
std::string failure_message(std::string_view path, std::string_view holder, std::string_view callers_template);

} // namespace detail
} // namespace exclusive_control

#endif
