// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Boost.Log's default sink prints every record to standard output when no sink is set up.
// The tests provoke hundreds of failures on purpose; a discarding sink keeps their output
// readable, and the log_capture sink still sees every record.
#include <boost/log/core.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/make_shared.hpp>
#include <boost/test/unit_test.hpp>

namespace {

namespace sinks = boost::log::sinks;

struct discard : sinks::basic_sink_backend<sinks::concurrent_feeding> {
    void consume(const boost::log::record_view&) {}
};

struct quiet_log {
    quiet_log() { boost::log::core::get()->add_sink(boost::make_shared<sinks::synchronous_sink<discard>>()); }
};

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(quiet_log);
