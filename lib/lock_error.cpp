// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include <exclusive_control/lock_error.hpp>

namespace exclusive_control {

lock_error::lock_error(const std::string& what, std::filesystem::path path, std::string holder)
    : std::runtime_error(what), path_(std::move(path)), holder_(std::move(holder))
{
}

} // namespace exclusive_control
