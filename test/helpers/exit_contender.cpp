// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
// A program refused a lock at the end of its life, after main() set up a Boost.Log sink that
// writes "record: <severity> <channel> <message>" lines to standard output. Modes:
//   exit_contender global PATH   a global's destructor asks for PATH
//   exit_contender atexit PATH   an atexit handler, registered before the sink, asks for PATH
//   exit_contender after_logging PATH
//                                an exit handler that runs after every shared object's
//                                finalisers, Boost.Log's among them (glibc only), asks for PATH
// Each refusal caught prints "caught lock_error <holder>"; exit status 0 unless something worse.
#include <exclusive_control/exclusive_control.hpp>

#include <boost/core/null_deleter.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/trivial.hpp>
#include <boost/make_shared.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// Pointers into argv, which outlives every destructor; a std::string here would be destroyed
// before the objects defined after it.
std::string_view mode;
const char* lock_path = nullptr;

void contend()
{
    try {
        exclusive_control::lock_file lock(lock_path);
        std::cout << "acquired" << std::endl;
    } catch (const exclusive_control::lock_error& error) {
        std::cout << "caught lock_error " << error.holder() << std::endl;
    }
}

struct contends_when_destroyed {
    ~contends_when_destroyed()
    {
        if (mode == "global")
            contend();
    }
} global_object;

#if defined(__GLIBC__)
// The last moment of a process: an exit handler registered before any initialiser ran runs
// after every later one, Boost.Log's core's destructor among them. An executable's preinit
// functions run before the initialisers of every shared object and its own; the handler is
// registered for no shared object (a null DSO handle; atexit() would tie it to this program,
// whose handlers run while the shared objects it uses are still whole).
extern "C" int __cxa_atexit(void (*function)(void*), void* argument, void* dso_handle);

void contend_after_logging(void*)
{
    contend();
}

void register_contend_after_logging(int argc, char** argv, char**)
{
    if (argc == 3 && std::string_view(argv[1]) == "after_logging")
        __cxa_atexit(contend_after_logging, nullptr, nullptr);
}
__attribute__((section(".preinit_array"), used)) void (*register_early)(int, char**,
                                                                        char**) = register_contend_after_logging;
#endif

void set_up_sink()
{
    namespace expr = boost::log::expressions;
    using sink_type = boost::log::sinks::synchronous_sink<boost::log::sinks::text_ostream_backend>;
    const auto sink = boost::make_shared<sink_type>();
    sink->locked_backend()->add_stream(boost::shared_ptr<std::ostream>(&std::cout, boost::null_deleter()));
    sink->locked_backend()->auto_flush(true);
    sink->set_formatter(expr::stream << "record: " << boost::log::trivial::severity << ' '
                                     << expr::attr<std::string>("Channel") << ' ' << expr::smessage);
    boost::log::core::get()->add_sink(sink);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3)
        return 2;
    mode = argv[1];
    lock_path = argv[2];
    if (mode == "atexit")
        std::atexit(contend);
    set_up_sink();
    std::cout << "configured" << std::endl;
    return 0;
}
