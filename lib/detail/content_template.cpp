// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "content_template.hpp"

#include "printable.hpp"
#include "process_id.hpp"

#include <boost/asio/ip/host_name.hpp>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace exclusive_control {
namespace detail {

namespace {

// Bounds used to reject, up front, a template whose rendering could exceed max_content_size.
constexpr std::size_t longest_pid = 20;       // digits of the largest 64-bit value
constexpr std::size_t longest_hostname = 255; // the most any platform allows (POSIX: 255)

/// `text` as a message quotes it: its start only if it is long, since a huge template must not
/// make a huge message.
std::string excerpt(std::string_view text)
{
    constexpr std::size_t quoted_at_most = 64;
    std::string quoted = printable(text.substr(0, quoted_at_most));
    if (text.size() > quoted_at_most)
        quoted += "... (" + std::to_string(text.size()) + " bytes)";
    return quoted;
}

[[noreturn]] void reject(std::string_view text, std::size_t offset, const std::string& problem)
{
    throw std::invalid_argument("invalid lock file content template \"" + excerpt(text) + "\": " + problem +
                                " at offset " + std::to_string(offset) + " (allowed: {pid}, {hostname}, {{ and }})");
}

} // namespace

content_template::content_template(std::string_view text)
{
    std::size_t longest_rendering = 0;
    std::string literal;
    auto flush_literal = [&] {
        if (!literal.empty())
            pieces_.push_back({kind::literal, std::move(literal)});
        literal.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '}') {
            if (i + 1 < text.size() && text[i + 1] == '}') {
                literal += '}';
                ++longest_rendering;
                ++i;
                continue;
            }
            reject(text, i, "single '}' (write '}}' for a literal brace)");
        }
        if (c != '{') {
            literal += c;
            ++longest_rendering;
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '{') {
            literal += '{';
            ++longest_rendering;
            ++i;
            continue;
        }
        const std::size_t close = text.find('}', i);
        if (close == std::string_view::npos)
            reject(text, i, "'{' without a closing '}' (write '{{' for a literal brace)");
        const std::string_view field = text.substr(i + 1, close - i - 1);
        flush_literal();
        if (field == "pid") {
            pieces_.push_back({kind::pid, {}});
            longest_rendering += longest_pid;
        } else if (field == "hostname") {
            pieces_.push_back({kind::hostname, {}});
            longest_rendering += longest_hostname;
        } else {
            reject(text, i, "unknown field \"{" + excerpt(field) + "}\"");
        }
        i = close;
    }
    flush_literal();
    if (longest_rendering > max_content_size)
        throw std::invalid_argument("lock file content template is too long: it can render " +
                                    std::to_string(longest_rendering) + " bytes, more than the " +
                                    std::to_string(max_content_size) + " a contender reads back as the holder");
}

bool content_template::uses_hostname() const noexcept
{
    for (const piece& p : pieces_)
        if (p.what == kind::hostname)
            return true;
    return false;
}

std::string content_template::render(const std::filesystem::path& lock_file) const
{
    std::string hostname;
    if (uses_hostname()) {
        boost::system::error_code error;
        hostname = boost::asio::ip::host_name(error);
        // Tests: test_lock_file's failed_hostname_lookup_* (a gethostname that fails).
        if (error)
            throw std::filesystem::filesystem_error("cannot read the host name for the content template's {hostname}",
                                                    lock_file, std::error_code(error));
    }
    return render(std::to_string(current_process_id()), hostname);
}

std::string content_template::render(std::string_view pid, std::string_view hostname) const
{
    std::string content;
    for (const piece& p : pieces_) {
        switch (p.what) {
        case kind::literal: content += p.text; break;
        case kind::pid: content += pid; break;
        case kind::hostname: content += hostname; break;
        }
    }
    return content;
}

} // namespace detail
} // namespace exclusive_control
