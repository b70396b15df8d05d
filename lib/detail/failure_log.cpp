// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "failure_log.hpp"

#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>
#include <boost/log/trivial.hpp>

namespace exclusive_control {
namespace detail {

void log_failure(const std::string& message) noexcept
{
    // The exception that follows is what the caller acts on; a logging failure must not replace it.
    try {
        boost::log::sources::severity_channel_logger_mt<boost::log::trivial::severity_level, std::string>
            logger(boost::log::keywords::channel = "exclusive_control");
        BOOST_LOG_SEV(logger, boost::log::trivial::error) << message;
    } catch (...) {
    }
}

} // namespace detail
} // namespace exclusive_control
