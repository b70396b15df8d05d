// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_ERROR_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_ERROR_HPP

// The one way the library reports a failed file operation: `std::filesystem::filesystem_error`
// naming the path and the reason, with the operating system's own error code. Portable: no
// system header; the Windows codes are checked against the SDK's in win32_windows.hpp.

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

namespace exclusive_control {
namespace detail {

#if defined(_WIN32)
using native_error = unsigned long; // a DWORD, as GetLastError() returns it
/// `error` is what `GetLastError()` returned.
[[noreturn]] inline void fail(const std::string& what, const std::filesystem::path& path, native_error error)
{
    throw std::filesystem::filesystem_error(what, path,
                                            std::error_code(static_cast<int>(error), std::system_category()));
}
#else
using native_error = int;
/// `error` is an `errno` value.
[[noreturn]] inline void fail(const std::string& what, const std::filesystem::path& path, native_error error)
{
    throw std::filesystem::filesystem_error(what, path, std::error_code(error, std::generic_category()));
}
#endif

/// The library's own reasons, in the operating system's terms: what is not a lock file, a link
/// not followed, a file with other names, a path replaced over and over while it is looked at.
#if defined(_WIN32)
constexpr native_error error_invalid_argument = 87; // ERROR_INVALID_PARAMETER
constexpr native_error error_link_refused = 1921;   // ERROR_CANT_RESOLVE_FILENAME, as for a link loop
constexpr native_error error_too_many_links = 1142; // ERROR_TOO_MANY_LINKS
constexpr native_error error_file_replaced = 1006;  // ERROR_FILE_INVALID
#else
constexpr native_error error_invalid_argument = EINVAL;
constexpr native_error error_link_refused = ELOOP;
constexpr native_error error_too_many_links = EMLINK;
constexpr native_error error_file_replaced = ESTALE;
#endif

} // namespace detail
} // namespace exclusive_control

#endif
