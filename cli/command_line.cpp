// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "command_line.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace cli {

namespace {

namespace po = boost::program_options;

po::options_description run_options()
{
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("wait,w", po::value<double>()->value_name("SECONDS"),
         "wait up to SECONDS (fractions allowed) for the lock; by default give up at once")
        ("content,c", po::value<std::string>()->value_name("TEMPLATE")->default_value("{pid};{hostname}"),
         "what to write into LOCKFILE once it is held: {pid} (this program's), {hostname}, "
         "{{ and }} for braces")
        ("conflict-exit-code,E", po::value<int>()->value_name("CODE")->default_value(1),
         "exit status when the lock is held elsewhere (0 to 255)")
        ("help,h", "show this help");
    // clang-format on
    return options;
}

po::options_description status_options()
{
    po::options_description options("Options");
    options.add_options()("help,h", "show this help");
    return options;
}

/// Parses `words` as options and at most one positional argument, the lock file.
po::variables_map parse(const std::vector<std::string>& words, const po::options_description& visible)
{
    po::options_description all;
    all.add(visible).add_options()("lock-file", po::value<std::string>());
    po::positional_options_description positional;
    positional.add("lock-file", 1);
    po::variables_map values;
    try {
        po::store(po::command_line_parser(words).options(all).positional(positional).run(), values);
        po::notify(values);
    } catch (const po::too_many_positional_options_error&) {
        throw usage_error("one lock file only");
    } catch (const po::error& error) {
        throw usage_error(error.what());
    }
    return values;
}

std::filesystem::path lock_path(const po::variables_map& values)
{
    if (!values.count("lock-file"))
        throw usage_error("no lock file given");
    return values["lock-file"].as<std::string>();
}

std::string describe(const std::string& usage, const std::string& about, const po::options_description& options,
                     const std::string& exit_status)
{
    std::ostringstream text;
    text << "Usage: " << usage << "\n\n" << about << "\n\n" << options << '\n' << exit_status << '\n';
    return text.str();
}

} // namespace

run_arguments parse_run(const std::vector<std::string>& words)
{
    // Everything after "--" is the command's, options included.
    const auto separator = std::find(words.begin(), words.end(), "--");
    const po::variables_map values = parse({words.begin(), separator}, run_options());
    run_arguments arguments;
    if (values.count("help")) {
        arguments.help = true;
        return arguments;
    }
    arguments.lock_path = lock_path(values);
    if (separator == words.end())
        throw usage_error("the command to run must follow --, as in: run LOCKFILE -- COMMAND [ARGS...]");
    arguments.command.assign(separator + 1, words.end());
    if (arguments.command.empty())
        throw usage_error("no command after --");
    if (values.count("wait")) {
        const double seconds = values["wait"].as<double>();
        if (std::isnan(seconds) || seconds < 0)
            throw usage_error("--wait wants a number of seconds, 0 or more");
        arguments.wait_seconds = seconds;
    }
    arguments.content_template = values["content"].as<std::string>();
    arguments.conflict_exit_code = values["conflict-exit-code"].as<int>();
    if (arguments.conflict_exit_code < 0 || arguments.conflict_exit_code > 255)
        throw usage_error("--conflict-exit-code wants a number from 0 to 255");
    return arguments;
}

status_arguments parse_status(const std::vector<std::string>& words)
{
    const po::variables_map values = parse(words, status_options());
    status_arguments arguments;
    if (values.count("help"))
        arguments.help = true;
    else
        arguments.lock_path = lock_path(values);
    return arguments;
}

std::string general_help()
{
    return "Usage: exclusive-control COMMAND [ARGS...]\n"
           "\n"
           "Lock files shared with programs that use the exclusive_control library, flock(1),\n"
           "or flock() and fcntl() locks of their own.\n"
           "\n"
           "Commands:\n"
           "  run [OPTIONS] LOCKFILE -- COMMAND [ARGS...]\n"
           "                        run COMMAND while holding the lock on LOCKFILE\n"
           "  status LOCKFILE       say whether LOCKFILE is locked, and by whom\n"
           "\n"
           "Options:\n"
           "  -h [ --help ]         show this help; COMMAND --help shows a command's\n"
           "  -V [ --version ]      show the version\n";
}

std::string run_help()
{
    return describe("exclusive-control run [OPTIONS] LOCKFILE -- COMMAND [ARGS...]",
                    "Take the lock on LOCKFILE, creating the file if it is missing; write who holds it\n"
                    "into the file; run COMMAND while holding the lock; release it when COMMAND ends.\n"
                    "COMMAND does not inherit the lock. HUP, INT, QUIT, TERM, USR1 and USR2 sent to\n"
                    "this program are passed on to COMMAND; those a terminal sends reach it directly.",
                    run_options(),
                    "Exit status: COMMAND's, or 128+N if signal N ended it; CODE if the lock is held\n"
                    "elsewhere; 125 if this program fails; 126 if COMMAND cannot be run; 127 if\n"
                    "COMMAND is not found.");
}

std::string status_help()
{
    return describe("exclusive-control status LOCKFILE",
                    "Print \"locked by HOLDER\", HOLDER being what the holder wrote into LOCKFILE,\n"
                    "or \"unlocked\", followed by what the last holder left there, if anything.\n"
                    "Never takes the lock, so it never gets in the way of a program taking it.",
                    status_options(), "Exit status: 0 if locked, 1 if unlocked, 2 on error.");
}

} // namespace cli
