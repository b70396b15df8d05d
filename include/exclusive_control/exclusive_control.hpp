// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_EXCLUSIVE_CONTROL_HPP
#define EXCLUSIVE_CONTROL_EXCLUSIVE_CONTROL_HPP

#include <exclusive_control/config.hpp>
#include <exclusive_control/inspect.hpp>
#include <exclusive_control/lock_error.hpp>
#include <exclusive_control/lock_file.hpp>
#include <exclusive_control/lock_options.hpp>

#endif
