// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_CLI_COMMAND_LINE_HPP
#define EXCLUSIVE_CONTROL_CLI_COMMAND_LINE_HPP

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cli {

/// A mistake on the command line; the message says which.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// `exclusive-control run [-w SECONDS] [-c TEMPLATE] [-E CODE] LOCKFILE -- COMMAND [ARGS...]`
struct run_arguments {
    bool help = false;
    std::filesystem::path lock_path;
    /// How long to wait for the lock; none: fail at once.
    std::optional<double> wait_seconds;
    std::string content_template = "{pid};{hostname}";
    int conflict_exit_code = 1;
    std::vector<std::string> command;
};

/// `exclusive-control status LOCKFILE`
struct status_arguments {
    bool help = false;
    std::filesystem::path lock_path;
};

/// Parse the words after the subcommand's name. Throw `usage_error`.
run_arguments parse_run(const std::vector<std::string>& words);
status_arguments parse_status(const std::vector<std::string>& words);

std::string general_help();
std::string run_help();
std::string status_help();

} // namespace cli

#endif
