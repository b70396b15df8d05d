// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_KIND_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_FILE_KIND_HPP

// What is at a lock file's path, and the one wording every refusal uses for it (hazard 6).
// Each platform tells the kind (os_lock_posix.cpp, os_lock_windows.cpp); naming it and refusing
// it are the same everywhere (file_kind.cpp). Tests: test_bad_input.cpp, test_inspect.cpp,
// test_windows.cpp.

#include <filesystem>

namespace exclusive_control {
namespace detail {

struct file_status;

enum class file_kind { regular, directory, fifo, socket, character_device, block_device, link, other };

/// The kind as refusals name it, after "lock file is": "a directory", "a FIFO (named pipe)"...
const char* name_of(file_kind kind) noexcept;

/// Throws `std::filesystem::filesystem_error` unless `status` is a regular file.
void require_regular_file(const file_status& status, const std::filesystem::path& path);

/// Throws `std::filesystem::filesystem_error` unless `status` is a regular file with one name;
/// a link opened itself (Windows, without lock_options::follow_symlinks) is refused as one.
void require_plain_file(const file_status& status, const std::filesystem::path& path);

} // namespace detail
} // namespace exclusive_control

#endif
