// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#define BOOST_TEST_MODULE holder
#include <boost/test/unit_test.hpp>

#include "detail/holder.hpp"

#include <string>

using namespace exclusive_control::detail;
using namespace std::string_literals;

BOOST_AUTO_TEST_CASE(holder_is_stripped_of_surrounding_white_space)
{
    BOOST_TEST(parse_holder(" 123\n") == "123");
    BOOST_TEST(parse_holder("\t 123;host \r\n") == "123;host");
    BOOST_TEST(parse_holder("a b") == "a b");
}

BOOST_AUTO_TEST_CASE(empty_or_blank_holder_is_unknown)
{
    BOOST_TEST(parse_holder("") == "UNKNOWN");
    BOOST_TEST(parse_holder("   \n\n") == "UNKNOWN");
}

BOOST_AUTO_TEST_CASE(holder_bytes_other_than_space_are_kept)
{
    BOOST_TEST(parse_holder(" a\0b\n"s) == "a\0b"s);
}

BOOST_AUTO_TEST_CASE(default_template_message_shows_the_pid_cut_at_20)
{
    BOOST_TEST(failure_message("lock", "123", "{pid}") == "Error locking file lock; pid=123");
    BOOST_TEST(failure_message("lock", std::string(30, '9'), "{pid}") ==
               "Error locking file lock; pid=" + std::string(20, '9'));
    BOOST_TEST(failure_message("lock", "UNKNOWN", "{pid}") == "Error locking file lock; pid=UNKNOWN");
}

BOOST_AUTO_TEST_CASE(custom_template_message_shows_the_content_cut_at_40)
{
    BOOST_TEST(failure_message("/var/lock", "1;web-1", "{pid};{hostname}") ==
               "Error locking file /var/lock; content: \"1;web-1\"");
    BOOST_TEST(failure_message("l", std::string(40, 'c'), "{hostname}") ==
               "Error locking file l; content: \"" + std::string(40, 'c') + "\"");
    BOOST_TEST(failure_message("l", std::string(41, 'c'), "{hostname}") ==
               "Error locking file l; content: \"" + std::string(40, 'c') + "...\"");
}

namespace {
const std::string e_acute = "\xc3\xa9";      // é, 2 bytes
const std::string euro = "\xe2\x82\xac";     // €, 3 bytes
const std::string clef = "\xf0\x9d\x84\x9e"; // U+1D11E, 4 bytes

std::string times(std::size_t n, const std::string& text)
{
    std::string result;
    for (std::size_t i = 0; i < n; ++i)
        result += text;
    return result;
}
} // namespace

BOOST_AUTO_TEST_CASE(pid_form_counts_20_utf8_characters_and_never_splits_one)
{
    BOOST_TEST(failure_message("l", std::string(19, '9') + e_acute + "x", "{pid}") ==
               "Error locking file l; pid=" + std::string(19, '9') + e_acute);
    BOOST_TEST(failure_message("l", times(25, euro), "{pid}") == "Error locking file l; pid=" + times(20, euro));
    BOOST_TEST(failure_message("l", times(21, clef), "{pid}") == "Error locking file l; pid=" + times(20, clef));
}

BOOST_AUTO_TEST_CASE(content_form_counts_40_utf8_characters_and_never_splits_one)
{
    BOOST_TEST(failure_message("l", std::string(39, 'c') + euro + "d", "{hostname}") ==
               "Error locking file l; content: \"" + std::string(39, 'c') + euro + "...\"");
    // 40 characters in 120 bytes: whole, without "...".
    BOOST_TEST(failure_message("l", times(40, euro), "{hostname}") ==
               "Error locking file l; content: \"" + times(40, euro) + "\"");
    BOOST_TEST(failure_message("l", times(41, e_acute), "{hostname}") ==
               "Error locking file l; content: \"" + times(40, e_acute) + "...\"");
}

BOOST_AUTO_TEST_CASE(bytes_that_are_not_utf8_count_one_character_each)
{
    // Never-seen bytes, a lone continuation byte, a lead byte whose continuation is missing.
    BOOST_TEST(failure_message("l", std::string(25, '\xff'), "{pid}") ==
               "Error locking file l; pid=" + std::string(20, '\xff'));
    BOOST_TEST(failure_message("l", std::string(18, '1') + "\x80\xe2\x82" + "x", "{pid}") ==
               "Error locking file l; pid=" + std::string(18, '1') + "\x80\xe2");
    BOOST_TEST(failure_message("l", std::string(19, '1') + "\xe2\x82" + euro, "{pid}") ==
               "Error locking file l; pid=" + std::string(19, '1') + "\xe2");
}
