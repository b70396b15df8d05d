#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Static analysis: clang-tidy-14 with the checked-in .clang-tidy over every source file of lib/
# and cli/ (the headers they include from lib/, cli/ and include/ too), compiled as a CMake
# configuration with clang++-14 describes them (build/tidy/compile_commands.json; nothing is
# built). Fails on any finding. Usage: tools/tidy.sh [FILE...] to check only those files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/tidy"
bash "$root/tools/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DEXCLUSIVE_CONTROL_BUILD_TESTS=OFF \
  -DEXCLUSIVE_CONTROL_BUILD_EXAMPLES=OFF -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF >/dev/null
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(cd "$root" && git ls-files 'lib/*.cpp' 'cli/*.cpp' | grep -v '_windows\.cpp$' | sed "s|^|$root/|")
fi
# run-clang-tidy runs one clang-tidy per file, $(nproc) at once, and fails if any finds something.
# Its chatter (counts of warnings in system headers) is left out.
set +e
run-clang-tidy-14 -quiet -p "$build" -j "$(nproc)" "${files[@]}" >"$build/tidy.log" 2>&1
status=$?
set -e
grep -v -e '^[0-9]* warnings\? generated\.$' -e '^Suppressed [0-9]* warnings' -e '^Use -header-filter=' \
  -e '^clang-tidy-14 ' -e '^Running clang-tidy' -e '^Enabled checks:' -e '^ *[a-z-]*\*\?$' \
  <(sed 's/\x1b\[[0-9;]*m//g' "$build/tidy.log") || true
[ "$status" -eq 0 ] && echo "tidy: no findings in ${#files[@]} files"
exit "$status"
