// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#include "log_capture.hpp"

#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/make_shared.hpp>

#include <mutex>

namespace test_support {

namespace sinks = boost::log::sinks;

class log_capture::backend : public sinks::basic_sink_backend<sinks::synchronized_feeding> {
public:
    void consume(const boost::log::record_view& record)
    {
        log_record captured{};
        if (auto severity = boost::log::extract<boost::log::trivial::severity_level>("Severity", record))
            captured.severity = *severity;
        if (auto channel = boost::log::extract<std::string>("Channel", record))
            captured.channel = *channel;
        if (auto message = boost::log::extract<std::string>("Message", record))
            captured.message = *message;
        std::lock_guard<std::mutex> guard(mutex_);
        records_.push_back(std::move(captured));
    }

    std::vector<log_record> records() const
    {
        std::lock_guard<std::mutex> guard(mutex_);
        return records_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<log_record> records_;
};

log_capture::log_capture()
{
    auto backend = boost::make_shared<log_capture::backend>();
    auto sink = boost::make_shared<sinks::synchronous_sink<log_capture::backend>>(backend);
    backend_ = std::shared_ptr<log_capture::backend>(backend.get(), [backend](log_capture::backend*) {});
    sink_ = sink;
    boost::log::core::get()->add_sink(sink);
}

log_capture::~log_capture()
{
    boost::log::core::get()->remove_sink(
        boost::static_pointer_cast<sinks::synchronous_sink<log_capture::backend>>(sink_));
}

std::vector<log_record> log_capture::records() const
{
    return backend_->records();
}

} // namespace test_support
