// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// A fresh, empty directory per test, removed afterwards; a working directory for a scope.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_TEMP_DIR_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_TEMP_DIR_HPP

#include <filesystem>
#include <string>

namespace test_support {

class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// Makes `path` the working directory while it lives, then restores the one before.
class scoped_chdir {
public:
    explicit scoped_chdir(const std::filesystem::path& path);
    ~scoped_chdir();
    scoped_chdir(const scoped_chdir&) = delete;
    scoped_chdir& operator=(const scoped_chdir&) = delete;

private:
    std::filesystem::path previous_;
};

/// The whole content of a file, or "<missing>" if it does not exist. Only for files this
/// process does not hold: reading a held file would drop its fcntl lock (hazard 9).
std::string read_file(const std::filesystem::path& path);

void write_file(const std::filesystem::path& path, const std::string& content);

} // namespace test_support

#endif
