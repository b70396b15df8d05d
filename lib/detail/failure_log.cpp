// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// A lock may be refused at any point of a process's life, in a global's destructor or an atexit
// handler too. By then Boost.Log may have destroyed its core: `core::get()` hands out a copy of
// a destroyed shared pointer, and a logger (which calls it) crashed inside Boost.Log. So the
// record goes through a weak pointer taken while the program starts: it yields the core while
// the core lives, and nothing once it is gone, in which case there is no record, only the
// exception. Attribute names are taken then too, as naming one by its string needs Boost.Log's
// name repository, itself a static object. Taking the core early also creates it early, so that
// it outlives the program's own static objects and their destructors' records still reach the
// sinks: hence the initialisation priority, without which an ELF link runs a static library's
// initialisers after the program's. test_log_record's refusals_at_exit_* tests pin this.
#include "failure_log.hpp"

#include <boost/log/attributes/attribute_name.hpp>
#include <boost/log/attributes/attribute_set.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/attributes/constant.hpp>
#include <boost/log/core/core.hpp>
#include <boost/log/core/record.hpp>
#include <boost/log/trivial.hpp>
#include <boost/smart_ptr/weak_ptr.hpp>

#if defined(_MSC_VER)
#pragma warning(disable : 4073) // init_seg(lib) is meant for libraries, which this is
#pragma init_seg(lib)
#define EXCLUSIVE_CONTROL_EARLY_INIT
#elif defined(__GNUC__) && (defined(__ELF__) || defined(_WIN32))
#define EXCLUSIVE_CONTROL_EARLY_INIT __attribute__((init_priority(200)))
#else
#define EXCLUSIVE_CONTROL_EARLY_INIT
#endif

namespace exclusive_control {
namespace detail {

namespace {

namespace logging = boost::log;

/// What a record needs of Boost.Log. Trivially destructible, so that no destructor of ours
/// runs at exit before another's refusal needs it.
struct logging_access {
    /// Never deleted, for the same reason; one small block for the life of the process.
    const boost::weak_ptr<logging::core>* core;
    logging::attribute_name severity;
    logging::attribute_name channel;
    logging::attribute_name message;
};

const logging_access& access()
{
    static const logging_access taken{new boost::weak_ptr<logging::core>(logging::core::get()),
                                      logging::attribute_name("Severity"), logging::attribute_name("Channel"),
                                      logging::attribute_name("Message")};
    return taken;
}

struct take_access_early {
    take_access_early() { access(); }
};
const take_access_early early EXCLUSIVE_CONTROL_EARLY_INIT;

} // namespace

void log_failure(const std::string& message) noexcept
{
    // The exception that follows is what the caller acts on; a logging failure must not replace it.
    try {
        const logging_access& names = access();
        const boost::shared_ptr<logging::core> core = names.core->lock();
        if (!core)
            return;
        logging::attribute_set attributes;
        attributes.insert(names.severity,
                          logging::attributes::constant<logging::trivial::severity_level>(logging::trivial::error));
        attributes.insert(names.channel, logging::attributes::constant<std::string>("exclusive_control"));
        logging::record record = core->open_record(attributes);
        if (!record)
            return;
        record.attribute_values().insert(names.message, logging::attributes::make_attribute_value(message));
        core->push_record(std::move(record));
    } catch (...) {
    }
}

} // namespace detail
} // namespace exclusive_control
