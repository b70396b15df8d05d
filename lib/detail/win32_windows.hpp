// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_WIN32_WINDOWS_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_WIN32_WINDOWS_HPP

// <windows.h> for the Windows files, without the macros that would break std::min and std::max,
// and the check that file_error.hpp names the SDK's error codes.

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include "file_error.hpp"

#include <type_traits>

static_assert(std::is_same_v<exclusive_control::detail::native_error, DWORD>);
static_assert(exclusive_control::detail::error_invalid_argument == ERROR_INVALID_PARAMETER);
static_assert(exclusive_control::detail::error_link_refused == ERROR_CANT_RESOLVE_FILENAME);
static_assert(exclusive_control::detail::error_too_many_links == ERROR_TOO_MANY_LINKS);
static_assert(exclusive_control::detail::error_file_replaced == ERROR_FILE_INVALID);

#endif
