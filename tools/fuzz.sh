#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# A fuzzing session: builds the libFuzzer targets of fuzz/ with clang, runs each for SECONDS
# (default 120) starting from its corpus, then merges the new inputs that reach new code into
# fuzz/corpus/<target> (review them and commit). A crash stops that target and leaves its input
# as build/fuzz/findings/<target>/crash-*: fix the bug, then add the input to the corpus, where
# the corpus tests of tools/test.sh replay it from then on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-120}
bash "$root/tools/setup.sh"
build="$root/build/fuzz"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEXCLUSIVE_CONTROL_FUZZ=ON -DEXCLUSIVE_CONTROL_BUILD_TESTS=OFF -DEXCLUSIVE_CONTROL_BUILD_EXAMPLES=OFF \
  -DEXCLUSIVE_CONTROL_INSTALL=OFF -DEXCLUSIVE_CONTROL_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_content_template fuzz_holder >/dev/null
for target in content_template holder; do
  findings="$build/findings/$target"
  mkdir -p "$findings/new"
  echo "== fuzz_$target for $seconds s"
  # Long enough for templates and files past the 4096-byte limits.
  (cd "$findings" && "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=8192 \
     -print_final_stats=1 "$findings/new" "$root/fuzz/corpus/$target" 2>"$findings/log" ) ||
    { tail -40 "$findings/log"; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$findings/log" || true
  "$build/fuzz/fuzz_$target" -merge=1 -max_len=8192 "$root/fuzz/corpus/$target" "$findings/new" 2>>"$findings/log"
  rm -rf "$findings/new"
done
