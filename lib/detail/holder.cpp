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

std::string failure_message(std::string_view path, std::string_view holder,
                            std::string_view callers_template)
{
    std::string message = "Error locking file ";
    message += path;
    if (callers_template == "{pid}") {
        message += "; pid=";
        message += holder.substr(0, pid_shown);
        return message;
    }
    message += "; content: \"";
    message += holder.substr(0, content_shown);
    if (holder.size() > content_shown)
        message += "...";
    message += '"';
    return message;
}

} // namespace detail
} // namespace exclusive_control
