#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Checks every C++ file of the repository against .clang-format with clang-format-14 (installed
# by tools/setup.sh): lists each file the formatter would change, with how many lines, and fails
# if there is any. `--fix` rewrites those files instead. Needs a git checkout (it formats the
# files git tracks, so nothing a build left behind).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fix=false
for arg in "$@"; do
  case "$arg" in
    --fix) fix=true ;;
    *) echo "usage: tools/check_format.sh [--fix]" >&2; exit 2 ;;
  esac
done
bash "$root/tools/setup.sh"
cd "$root"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if $fix; then
  clang-format-14 -i --style=file "${files[@]}"
  exit 0
fi
changed_files=0 changed_lines=0
for file in "${files[@]}"; do
  lines=$(clang-format-14 --style=file "$file" | diff "$file" - | grep -c '^<' || true)
  if [ "$lines" -gt 0 ]; then
    echo "$file: $lines lines"
    changed_files=$((changed_files + 1))
    changed_lines=$((changed_lines + lines))
  fi
done
if [ "$changed_files" -gt 0 ]; then
  echo "check_format: clang-format-14 would change $changed_lines lines in $changed_files of ${#files[@]} files;" \
    "tools/check_format.sh --fix rewrites them" >&2
  exit 1
fi
echo "check_format: all ${#files[@]} files formatted"
