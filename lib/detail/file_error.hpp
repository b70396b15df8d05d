// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_ERROR_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_ERROR_HPP

// The one way the library reports a failed file operation: `std::filesystem::filesystem_error`
// naming the path and the reason, with the operating system's own error code. On Windows this
// is also where <windows.h> comes from, without the macros that would break std::min and
// std::max in the files that include it.

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

namespace exclusive_control {
namespace detail {

#if defined(_WIN32)
/// `error` is what `GetLastError()` returned.
[[noreturn]] inline void fail(const std::string& what, const std::filesystem::path& path, DWORD error)
{
    throw std::filesystem::filesystem_error(what, path,
                                            std::error_code(static_cast<int>(error), std::system_category()));
}
#else
/// `error` is an `errno` value.
[[noreturn]] inline void fail(const std::string& what, const std::filesystem::path& path, int error)
{
    throw std::filesystem::filesystem_error(what, path, std::error_code(error, std::generic_category()));
}
#endif

/// The library's own reasons, in the operating system's terms: what is not a lock file, and a
/// path replaced over and over while it is looked at.
#if defined(_WIN32)
constexpr DWORD error_invalid_argument = ERROR_INVALID_PARAMETER;
constexpr DWORD error_file_replaced = ERROR_FILE_INVALID;
#else
constexpr int error_invalid_argument = EINVAL;
constexpr int error_file_replaced = ESTALE;
#endif

} // namespace detail
} // namespace exclusive_control

#endif
