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
