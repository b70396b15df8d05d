// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// "Who holds it", without touching the lock: look, never take. The order answers hazard 2
// (never close a descriptor of a file this process holds) and hazard 9 (a plain read of the
// file does exactly that): look by name, ask the table, ask what is listed by name, and only
// then open. What each operating system can tell is behind detail/lock_probe.hpp.
// Tests: test_inspect.cpp; test_windows.cpp on Windows.
// Hazard numbers refer to doc/design.adoc.
#include <exclusive_control/inspect.hpp>

#include "detail/file_error.hpp"
#include "detail/lock_probe.hpp"
#include "detail/process_table.hpp"

#include <optional>
#include <system_error>

namespace exclusive_control {

namespace {

namespace fs = std::filesystem;
using detail::fail;
using detail::file_identity;
using detail::process_table;

} // namespace

lock_status inspect(const fs::path& path)
{
    if (path.empty())
        fail("lock file path is empty", path, detail::error_invalid_argument);
    // A path replaced between the look by name and the open is looked at again; a path replaced
    // over and over is an error rather than a loop.
    constexpr int attempts = 3;
    for (int attempt = 1;; ++attempt) {
        const std::optional<detail::file_status> seen = detail::status_at(path);
        if (!seen)
            return {};
        detail::require_regular_file(*seen, path);
        const file_identity identity = seen->identity;
        if (auto holder = process_table::instance().holder_if_held(identity))
            return {true, std::move(*holder)};

        const detail::listed_by_name listed = detail::locks_listed_for(path, *seen);
        if (listed.by_this_process) {
            // Another thread's lock_file may have taken it since we looked; if not, this
            // process locked it by other means, and opening and closing would drop that lock.
            if (auto holder = process_table::instance().holder_if_held(identity))
                return {true, std::move(*holder)};
            return {true, "UNKNOWN"};
        }

        detail::unique_file opened = detail::open_to_look(path);
        if (opened.get() == detail::no_file)
            return {};
        const file_identity opened_identity = detail::status_of(opened.get(), path).identity;
        // Another thread may take the file before this closes: the table keeps it open then.
        const detail::table_descriptor file(opened_identity, std::move(opened));
        if (opened_identity != identity) {
            if (attempt == attempts)
                fail("lock file keeps being replaced while it is inspected", path, detail::error_file_replaced);
            continue;
        }

        lock_status result;
        result.holder = detail::read_holder(file.get());
        result.locked = listed.by_anyone || detail::locked_elsewhere(file.get(), path);
        return result;
    }
}

} // namespace exclusive_control
