// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_CONFIG_HPP
#define EXCLUSIVE_CONTROL_CONFIG_HPP

// The library is built with hidden visibility; only names marked EXCLUSIVE_CONTROL_DECL are
// exported. Exceptions must be marked too, or a `catch (lock_error&)` in another shared object
// would not match the type thrown from inside the library.
// clang-format off
#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(EXCLUSIVE_CONTROL_DYN_LINK)
#    if defined(EXCLUSIVE_CONTROL_SOURCE)
#      define EXCLUSIVE_CONTROL_DECL __declspec(dllexport)
#    else
#      define EXCLUSIVE_CONTROL_DECL __declspec(dllimport)
#    endif
#  else
#    define EXCLUSIVE_CONTROL_DECL
#  endif
#elif defined(__GNUC__)
#  define EXCLUSIVE_CONTROL_DECL __attribute__((visibility("default")))
#else
#  define EXCLUSIVE_CONTROL_DECL
#endif
// clang-format on

#define EXCLUSIVE_CONTROL_VERSION_MAJOR 0
#define EXCLUSIVE_CONTROL_VERSION_MINOR 1
#define EXCLUSIVE_CONTROL_VERSION_PATCH 0

#endif
