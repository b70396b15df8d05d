// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Fuzz target for reading the holder back from a lock file (lib/detail/holder.cpp): whatever
// another program left in the file, huge, with NULs, without a newline or only blank.
//
// Input: one byte choosing how far the file extends past the bytes that follow (sparse, read as
// NULs: nothing, up to the 4096 bytes a contender reads, or far past them), one byte choosing
// the failing caller's template, then the file's bytes. Properties:
// - parse_holder gives the bytes without surrounding white space, or "UNKNOWN" if nothing is
//   left;
// - read_holder on a file holding those bytes gives parse_holder of its first 4096 bytes;
// - failure_message has zc.lockfile's form: the path, then the pid cut at 20 characters, or the
//   content cut at 40 with "..." when longer; characters are UTF-8's (a lead byte and the
//   continuation bytes it announces), any other byte counting as one.
#include "detail/holder.hpp"
#include "detail/os_lock.hpp"
#include "fuzz_check.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace exclusive_control::detail;

bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void check_parse(std::string_view raw)
{
    const std::string holder = parse_holder(raw);
    std::size_t begin = 0;
    while (begin < raw.size() && is_blank(raw[begin]))
        ++begin;
    if (begin == raw.size()) {
        FUZZ_CHECK(holder == "UNKNOWN");
        return;
    }
    FUZZ_CHECK(!holder.empty());
    FUZZ_CHECK(!is_blank(holder.front()) && !is_blank(holder.back()));
    FUZZ_CHECK(raw.substr(begin, holder.size()) == holder);
    for (const char c : raw.substr(begin + holder.size()))
        FUZZ_CHECK(is_blank(c));
}

/// Where each character of `text` starts, by the patterns of well-formed-looking UTF-8.
std::vector<std::size_t> character_starts(std::string_view text)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continued = [&](std::size_t i, std::size_t count) {
        for (std::size_t k = 1; k <= count; ++k)
            if (i + k >= text.size() || (byte(i + k) >> 6) != 2)
                return false;
        return true;
    };
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < text.size();) {
        starts.push_back(i);
        const unsigned char b = byte(i);
        const std::size_t more = (b >= 0xc2 && b < 0xe0)   ? 1
                                 : (b >= 0xe0 && b < 0xf0) ? 2
                                 : (b >= 0xf0 && b < 0xf5) ? 3
                                                           : 0;
        i += continued(i, more) ? more + 1 : 1;
    }
    return starts;
}

/// The first `count` characters of `text`, and whether that is all of it.
std::pair<std::string, bool> first(std::string_view text, std::size_t count)
{
    const std::vector<std::size_t> starts = character_starts(text);
    if (starts.size() <= count)
        return {std::string(text), true};
    return {std::string(text.substr(0, starts[count])), false};
}

void check_message(std::string_view holder, bool default_template)
{
    const std::string path = "/run/lock/service.lock";
    const std::string message = failure_message(path, holder, default_template ? "{pid}" : "{pid};{hostname}");
    const std::string head = "Error locking file " + path;
    if (default_template) {
        FUZZ_CHECK(message == head + "; pid=" + first(holder, 20).first);
    } else {
        const auto [shown, whole] = first(holder, 40);
        FUZZ_CHECK(message == head + "; content: \"" + shown + (whole ? "" : "...") + "\"");
    }
}

void check_read(std::string_view bytes, std::size_t file_size)
{
    const int fd = ::memfd_create("holder", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    if (file_size > bytes.size())
        FUZZ_CHECK(::ftruncate(fd, static_cast<off_t>(file_size)) == 0);
    // What a contender reads: the first bytes of the file, NULs where it was extended.
    std::string head(bytes.substr(0, holder_read_limit));
    head.resize(std::min(file_size, holder_read_limit), '\0');
    FUZZ_CHECK(read_holder(fd) == parse_holder(head));
    ::close(fd);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::size_t extensions[] = {0,       holder_read_limit - 1, holder_read_limit, holder_read_limit + 1,
                                      1 << 20, std::size_t(1) << 30};
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
    const std::size_t file_size = bytes.size() + extensions[data[0] % std::size(extensions)];

    check_parse(bytes);
    check_message(parse_holder(bytes), data[1] % 2 == 0);
    check_read(bytes, file_size);
    return 0;
}
