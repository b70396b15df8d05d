// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Caveats: with no sink configured, Boost.Log prints every record on standard output. Route
// the library's record where it belongs, or drop it.
#include <exclusive_control/exclusive_control.hpp>

#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <iostream>
#include <sstream>
#include <string>

namespace logging = boost::log;
namespace expr = boost::log::expressions;

void provoke_a_refusal()
{
    exclusive_control::lock_file lock("lock");
    try {
        exclusive_control::lock_file second("lock");
    } catch (const exclusive_control::lock_error&) {
    }
}

int main()
{
    // tag::route[]
    logging::add_console_log(std::clog,
                             logging::keywords::filter = expr::attr<std::string>("Channel") == "exclusive_control",
                             logging::keywords::format = expr::stream << "lock: " << expr::smessage);
    // end::route[]
    provoke_a_refusal(); // prints "lock: Error locking file lock; pid=4242" on standard error

    // tag::drop[]
    // A record without a Channel attribute must pass: hence or_default.
    logging::core::get()->set_filter(expr::attr<std::string>("Channel").or_default(std::string()) !=
                                     "exclusive_control");
    // end::drop[]

    std::ostringstream seen;
    auto sink = logging::add_console_log(seen, logging::keywords::format = expr::stream << expr::smessage);
    provoke_a_refusal();
    BOOST_LOG_TRIVIAL(info) << "an application's own record";
    sink->flush();
    return seen.str() == "an application's own record\n" ? 0 : 1;
}
