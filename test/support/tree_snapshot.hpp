// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// What is on disk under a directory, to show that a refused attempt changed nothing.
// Hazard numbers refer to doc/design.adoc.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_TREE_SNAPSHOT_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_TREE_SNAPSHOT_HPP

#include <filesystem>
#include <map>
#include <string>

namespace test_support {

/// Relative path -> one line with everything the library could change: type, permissions,
/// owner, link count, size, modification time to the nanosecond, and a regular file's bytes or
/// a symlink's target. A directory's mtime moves when an entry is created in it, even if that
/// entry is removed again, so a file created and deleted on an error path shows up too.
using tree_snapshot = std::map<std::string, std::string>;

/// The tree under `root`; empty for an empty `root`. `read_contents = false` while this process
/// holds a file under `root`: reading it would drop the holder's fcntl lock (hazard 9).
tree_snapshot snapshot(const std::filesystem::path& root, bool read_contents = true);

/// What was added, removed or changed between two snapshots, one line each; empty if nothing.
std::string differences(const tree_snapshot& before, const tree_snapshot& after);

} // namespace test_support

/// Checks (with BOOST_TEST) that nothing changed between two snapshots, and shows what did.
#define CHECK_UNCHANGED(before, after)                                                \
    do {                                                                              \
        const std::string changed_on_disk = test_support::differences(before, after); \
        BOOST_TEST(changed_on_disk.empty(), "disk changed:\n" << changed_on_disk);    \
    } while (false)

#endif
