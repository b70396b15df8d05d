#!/usr/bin/env bash
# Sets up, builds, and runs every test: the suites warnings-as-errors, then again under
# ASan+UBSan and under TSan. `--quick` runs the plain build only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=false
for arg in "$@"; do
  case "$arg" in
    --quick) quick=true ;;
    *) echo "usage: tools/test.sh [--quick]" >&2; exit 2 ;;
  esac
done
bash "$root/tools/setup.sh"
jobs=$(nproc)

run_suite() { # name, extra cmake arguments...
  local name=$1; shift
  local build="$root/build/$name"
  echo "== $name"
  cmake -S "$root" -B "$build" -DEXCLUSIVE_CONTROL_WARNINGS_AS_ERRORS=ON "$@" >/dev/null
  cmake --build "$build" -j"$jobs" >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
  (cd "$build" && ctest --output-on-failure -j"$jobs")
}

run_suite debug -DCMAKE_BUILD_TYPE=Debug
if ! $quick; then
  run_suite asan -DCMAKE_BUILD_TYPE=Debug -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF -DEXCLUSIVE_CONTROL_SANITIZE=address,undefined
  TSAN_OPTIONS="halt_on_error=1" run_suite tsan -DCMAKE_BUILD_TYPE=Debug -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF -DEXCLUSIVE_CONTROL_SANITIZE=thread
fi
echo "All tests passed."
