// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "temp_dir.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace test_support {

namespace {

/// The path in UTF-8 as a std::string, in C++17 and in C++20 (where u8string() is a
/// std::u8string): the C++20 coroutine suite compiles this support code too.
std::string utf8(const std::filesystem::path& path)
{
    const auto text = path.u8string();
    return std::string(text.begin(), text.end());
}

} // namespace

temp_dir::temp_dir()
{
    // As mkdtemp(3), which Windows lacks: create_directory() says whether we made the directory,
    // so a name another process took meanwhile is never shared.
    const std::filesystem::path parent = std::filesystem::temp_directory_path();
    std::random_device entropy;
    for (int attempt = 0; attempt < 100; ++attempt) {
        char name[32];
        std::snprintf(name, sizeof name, "exclusive_control-%08x", static_cast<unsigned>(entropy()));
        if (std::filesystem::create_directory(parent / name)) {
            path_ = parent / name;
            std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
            return;
        }
    }
    throw std::runtime_error("cannot create a fresh directory in " + utf8(parent));
}

temp_dir::~temp_dir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

scoped_chdir::scoped_chdir(const std::filesystem::path& path) : previous_(std::filesystem::current_path())
{
    std::filesystem::current_path(path);
}

scoped_chdir::~scoped_chdir()
{
    // A destructor must not throw; a directory that cannot be restored fails the tests after.
    std::error_code ignored;
    std::filesystem::current_path(previous_, ignored);
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return "<missing>";
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::filesystem::path& path, const std::string& content)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out)
        throw std::runtime_error("cannot write " + utf8(path));
}

} // namespace test_support
