#!/bin/sh
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Tutorial: the exclusive-control command. The tests run this script in an empty directory
# with the command on PATH; the lines between the tags are what the tutorial shows.
set -eu

# A nightly job holds the lock for a while (here: until the file "done" appears).
# tag::run[]
exclusive-control run nightly.lock -- sh -c 'until [ -e done ]; do sleep 0.05; done' &
# end::run[]
job=$!
tries=0
until exclusive-control status nightly.lock >/dev/null; do
  tries=$((tries + 1)); [ "$tries" -lt 200 ] || exit 1
  sleep 0.05
done

# tag::status[]
exclusive-control status nightly.lock
# end::status[]

set +e
# tag::busy[]
exclusive-control run nightly.lock -- echo "second job"
# end::busy[]
busy=$?
set -e
[ "$busy" -eq 1 ]

# flock(1) is excluded too, and excludes us: the lock takes both lock families.
set +e
# tag::flock[]
flock --nonblock nightly.lock echo "a shell script's job"
# end::flock[]
flock_busy=$?
set -e
[ "$flock_busy" -eq 1 ]

(sleep 0.3; touch done) &
# tag::wait[]
exclusive-control run -w 30 nightly.lock -- echo "second job, after the first"
# end::wait[]
wait "$job"

# tag::unlocked[]
exclusive-control status nightly.lock || echo "exit status $?"
# end::unlocked[]
