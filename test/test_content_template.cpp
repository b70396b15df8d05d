// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#define BOOST_TEST_MODULE content_template
#include <boost/test/unit_test.hpp>

#include "detail/content_template.hpp"

#include "child_process.hpp"
#include "text.hpp"

#include <boost/asio/ip/host_name.hpp>

#include <stdexcept>
#include <string>

using exclusive_control::detail::content_template;
using test_support::contains;

namespace {

std::string error_of(const std::string& text)
{
    try {
        content_template{text};
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "<accepted>";
}

} // namespace

BOOST_AUTO_TEST_CASE(default_template_renders_the_pid)
{
    BOOST_TEST(content_template("{pid}").render("lock") == test_support::this_process_id());
}

BOOST_AUTO_TEST_CASE(pid_and_hostname_render_for_containers)
{
    BOOST_TEST(content_template("{pid};{hostname}").render("1", "c0ffee") == "1;c0ffee");
    BOOST_TEST(content_template("{pid};{hostname}").render("lock") ==
               test_support::this_process_id() + ";" + boost::asio::ip::host_name());
}

BOOST_AUTO_TEST_CASE(doubled_braces_are_literal)
{
    BOOST_TEST(content_template("{{pid}} is {pid}}}").render("7", "h") == "{pid} is 7}");
}

BOOST_AUTO_TEST_CASE(literal_text_and_empty_template_render_as_written)
{
    BOOST_TEST(content_template("service=web").render("7", "h") == "service=web");
    BOOST_TEST(content_template("").render("7", "h") == "");
}

BOOST_AUTO_TEST_CASE(hostname_is_only_looked_up_when_used)
{
    BOOST_TEST(!content_template("{pid}").uses_hostname());
    BOOST_TEST(content_template("x{hostname}").uses_hostname());
}

BOOST_AUTO_TEST_CASE(unknown_field_is_rejected_with_its_name_and_offset)
{
    const std::string error = error_of("{pid}-{user}");
    BOOST_TEST(contains(error, "unknown field \"{user}\""), error);
    BOOST_TEST(contains(error, "offset 6"), error);
    BOOST_TEST(contains(error, "{pid}-{user}"), error);
}

BOOST_AUTO_TEST_CASE(python_format_specs_are_rejected)
{
    BOOST_TEST(contains(error_of("{pid:>5}"), "unknown field"));
    BOOST_TEST(contains(error_of("{pid!r}"), "unknown field"));
    BOOST_TEST(contains(error_of("{}"), "unknown field \"{}\""));
}

BOOST_AUTO_TEST_CASE(unbalanced_braces_are_rejected)
{
    BOOST_TEST(contains(error_of("{pid"), "'{' without a closing '}'"));
    BOOST_TEST(contains(error_of("pid}"), "single '}'"));
    BOOST_TEST(contains(error_of("}"), "offset 0"));
}

BOOST_AUTO_TEST_CASE(template_that_could_exceed_what_a_contender_reads_is_rejected)
{
    BOOST_TEST(error_of(std::string(4094, 'x')) == "<accepted>");
    BOOST_TEST(contains(error_of(std::string(4095, 'x')), "too long"));
    // Each {hostname} may render up to 255 bytes.
    BOOST_TEST(contains(error_of(std::string(4000, 'x') + "{hostname}"), "too long"));
}

BOOST_AUTO_TEST_CASE(huge_template_gets_a_message_of_readable_size)
{
    const std::string huge(1 << 20, 'x');
    for (const std::string& text : {huge + "{user}", "{" + huge + "}", huge + "}", huge}) {
        const std::string error = error_of(text);
        BOOST_TEST(error.size() < 400u, error.substr(0, 400));
        BOOST_TEST((contains(error, "offset") || contains(error, "too long")), error.substr(0, 400));
    }
    BOOST_TEST(contains(error_of(huge + "{user}"), "unknown field \"{user}\" at offset 1048576"));
    BOOST_TEST(contains(error_of(huge + "{user}"), "(1048582 bytes)"));
}

BOOST_AUTO_TEST_CASE(control_bytes_in_a_template_are_escaped_in_the_message)
{
    // Found by fuzz_content_template: what() ends at the first NUL, which cut off the reason.
    const std::string error = error_of(std::string("a\0\n}", 4));
    BOOST_TEST(contains(error, "\"a\\x00\\x0a}\""), error);
    BOOST_TEST(contains(error, "single '}' (write '}}' for a literal brace) at offset 3"), error);
}
