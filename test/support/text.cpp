// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "text.hpp"

namespace test_support {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace test_support
