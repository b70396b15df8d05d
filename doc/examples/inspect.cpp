// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// Tutorial: who holds it? inspect() answers from any process, the holder's own included,
// without taking the lock and without dropping it.
#include <exclusive_control/exclusive_control.hpp>

#include <iostream>

int main()
{
    exclusive_control::lock_file lock("lock", {"{pid};{hostname}"});

    // tag::inspect[]
    const exclusive_control::lock_status status = exclusive_control::inspect("lock");
    if (status.locked)
        std::cout << "locked by " << status.holder << '\n'; // locked by 4242;myhostname
    else
        std::cout << "unlocked\n";
    // end::inspect[]
    if (!status.locked || !lock.owns_lock())
        return 1;

    lock.close();
    // tag::after[]
    const exclusive_control::lock_status after = exclusive_control::inspect("lock");
    std::cout << (after.locked ? "locked" : "unlocked") << "; the file says " << after.holder << '\n';
    // end::after[]
    if (after.locked || after.holder != status.holder)
        return 1;

    // tag::missing[]
    if (exclusive_control::inspect("no-such.lock").locked)
        return 1; // not reached: a missing file is unlocked, not an error
    // end::missing[]
}
