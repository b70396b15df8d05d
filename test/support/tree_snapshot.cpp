// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "tree_snapshot.hpp"

#include "temp_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <system_error>

namespace test_support {

namespace fs = std::filesystem;

namespace {

std::string error_text(int error)
{
    return std::generic_category().message(error);
}

std::string escaped(const std::string& bytes)
{
    std::string out;
    for (const unsigned char c : bytes) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

const char* kind_of(mode_t mode)
{
    if (S_ISREG(mode))
        return "file";
    if (S_ISDIR(mode))
        return "directory";
    if (S_ISLNK(mode))
        return "symlink";
    if (S_ISFIFO(mode))
        return "fifo";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode))
        return "char-device";
    if (S_ISBLK(mode))
        return "block-device";
    return "unknown";
}

void describe_into(tree_snapshot& tree, const fs::path& root, const fs::path& relative, bool read_contents)
{
    const fs::path full = relative.empty() ? root : root / relative;
    const std::string key = relative.empty() ? "." : relative.string();
    struct stat status;
    if (::lstat(full.c_str(), &status) != 0) {
        tree[key] = "<lstat failed: " + error_text(errno) + ">";
        return;
    }
    std::ostringstream line;
    line << kind_of(status.st_mode) << " mode=" << std::oct << (status.st_mode & 07777) << std::dec
         << " uid=" << status.st_uid << " gid=" << status.st_gid << " links=" << status.st_nlink
         << " size=" << status.st_size << " mtime=" << status.st_mtim.tv_sec << '.' << std::setw(9) << std::setfill('0')
         << status.st_mtim.tv_nsec;
    // Only regular files are read: opening a FIFO to read it would block.
    if (S_ISREG(status.st_mode) && read_contents)
        line << " content=\"" << escaped(test_support::read_file(full)) << '"';
    if (S_ISLNK(status.st_mode)) {
        std::error_code error;
        line << " -> " << fs::read_symlink(full, error).string();
    }
    tree[key] = line.str();
    if (!S_ISDIR(status.st_mode))
        return;
    std::error_code error;
    for (fs::directory_iterator it(full, error), end; !error && it != end; it.increment(error))
        describe_into(tree, root, relative / it->path().filename(), read_contents);
    if (error)
        tree[key] += " <cannot list: " + error.message() + ">";
}

} // namespace

tree_snapshot snapshot(const fs::path& root, bool read_contents)
{
    tree_snapshot tree;
    if (!root.empty())
        describe_into(tree, root, {}, read_contents);
    return tree;
}

std::string differences(const tree_snapshot& before, const tree_snapshot& after)
{
    std::string out;
    for (const auto& [name, was] : before) {
        const auto now = after.find(name);
        if (now == after.end())
            out += "removed " + name + ": " + was + "\n";
        else if (now->second != was)
            out += "changed " + name + ":\n  before: " + was + "\n  after:  " + now->second + "\n";
    }
    for (const auto& [name, is] : after)
        if (before.count(name) == 0)
            out += "added " + name + ": " + is + "\n";
    return out;
}

} // namespace test_support
