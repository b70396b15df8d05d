// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LOCK_ERROR_HPP
#define EXCLUSIVE_CONTROL_LOCK_ERROR_HPP

#include <exclusive_control/config.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace exclusive_control {

/// Thrown when the lock file is held by someone else: another process, or another
/// `lock_file` object in this very process.
///
/// When the library throws it, `what()` names the path and the holder, control bytes of the
/// holder shown as \xNN (a NUL would end the C string); `holder()` keeps them as they are.
///
/// Only contention is reported this way. I/O failures (missing directory, no permission,
/// a symlink or directory where the lock file should be) are `std::filesystem::filesystem_error`.
class EXCLUSIVE_CONTROL_DECL lock_error : public std::runtime_error {
public:
    lock_error(const std::string& what, std::filesystem::path path, std::string holder);

    /// The lock file's path, exactly as the caller gave it.
    const std::filesystem::path& path() const noexcept { return path_; }

    /// What the holder wrote into the file (at most 4 KiB), surrounding white space stripped;
    /// `"UNKNOWN"` when that leaves nothing, as with a `flock(1)` holder that writes nothing.
    const std::string& holder() const noexcept { return holder_; }

private:
    std::filesystem::path path_;
    std::string holder_;
};

/// Thrown when waiting for the lock ran out of time. A `lock_error`, so code that handles
/// contention handles both.
class EXCLUSIVE_CONTROL_DECL lock_timeout : public lock_error {
public:
    using lock_error::lock_error;
};

} // namespace exclusive_control

#endif
