// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Captures the Boost.Log records emitted while it lives.
#ifndef EXCLUSIVE_CONTROL_TEST_SUPPORT_LOG_CAPTURE_HPP
#define EXCLUSIVE_CONTROL_TEST_SUPPORT_LOG_CAPTURE_HPP

#include <boost/log/trivial.hpp>
#include <boost/shared_ptr.hpp>

#include <memory>
#include <string>
#include <vector>

namespace test_support {

struct log_record {
    boost::log::trivial::severity_level severity;
    std::string channel;
    std::string message;
};

class log_capture {
public:
    log_capture();
    ~log_capture();
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

    std::vector<log_record> records() const;

    class backend;

private:
    boost::shared_ptr<void> sink_;
    std::shared_ptr<backend> backend_;
};

} // namespace test_support

#endif
