// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Tutorial: the Boost.Log record of a refused lock, collected as the seed's doctest collects
// its handler's records.
#include <exclusive_control/exclusive_control.hpp>

#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <unistd.h>

#include <iostream>
#include <sstream>
#include <string>

int main()
{
    // tag::sink[]
    namespace logging = boost::log;
    namespace expr = boost::log::expressions;

    std::ostringstream records;
    auto sink = logging::add_console_log(
        records, logging::keywords::filter = expr::attr<std::string>("Channel") == "exclusive_control",
        logging::keywords::format = expr::stream << logging::trivial::severity << ' ' << expr::smessage);
    // end::sink[]

    // tag::refused[]
    exclusive_control::lock_file lock("lock");
    try {
        exclusive_control::lock_file second("lock");
    } catch (const exclusive_control::lock_error&) {
        sink->flush();
        std::cout << records.str(); // error Error locking file lock; pid=4242
    }
    // end::refused[]

    const std::string expected = "error Error locking file lock; pid=" + std::to_string(::getpid()) + "\n";
    return records.str() == expected ? 0 : 1;
}
