// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "holder.hpp"

namespace exclusive_control {
namespace detail {

namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr std::size_t pid_shown = 20;
constexpr std::size_t content_shown = 40;

/// How many bytes the UTF-8 character that `lead` starts announces; 1 for a byte that starts
/// none (ASCII, a continuation byte, a byte never seen in UTF-8).
std::size_t announced_length(unsigned char lead)
{
    if (lead >= 0xc2 && lead <= 0xdf)
        return 2;
    if (lead >= 0xe0 && lead <= 0xef)
        return 3;
    if (lead >= 0xf0 && lead <= 0xf4)
        return 4;
    return 1;
}

bool is_continuation(char c)
{
    return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

/// The first `characters` characters of `text`, as zc.lockfile's `[:20]` and `[:40]` of a str.
/// Cutting bytes could split a UTF-8 character, and a sink that converts encodings rejects the
/// record then. A lead byte with the continuation bytes it announces is one character; any
/// other byte is one by itself, so content that is not UTF-8 is cut too.
std::string_view first_characters(std::string_view text, std::size_t characters)
{
    std::size_t end = 0;
    for (; characters > 0 && end < text.size(); --characters) {
        const std::size_t length = announced_length(static_cast<unsigned char>(text[end]));
        std::size_t next = end + 1;
        while (next < end + length && next < text.size() && is_continuation(text[next]))
            ++next;
        end = next - end == length ? next : end + 1;
    }
    return text.substr(0, end);
}

} // namespace

std::string parse_holder(std::string_view raw)
{
    std::size_t begin = 0;
    std::size_t end = raw.size();
    while (begin < end && is_space(raw[begin]))
        ++begin;
    while (end > begin && is_space(raw[end - 1]))
        --end;
    if (begin == end)
        return "UNKNOWN";
    return std::string(raw.substr(begin, end - begin));
}

std::string failure_message(std::string_view path, std::string_view holder, std::string_view callers_template)
{
    std::string message = "Error locking file ";
    message += path;
    if (callers_template == "{pid}") {
        message += "; pid=";
        message += first_characters(holder, pid_shown);
        return message;
    }
    message += "; content: \"";
    const std::string_view shown = first_characters(holder, content_shown);
    message += shown;
    if (shown.size() < holder.size())
        message += "...";
    message += '"';
    return message;
}

} // namespace detail
} // namespace exclusive_control
