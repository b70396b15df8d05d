// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The seed's story in C++: lock, contend, read the log record, close, find the file left
// behind, lock again, and write the host name for containers.
#include <exclusive_control/exclusive_control.hpp>

#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

namespace logging = boost::log;

int main(int argc, char** argv)
{
    // The record the library emits when a lock is refused, printed as the seed shows it.
    logging::add_console_log(std::cout, logging::keywords::format = (logging::expressions::stream
                                                                     << logging::trivial::severity << " "
                                                                     << logging::expressions::smessage));

    const std::filesystem::path path = argc > 1 ? argv[1] : "lock";

    exclusive_control::lock_file lock(path);
    std::cout << "locked " << path << '\n';

    try {
        exclusive_control::lock_file second(path);
    } catch (const exclusive_control::lock_error& error) {
        std::cout << "Can't lock file (held by " << error.holder() << ")\n";
    }

    lock.close();
    std::cout << "closed; the file is left behind: " << std::boolalpha << std::filesystem::exists(path) << '\n';

    lock = exclusive_control::lock_file(path);
    std::cout << "locked it again\n";
    lock.close();

    lock = exclusive_control::lock_file(path, {"{pid};{hostname}"});
    lock.close();
    std::ifstream file(path);
    std::cout << "with the hostname template the file holds:\n"
              << std::string(std::istreambuf_iterator<char>(file), {});
}
