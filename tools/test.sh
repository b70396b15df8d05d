#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Sets up, builds, and runs every test: the suites warnings-as-errors, then again under
# ASan+UBSan and under TSan, then the fuzz corpus under libFuzzer (clang), then clang-tidy over
# lib/ and cli/ (tools/tidy.sh), then the packaging checks (tools/check_packaging.sh: b2, the
# CMake package three ways, pkg-config), then Conan itself (tools/check_conan.sh: `conan create
# .`, shared and static), then the Windows build under wine (tools/test_windows.sh). `--quick`
# runs the plain build only; `--no-windows` skips the Windows build. First of all it checks the
# C++ files against .clang-format (tools/check_format.sh; `--fix` there rewrites them). The suites include
# test_python_peers, whose Python peers tools/setup_peers.sh installs first. The stress and chaos
# suites run at their CI sizes (8 processes x 4 threads x 100 sections; 40 kills) in the plain build and
# smaller under the sanitizers, unless the EXCLUSIVE_CONTROL_STRESS_* and
# EXCLUSIVE_CONTROL_CHAOS_* variables say otherwise. Each stage ends with its wall time
# (`== NAME done in N s`). CMake builds use Ninja unless CMAKE_GENERATOR says otherwise (a build
# directory keeps the generator it was made with). What does not depend on our sources is kept
# outside the clone (tools/cache.sh: EXCLUSIVE_CONTROL_CACHE_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=false
windows=true
for arg in "$@"; do
  case "$arg" in
    --quick) quick=true; windows=false ;;
    --no-windows) windows=false ;;
    *) echo "usage: tools/test.sh [--quick] [--no-windows]" >&2; exit 2 ;;
  esac
done
source "$root/tools/cache.sh"
export CMAKE_GENERATOR=${CMAKE_GENERATOR:-Ninja}
jobs=$(nproc)
started=$SECONDS

stage() { # name command...
  local stage_started=$SECONDS
  echo "== $1"
  "${@:2}"
  echo "== $1 done in $((SECONDS - stage_started)) s"
}

# The Python peers of test_python_peers, pinned (pip, from PyPI), in the cache under a key of the
# Python and the requirements; build/peers, where the CMake builds look, points there.
# setup_peers.sh completes an entry that an interrupted run left half made; the lock keeps two
# runs from filling one entry at once.
peers() {
  local key entry
  key=$(cache_key "$(python3 -c 'import sys; print(sys.version, sys.base_prefix)')" \
    "$(cat "$root"/test/peers/requirements*.txt "$root/tools/setup_peers.sh")")
  entry="$cache_dir/peers-$key"
  mkdir -p "$cache_dir" "$root/build"
  flock "$entry.lock" bash "$root/tools/setup_peers.sh" "$entry"
  if [ ! -L "$root/build/peers" ] || [ "$(readlink "$root/build/peers")" != "$entry" ]; then
    rm -rf "$root/build/peers"
    ln -s "$entry" "$root/build/peers"
  fi
}

stage setup bash "$root/tools/setup.sh"
stage format bash "$root/tools/check_format.sh"
stage peers peers

run_suite() { # name, extra cmake arguments...
  local name=$1; shift
  local build="$root/build/$name"
  cmake -S "$root" -B "$build" -DEXCLUSIVE_CONTROL_WARNINGS_AS_ERRORS=ON "$@" >/dev/null
  cmake --build "$build" -j"$jobs" >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
  (cd "$build" && ctest --output-on-failure -j"$jobs")
}

# Under a sanitizer a process runs several times slower: smaller stress and chaos runs.
sanitized_sizes() {
  export EXCLUSIVE_CONTROL_STRESS_PROCESSES=${EXCLUSIVE_CONTROL_STRESS_PROCESSES:-4}
  export EXCLUSIVE_CONTROL_STRESS_THREADS=${EXCLUSIVE_CONTROL_STRESS_THREADS:-4}
  export EXCLUSIVE_CONTROL_STRESS_ITERATIONS=${EXCLUSIVE_CONTROL_STRESS_ITERATIONS:-50}
  export EXCLUSIVE_CONTROL_CHAOS_KILLS=${EXCLUSIVE_CONTROL_CHAOS_KILLS:-15}
}

# The plain build links the shared library, where symbol visibility can go wrong: every suite
# then runs against it here, and against the static one under the sanitizers (and on Windows).
stage debug run_suite debug -DCMAKE_BUILD_TYPE=Debug -DBUILD_SHARED_LIBS=ON
if ! $quick; then
  (sanitized_sizes
   stage asan run_suite asan -DCMAKE_BUILD_TYPE=Debug -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF -DEXCLUSIVE_CONTROL_SANITIZE=address,undefined
   TSAN_OPTIONS="halt_on_error=1 die_after_fork=0" stage tsan run_suite tsan -DCMAKE_BUILD_TYPE=Debug -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF -DEXCLUSIVE_CONTROL_SANITIZE=thread)
  # The fuzz targets as libFuzzer programs, each run once on every input of its corpus.
  stage fuzz run_suite fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXCLUSIVE_CONTROL_FUZZ=ON \
    -DEXCLUSIVE_CONTROL_BUILD_TESTS=OFF -DEXCLUSIVE_CONTROL_BUILD_EXAMPLES=OFF -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF \
    -DEXCLUSIVE_CONTROL_BUILD_CLI=OFF -DEXCLUSIVE_CONTROL_INSTALL=OFF
  stage tidy bash "$root/tools/tidy.sh"
  stage packaging bash "$root/tools/check_packaging.sh" "$root/build/packaging"
  stage conan bash "$root/tools/check_conan.sh"
fi
if $windows; then
  stage windows bash "$root/tools/test_windows.sh"
fi
echo "All tests passed in $((SECONDS - started)) s."
