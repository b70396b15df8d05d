#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Sets up, builds, and runs the demo: the seed's story told by the C++ library.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh"
build="$root/build/release"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEXCLUSIVE_CONTROL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target exclusive_control_demo >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$build/exclusive_control_demo" lock
