// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_PATH_TEXT_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_PATH_TEXT_HPP

#include <filesystem>
#include <string>

namespace exclusive_control {
namespace detail {

/// A path as messages and log records show it. POSIX: the bytes as given. Windows: UTF-8,
/// because `path::string()` converts to the ANSI code page there, and with MSVC throws for a
/// name that code page cannot spell, which would replace a lock_error by a conversion error.
inline std::string path_text(const std::filesystem::path& path)
{
#if defined(_WIN32)
    const auto utf8 = path.u8string(); // std::string in C++17, std::u8string in C++20
    return std::string(utf8.begin(), utf8.end());
#else
    return path.string();
#endif
}

} // namespace detail
} // namespace exclusive_control

#endif
