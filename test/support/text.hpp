// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What the tests ask of the messages and outputs they check.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_TEXT_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_TEXT_HPP

#include <string>

namespace test_support {

/// Whether `part` occurs anywhere in `text`.
bool contains(const std::string& text, const std::string& part);

} // namespace test_support

#endif
