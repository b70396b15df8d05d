// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LOCK_OPTIONS_HPP
#define EXCLUSIVE_CONTROL_LOCK_OPTIONS_HPP

#include <filesystem>
#include <string>

namespace exclusive_control {

/// How a `lock_file` identifies its holder and treats the file. An aggregate: name the members
/// you change, `lock_options{"{pid};{hostname}"}` or with designated-style assignment.
struct lock_options {
    /// What the holder writes into the file once it holds the lock, as `" " + content + "\n"`.
    /// Fields: `{pid}` (this process's id) and `{hostname}` (looked up only when used, each
    /// time the lock is taken; a failed lookup throws `std::filesystem::filesystem_error`);
    /// `{{` and `}}` stand for literal braces. Anything else in braces, an unmatched brace, or a
    /// template that can render more than 4094 bytes is rejected with `std::invalid_argument`
    /// when the `lock_file` is constructed, before any file is touched.
    std::string content_template = "{pid}";

    /// `false` locks the file in place without writing anything, like zc.lockfile's
    /// `SimpleLockFile`: use it to guard a data file whose bytes must not change.
    bool write_content = true;

    /// Permissions of a lock file that this call creates; the process umask applies.
    /// An existing file's permissions are never changed.
    std::filesystem::perms permissions = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read | std::filesystem::perms::others_read;

    /// By default a symbolic link at the lock path is refused, because in a shared directory
    /// such as /tmp another user could plant one pointing at a file we would then overwrite.
    /// Set this when the link is yours; the lock then applies to the file it points to.
    bool follow_symlinks = false;
};

} // namespace exclusive_control

#endif
