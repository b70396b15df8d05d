// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Fuzz target for the content template parser and renderer (lib/detail/content_template.cpp):
// the input is a template. Properties, against a reference decoder written from the rules in
// lock_options.hpp rather than from the parser:
// - it is accepted exactly when the rules allow it and its longest rendering fits the 4094
//   bytes a contender reads back; otherwise std::invalid_argument says what and where;
// - what it renders is what the reference decoder renders, and it looks the host name up
//   exactly when it has a {hostname} field;
// - any text, its braces doubled, is a template that renders that text back.
#include "detail/content_template.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using exclusive_control::detail::content_template;
using exclusive_control::detail::max_content_size;

const std::string longest_pid(20, '7');
const std::string longest_hostname(255, 'h');

/// The rendering with the longest pid and host name, or nothing if the rules reject `text`.
std::optional<std::string> reference_render(std::string_view text)
{
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::string_view rest = text.substr(i);
        if (rest.substr(0, 2) == "{{" || rest.substr(0, 2) == "}}") {
            out += rest[0];
            i += 2;
        } else if (rest.substr(0, 5) == "{pid}") {
            out += longest_pid;
            i += 5;
        } else if (rest.substr(0, 10) == "{hostname}") {
            out += longest_hostname;
            i += 10;
        } else if (rest[0] == '{' || rest[0] == '}') {
            return std::nullopt;
        } else {
            out += rest[0];
            ++i;
        }
    }
    return out;
}

std::string doubled_braces(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        out += c;
        if (c == '{' || c == '}')
            out += c;
    }
    return out;
}

bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::optional<std::string> expected = reference_render(text);
    const bool fits = expected && expected->size() <= max_content_size;

    std::optional<content_template> parsed;
    try {
        parsed.emplace(text);
    } catch (const std::invalid_argument& error) {
        const std::string_view message = error.what();
        FUZZ_CHECK(!fits);
        FUZZ_CHECK(expected ? contains(message, "too long") : contains(message, " at offset "));
    }
    if (parsed) {
        FUZZ_CHECK(fits);
        FUZZ_CHECK(parsed->render(longest_pid, longest_hostname) == *expected);
        FUZZ_CHECK(parsed->uses_hostname() == (parsed->render("", "") != parsed->render("", "x")));
    }

    if (size <= max_content_size) {
        const content_template literal(doubled_braces(text));
        FUZZ_CHECK(literal.render(longest_pid, longest_hostname) == text);
        FUZZ_CHECK(!literal.uses_hostname());
    }
    return 0;
}
