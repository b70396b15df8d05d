// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#include "file_kind.hpp"

#include "file_error.hpp"
#include "os_lock.hpp"

#include <string>

namespace exclusive_control {
namespace detail {

namespace fs = std::filesystem;

const char* name_of(file_kind kind) noexcept
{
    switch (kind) {
    case file_kind::regular: return "a regular file";
    case file_kind::directory: return "a directory";
    case file_kind::fifo: return "a FIFO (named pipe)";
    case file_kind::socket: return "a socket";
    case file_kind::character_device: return "a character device";
    case file_kind::block_device: return "a block device";
    case file_kind::link: return "a symbolic link";
    case file_kind::other: break;
    }
    return "not a regular file";
}

void require_regular_file(const file_status& status, const fs::path& path)
{
    if (status.kind != file_kind::regular)
        fail(std::string("lock file is ") + name_of(status.kind), path, error_invalid_argument);
}

void require_plain_file(const file_status& status, const fs::path& path)
{
    if (status.kind == file_kind::link)
        fail(std::string("lock file is ") + name_of(file_kind::link) +
                 "; refusing to follow it (lock_options::follow_symlinks)",
             path, error_link_refused);
    require_regular_file(status, path);
    // A second name for the file is either ours (the in-process table already treats it as the
    // same file) or one another user planted in a shared directory to make us overwrite a file
    // of their choosing. We cannot tell which, so refuse.
    if (status.links > 1)
        fail("lock file has " + std::to_string(status.links) + " hard links; refusing a file that has other names",
             path, error_too_many_links);
}

} // namespace detail
} // namespace exclusive_control
