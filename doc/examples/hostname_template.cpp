// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Tutorial: in containers every first process is pid 1, so write the host name (Docker's
// container name or id) into the lock file too.
#include <exclusive_control/exclusive_control.hpp>

#include <boost/asio/ip/host_name.hpp>

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main()
{
    // tag::template[]
    exclusive_control::lock_file lock("lock", {"{pid};{hostname}"});
    // end::template[]
    lock.close();

    // tag::cat[]
    std::ifstream file("lock"); // only once this process no longer holds the lock
    std::ostringstream content;
    content << file.rdbuf();
    std::cout << content.str(); //  4242;myhostname
    // end::cat[]

    const std::string expected = " " + std::to_string(::getpid()) + ";" + boost::asio::ip::host_name() + "\n";
    return content.str() == expected ? 0 : 1;
}
