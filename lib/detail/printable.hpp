// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_PRINTABLE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_PRINTABLE_HPP

#include <string>
#include <string_view>

namespace exclusive_control {
namespace detail {

/// `text` as an exception message quotes bytes it did not choose (a template, a holder's
/// content): control bytes as \xNN, since what() is a C string that ends at the first NUL;
/// every other byte, UTF-8 included, as it is.
inline std::string printable(std::string_view text)
{
    std::string shown;
    shown.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            const char digits[] = "0123456789abcdef";
            shown += "\\x";
            shown += digits[byte >> 4];
            shown += digits[byte & 0xf];
        } else {
            shown += c;
        }
    }
    return shown;
}

} // namespace detail
} // namespace exclusive_control

#endif
