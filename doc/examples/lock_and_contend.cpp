// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Tutorial, first steps: the seed's story. Take a lock, be refused a second one, release it,
// find the file left behind, take the lock again.
#include <exclusive_control/exclusive_control.hpp>

#include <filesystem>
#include <iostream>

int main()
{
    // tag::create[]
    exclusive_control::lock_file lock("lock");
    // end::create[]

    // tag::contend[]
    try {
        exclusive_control::lock_file second("lock");
        return 1; // not reached: the file is locked already, here by this very process
    } catch (const exclusive_control::lock_error& error) {
        std::cout << "Can't lock file " << error.path() << "; held by " << error.holder() << '\n';
    }
    // end::contend[]

    // tag::close[]
    lock.close();
    // end::close[]

    // tag::left_behind[]
    if (!std::filesystem::exists("lock"))
        return 1;
    // end::left_behind[]

    // tag::relock[]
    exclusive_control::lock_file again("lock");
    again.close();
    // end::relock[]
}
