// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// exclusive-control: the library from the shell, in the spirit of flock(1). It uses only the
// library's public headers, like any user.
#include "command_line.hpp"
#include "run_locked.hpp"

#include <exclusive_control/exclusive_control.hpp>

#include "detail/printable.hpp"

#include <boost/log/core.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int status_error = 2;

int run_command(const std::vector<std::string>& words)
{
    try {
        const cli::run_arguments arguments = cli::parse_run(words);
        if (arguments.help) {
            std::cout << cli::run_help();
            return 0;
        }
        return cli::run_locked(arguments);
    } catch (const cli::usage_error& error) {
        std::cerr << "exclusive-control run: " << error.what() << "\nTry 'exclusive-control run --help'.\n";
    } catch (const std::exception& error) {
        std::cerr << "exclusive-control: " << error.what() << '\n';
    }
    return cli::failed_here;
}

int status_command(const std::vector<std::string>& words)
{
    try {
        const cli::status_arguments arguments = cli::parse_status(words);
        if (arguments.help) {
            std::cout << cli::status_help();
            return 0;
        }
        const exclusive_control::lock_status status = exclusive_control::inspect(arguments.lock_path);
        // The content is anybody's to write: an escape sequence in it must not reach the terminal.
        const std::string holder = exclusive_control::detail::printable(status.holder);
        if (status.locked) {
            std::cout << "locked by " << holder << '\n';
            return 0;
        }
        std::cout << "unlocked";
        if (status.holder != "UNKNOWN")
            std::cout << " (last held by " << holder << ')';
        std::cout << '\n';
        return 1;
    } catch (const cli::usage_error& error) {
        std::cerr << "exclusive-control status: " << error.what() << "\nTry 'exclusive-control status --help'.\n";
    } catch (const std::exception& error) {
        std::cerr << "exclusive-control: " << error.what() << '\n';
    }
    return status_error;
}

} // namespace

int main(int argc, char** argv)
{
    // Contention is reported on standard error in our own words. The library's Boost.Log
    // record would go to Boost.Log's default sink, standard output, among the command's output.
    boost::log::core::get()->set_logging_enabled(false);

    const std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty()) {
        std::cerr << cli::general_help();
        return status_error;
    }
    const std::string& command = words.front();
    const std::vector<std::string> rest(words.begin() + 1, words.end());
    if (command == "run")
        return run_command(rest);
    if (command == "status")
        return status_command(rest);
    if (command == "-h" || command == "--help") {
        std::cout << cli::general_help();
        return 0;
    }
    if (command == "-V" || command == "--version") {
        std::cout << "exclusive-control " << EXCLUSIVE_CONTROL_VERSION_MAJOR << '.' << EXCLUSIVE_CONTROL_VERSION_MINOR
                  << '.' << EXCLUSIVE_CONTROL_VERSION_PATCH << '\n';
        return 0;
    }
    std::cerr << "exclusive-control: unknown command '" << command << "'\nTry 'exclusive-control --help'.\n";
    return status_error;
}
